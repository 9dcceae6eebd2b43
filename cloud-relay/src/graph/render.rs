//! A `send_message` item → the Graph API request for its channel (META_PROTOCOL §7), and
//! Graph's answer → what to do next. Pure functions.

use resto_sync::outbound::{OutgoingMessage, SendMessage};
use resto_sync::Provider;
use serde_json::{json, Value};

/// Path (after the versioned base URL) and JSON body of one send.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphRequest {
    pub path: String,
    pub body: Value,
}

pub fn render(m: &SendMessage) -> Result<GraphRequest, String> {
    let path = format!("/{}/messages", m.account_id);
    let body = match m.provider {
        Provider::Wa => render_whatsapp(m),
        Provider::Ig | Provider::Msg => render_messenger(m)?,
    };
    Ok(GraphRequest { path, body })
}

fn render_whatsapp(m: &SendMessage) -> Value {
    let mut body = json!({"messaging_product": "whatsapp", "recipient_type": "individual"});
    // Users with a username may only have a business-scoped id (`CC.digits`), sent as
    // `recipient` instead of `to` (META_PROTOCOL §4.5).
    if m.to.contains('.') {
        body["recipient"] = json!(m.to);
    } else {
        body["to"] = json!(m.to);
    }
    if let Some(c) = &m.correlation_id {
        body["biz_opaque_callback_data"] = json!(c);
    }
    match &m.message {
        OutgoingMessage::Text { text } => {
            body["type"] = json!("text");
            body["text"] = json!({"body": text, "preview_url": false});
        }
        OutgoingMessage::Buttons { text, buttons } => {
            body["type"] = json!("interactive");
            body["interactive"] = json!({
                "type": "button",
                "body": {"text": text},
                "action": {"buttons": buttons.iter().map(|b| json!({"type": "reply", "reply": {"id": b.id, "title": b.title}})).collect::<Vec<_>>()}
            });
        }
        OutgoingMessage::List {
            text,
            button,
            sections,
        } => {
            body["type"] = json!("interactive");
            body["interactive"] = json!({
                "type": "list",
                "body": {"text": text},
                "action": {"button": button, "sections": sections}
            });
        }
        OutgoingMessage::Template {
            name,
            language,
            components,
        } => {
            body["type"] = json!("template");
            body["template"] =
                json!({"name": name, "language": {"code": language}, "components": components});
        }
    }
    body
}

/// Messenger and Instagram have no interactive lists: buttons become quick replies and a list
/// becomes numbered text the customer can answer with the number (plus quick replies).
fn render_messenger(m: &SendMessage) -> Result<Value, String> {
    let quick = |id: &str, title: &str| json!({"content_type": "text", "title": title.chars().take(20).collect::<String>(), "payload": id});
    let message = match &m.message {
        OutgoingMessage::Text { text } => json!({"text": text}),
        OutgoingMessage::Buttons { text, buttons } => json!({
            "text": text,
            "quick_replies": buttons.iter().map(|b| quick(&b.id, &b.title)).collect::<Vec<_>>()
        }),
        OutgoingMessage::List { text, sections, .. } => {
            let rows: Vec<_> = sections.iter().flat_map(|s| &s.rows).collect();
            let mut out = text.clone();
            out.push('\n');
            for (i, r) in rows.iter().enumerate() {
                out.push_str(&format!("\n{}. {}", i + 1, r.title));
                if let Some(d) = &r.description {
                    out.push_str(&format!(" — {d}"));
                }
            }
            json!({"text": out, "quick_replies": rows.iter().map(|r| quick(&r.id, &r.title)).collect::<Vec<_>>()})
        }
        OutgoingMessage::Template { .. } => {
            return Err(
                "templates exist only on WhatsApp; send text on Messenger and Instagram".into(),
            )
        }
    };
    // A chat-plugin visitor known only by `user_ref` is addressed by it (META_PROTOCOL §7).
    let recipient = match m.to.strip_prefix(crate::meta::parse::USER_REF_PREFIX) {
        Some(r) => json!({"user_ref": r}),
        None => json!({"id": m.to}),
    };
    Ok(json!({"recipient": recipient, "messaging_type": "RESPONSE", "message": message}))
}

/// What Graph's answer means for the item.
#[derive(Debug, Clone, PartialEq)]
pub enum SendVerdict {
    Sent {
        provider_msg_id: String,
    },
    /// Try again later; `after_secs` when Graph said how long (Retry-After).
    Retry {
        error: String,
        after_secs: Option<u64>,
    },
    /// Will never succeed as it is: dead-letter it.
    Permanent {
        code: i64,
        error: String,
    },
}

/// Graph error codes that mean "slow down" even when the HTTP status is not 429.
const RATE_LIMIT_CODES: &[i64] = &[4, 17, 32, 613, 80007, 130429, 131056];
/// Codes that mean "temporary trouble on Meta's side".
const TRANSIENT_CODES: &[i64] = &[1, 2, 131000];

