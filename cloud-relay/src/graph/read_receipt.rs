//! Read receipts with a typing indicator (META_PROTOCOL §7.1 "mark as read (+ typing)"): when
//! a node takes a customer's WhatsApp message from its long-poll, the relay marks the message
//! read and shows "typing…", so the customer sees the bot at work before the reply comes.
//!
//! The signal is the poll answer itself: the events a node is handed are the ones it starts
//! handling (docs/protocol.md § Read receipts) — no new wire field. Best effort by design:
//! one call per customer per page, on its own task, never retried, never in the reply path
//! (the Graph sender does not know about it); outcomes are counted in
//! `resto_read_receipts_total`. Messenger and Instagram have no such call in
//! `../shared/META_PROTOCOL.md`, so only WhatsApp messages get one.

use crate::state::AppState;
use resto_sync::{Event, EventKind, InboundMessage, Provider};
use serde_json::{json, Value};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// One read receipt to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadReceipt {
    /// The WhatsApp phone_number_id the message came to (the route).
    pub account_id: String,
    /// The customer's wamid.
    pub message_id: String,
}

/// The WhatsApp messages of a poll answer worth a read receipt: the newest per customer,
/// because marking a message read marks the customer's earlier ones read too (one call where
/// a page after an outage holds several messages of one customer).
pub fn pick(events: &[Event]) -> Vec<ReadReceipt> {
    let mut out: Vec<(String, ReadReceipt)> = Vec::new();
    for ev in events
        .iter()
        .filter(|e| e.kind == EventKind::InboundMessage)
    {
        let Ok(msg) = serde_json::from_value::<InboundMessage>(ev.payload.clone()) else {
            continue;
        };
        if msg.provider != Provider::Wa || msg.msg_id.is_empty() {
            continue;
        }
        let customer = format!("{}/{}", msg.account_id, msg.user_id);
        let receipt = ReadReceipt {
            account_id: msg.account_id,
            message_id: msg.msg_id,
        };
        match out.iter_mut().find(|(c, _)| *c == customer) {
            Some((_, r)) => *r = receipt,
            None => out.push((customer, receipt)),
        }
    }
    out.into_iter().map(|(_, r)| r).collect()
}

/// The request body, exactly as META_PROTOCOL §7.1 documents it.
pub fn body(message_id: &str) -> Value {
    json!({
        "messaging_product": "whatsapp",
        "status": "read",
        "message_id": message_id,
        "typing_indicator": {"type": "text"},
    })
}

/// Graph answers `{"success": true}`; anything else is a failure (counted, not retried).
pub fn succeeded(status: u16, body: &[u8]) -> bool {
    (200..300).contains(&status)
        && serde_json::from_slice::<Value>(body)
            .map(|v| v["success"] == json!(true))
            .unwrap_or(false)
}

/// Starts the read receipts of a poll answer in the background and returns at once.
pub fn mark_taken(app: &Arc<AppState>, node_id: &str, events: &[Event]) {
    if !app.config.read_receipts.enabled {
        return;
    }
    for receipt in pick(events) {
        let app = app.clone();
        let node_id = node_id.to_string();
        tokio::spawn(async move {
            let sent = send(&app, &receipt).await;
            app.metrics
                .read_receipt(Provider::Wa.as_str(), sent.is_ok());
            match sent {
                Ok(()) => {
                    tracing::debug!(node_id = %node_id, msg_id = %receipt.message_id, "read receipt sent")
                }
                Err(error) => {
                    tracing::warn!(node_id = %node_id, msg_id = %receipt.message_id, error = %error, "read receipt failed; not retried")
                }
            }
        });
    }
}

/// The process's one client for read receipts: its own timeout, its own connections, so a
/// slow receipt never takes a connection the reply sender is waiting for.
fn client(timeout_ms: u64) -> Result<&'static reqwest::Client, String> {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    if let Some(c) = CLIENT.get() {
        return Ok(c);
    }
    let c = reqwest::Client::builder()
        .timeout(Duration::from_millis(timeout_ms))
        .connect_timeout(Duration::from_secs(5))
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
    Ok(CLIENT.get_or_init(|| c))
}

async fn send(app: &AppState, receipt: &ReadReceipt) -> Result<(), String> {
    let token = match app
        .store
        .access_token(Provider::Wa, &receipt.account_id)
        .await
    {
        Ok(Some(t)) => t,
        Ok(None) => return Err("no access token for the route".into()),
        Err(e) => return Err(e.to_string()),
    };
    let client = client(app.config.read_receipts.timeout_ms)?;
    let url = format!(
        "{}/{}/messages",
        app.config.meta.graph_url.trim_end_matches('/'),
        receipt.account_id
    );
    let resp = client
        .post(&url)
        .bearer_auth(token)
        .json(&body(&receipt.message_id))
        .send()
        .await
        .map_err(|e| format!("network: {e}"))?;
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await.unwrap_or_default();
    if succeeded(status, &bytes) {
        Ok(())
    } else {
        Err(format!("Graph answered HTTP {status}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inbound(seq: u64, provider: &str, user: &str, msg_id: &str) -> Event {
        Event {
            seq,
            id: format!("evt_{seq}"),
            kind: EventKind::InboundMessage,
            received_at: "2026-12-04T10:00:00.000Z".into(),
            payload: json!({"provider": provider, "account_id": "111", "user_id": user, "msg_id": msg_id,
                "timestamp": "2026-12-04T10:00:00Z", "kind": "text", "text": "salam"}),
            away_notice: false,
        }
    }

    #[test]
    fn one_receipt_per_whatsapp_customer_for_their_newest_message() {
        let mut status = inbound(4, "wa", "213", "wamid.S");
        status.kind = EventKind::MessageStatus;
        let events = vec![
            inbound(1, "wa", "213", "wamid.A1"),
            inbound(2, "wa", "214", "wamid.B1"),
            inbound(3, "wa", "213", "wamid.A2"),
            status,
            inbound(5, "ig", "999", "mid.I1"),
        ];
        let ids: Vec<String> = pick(&events).into_iter().map(|r| r.message_id).collect();
        assert_eq!(ids, vec!["wamid.A2", "wamid.B1"]);
    }

    #[test]
    fn the_body_is_meta_documented_and_only_success_true_counts() {
        assert_eq!(
            body("wamid.X"),
            json!({"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.X", "typing_indicator": {"type": "text"}})
        );
        assert!(succeeded(200, br#"{"success":true}"#));
        assert!(!succeeded(200, br#"{"success":false}"#));
        assert!(!succeeded(500, br#"{"success":true}"#));
        assert!(!succeeded(400, br#"{"error":{"code":100}}"#));
    }
}
