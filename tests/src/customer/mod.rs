//! The development corpus and the adaptive customer of issue 14: customer goals written as
//! Algerians write (`tests/corpus/*.toml`), a customer that pursues its goal against the
//! bot's actual questions, and two runners over it — in-process (the edge's apply path on a
//! temp SQLite file, seconds for the whole corpus) and the real relay + edge processes with
//! signed webhooks and the Graph stand-in (`scripts/bench-conversation.sh`).

pub mod bot;
pub mod corpus;
pub mod db;
pub mod decide;
pub mod inproc;
pub mod real;
pub mod run;

pub use bot::{BotReply, Choice};
pub use corpus::{Corpus, Goal, MenuFacts, Register};
pub use decide::{Customer, Move, Seen};
pub use run::{Bench, Chat, Outcome, Record};

/// The WhatsApp webhook a customer's message or tap makes, as Meta sends it.
pub fn wa_webhook(phone_number_id: &str, from: &str, wamid: &str, m: &Move) -> Vec<u8> {
    let ts = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
        .to_string();
    let mut message = serde_json::json!({"from": from, "id": wamid, "timestamp": ts});
    match m {
        Move::Say(t) => {
            message["type"] = "text".into();
            message["text"] = serde_json::json!({ "body": t });
        }
        Move::Tap(c) => {
            let kind = if c.row { "list_reply" } else { "button_reply" };
            message["type"] = "interactive".into();
            message["interactive"] =
                serde_json::json!({"type": kind, kind: {"id": c.id, "title": c.title}});
        }
        Move::GiveUp(_) => {}
    }
    serde_json::json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "104857600012345", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "213555010000", "phone_number_id": phone_number_id},
            "contacts": [{"profile": {"name": "Client"}, "wa_id": from}],
            "messages": [message]
        }}]}]
    })
    .to_string()
    .into_bytes()
}

/// The customer id (a WhatsApp number) of the `i`-th goal of a run.
pub fn customer_number(i: usize) -> String {
    format!("2137700{i:05}")
}

#[cfg(test)]
mod tests;