pub fn classify(status: u16, retry_after: Option<&str>, body: &[u8]) -> SendVerdict {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    if (200..300).contains(&status) {
        let id = v["messages"][0]["id"]
            .as_str()
            .or_else(|| v["message_id"].as_str());
        return match id {
            Some(id) => SendVerdict::Sent {
                provider_msg_id: id.to_string(),
            },
            None => SendVerdict::Retry {
                error: format!("HTTP {status} without a message id"),
                after_secs: None,
            },
        };
    }
    let code = v["error"]["code"].as_i64().unwrap_or(0);
    let message = v["error"]["message"].as_str().unwrap_or("no error message");
    let error = format!("HTTP {status}, code {code}: {message}");
    let after_secs = retry_after.and_then(|r| r.trim().parse().ok());
    if status == 429
        || status >= 500
        || RATE_LIMIT_CODES.contains(&code)
        || TRANSIENT_CODES.contains(&code)
    {
        SendVerdict::Retry { error, after_secs }
    } else {
        SendVerdict::Permanent { code, error }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(provider: &str, message: Value) -> SendMessage {
        SendMessage::from_payload(
            &json!({"provider": provider, "account_id": "123", "to": "213555010101",
            "correlation_id": "c-1", "message": message}),
        )
        .unwrap()
    }

    #[test]
    fn whatsapp_buttons_become_an_interactive_reply_message() {
        let r = render(&msg("wa", json!({"type": "buttons", "text": "Confirmer ?", "buttons": [{"id": "yes", "title": "Oui"}]}))).unwrap();
        assert_eq!(r.path, "/123/messages");
        assert_eq!(r.body["to"], "213555010101");
        assert_eq!(r.body["biz_opaque_callback_data"], "c-1");
        assert_eq!(
            r.body["interactive"]["action"]["buttons"][0]["reply"]["id"],
            "yes"
        );
        assert_eq!(r.body["interactive"]["type"], "button");
    }

    #[test]
    fn a_whatsapp_user_known_only_by_bsuid_is_addressed_as_recipient() {
        let mut m = msg("wa", json!({"type": "text", "text": "Salam"}));
        m.to = "DZ.13650000000000101".into();
        let r = render(&m).unwrap();
        assert_eq!(r.body["recipient"], "DZ.13650000000000101");
        assert!(r.body.get("to").is_none());
    }

    #[test]
    fn a_chat_plugin_visitor_is_answered_by_user_ref() {
        let mut m = msg("msg", json!({"type": "text", "text": "Bonjour"}));
        m.to = "user_ref:chat-plugin-visitor-5f2c".into();
        let r = render(&m).unwrap();
        assert_eq!(
            r.body["recipient"],
            json!({"user_ref": "chat-plugin-visitor-5f2c"})
        );
    }

    #[test]
    fn a_messenger_list_becomes_numbered_text_with_quick_replies() {
        let r = render(&msg("msg", json!({"type": "list", "text": "Nos pizzas", "button": "Voir", "sections": [
            {"title": "Pizzas", "rows": [{"id": "p1", "title": "Margherita", "description": "900 DA"}, {"id": "p2", "title": "Reine"}]}]}))).unwrap();
        assert_eq!(r.body["recipient"]["id"], "213555010101");
        assert_eq!(
            r.body["message"]["text"],
            "Nos pizzas\n\n1. Margherita — 900 DA\n2. Reine"
        );
        assert_eq!(r.body["message"]["quick_replies"][1]["payload"], "p2");
        assert!(render(&msg(
            "ig",
            json!({"type": "template", "name": "x", "language": "fr"})
        ))
        .is_err());
    }

    #[test]
    fn graph_answers_are_classified_for_retry_or_dead_letter() {
        let ok = br#"{"messaging_product":"whatsapp","contacts":[{"input":"1","wa_id":"1"}],"messages":[{"id":"wamid.X"}]}"#;
        assert_eq!(
            classify(200, None, ok),
            SendVerdict::Sent {
                provider_msg_id: "wamid.X".into()
            }
        );
        assert_eq!(
            classify(200, None, br#"{"recipient_id":"1","message_id":"m_1"}"#),
            SendVerdict::Sent {
                provider_msg_id: "m_1".into()
            }
        );
        assert!(matches!(
            classify(500, None, b"oops"),
            SendVerdict::Retry {
                after_secs: None,
                ..
            }
        ));
        assert!(matches!(
            classify(429, Some("7"), b"{}"),
            SendVerdict::Retry {
                after_secs: Some(7),
                ..
            }
        ));
        let throughput = br#"{"error":{"message":"limit","code":130429}}"#;
        assert!(matches!(
            classify(400, None, throughput),
            SendVerdict::Retry { .. }
        ));
        let window = br#"{"error":{"message":"Re-engagement message","code":131047}}"#;
        assert!(matches!(
            classify(400, None, window),
            SendVerdict::Permanent { code: 131047, .. }
        ));
        assert!(matches!(
            classify(
                401,
                None,
                br#"{"error":{"code":190,"message":"token expired"}}"#
            ),
            SendVerdict::Permanent { code: 190, .. }
        ));
    }
}
