//! What the edge asks the relay to say (DESIGN §3 `POST /v1/sync/outbox`), with the channel
//! limits checked on both sides so a reply that Meta would refuse is caught at the source.

use crate::Provider;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One item of `POST /v1/sync/outbox`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxItem {
    /// ULID chosen by the edge: the idempotency key, per node.
    pub id: String,
    pub kind: String,
    pub created_at: String,
    pub payload: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxRequest {
    pub items: Vec<OutboxItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxRejection {
    pub id: String,
    pub error: String,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct OutboxResponse {
    pub accepted: Vec<String>,
    pub duplicates: Vec<String>,
    pub rejected: Vec<OutboxRejection>,
}

/// Payload of a `send_message` item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendMessage {
    pub provider: Provider,
    pub account_id: String,
    pub to: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    pub message: OutgoingMessage,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum OutgoingMessage {
    Text {
        text: String,
    },
    Buttons {
        text: String,
        buttons: Vec<Button>,
    },
    List {
        text: String,
        button: String,
        sections: Vec<Section>,
    },
    Template {
        name: String,
        language: String,
        #[serde(default)]
        components: Vec<Value>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Button {
    pub id: String,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    #[serde(default)]
    pub title: String,
    pub rows: Vec<Row>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// WhatsApp's documented limits (META_PROTOCOL §7.1), the strictest of the three channels.
pub const MAX_TEXT_CHARS: usize = 4096;
pub const MAX_BUTTONS: usize = 3;
pub const MAX_BUTTON_TITLE_CHARS: usize = 20;
pub const MAX_LIST_ROWS: usize = 10;
pub const MAX_ROW_TITLE_CHARS: usize = 24;
pub const MAX_ROW_DESCRIPTION_CHARS: usize = 72;

fn chars(s: &str) -> usize {
    s.chars().count()
}

impl SendMessage {
    /// Parses and checks a `send_message` payload; the error says what to change.
    pub fn from_payload(payload: &Value) -> Result<SendMessage, String> {
        let m: SendMessage = serde_json::from_value(payload.clone())
            .map_err(|e| format!("send_message payload: {e}"))?;
        if m.account_id.trim().is_empty() || m.to.trim().is_empty() {
            return Err("send_message needs a non-empty account_id and to".into());
        }
        m.message.check()?;
        Ok(m)
    }
}

impl OutgoingMessage {
    pub fn check(&self) -> Result<(), String> {
        let text_ok = |t: &str| {
            if t.trim().is_empty() {
                Err("text is empty".to_string())
            } else if chars(t) > MAX_TEXT_CHARS {
                Err(format!("text is over {MAX_TEXT_CHARS} characters"))
            } else {
                Ok(())
            }
        };
        match self {
            OutgoingMessage::Text { text } => text_ok(text),
            OutgoingMessage::Buttons { text, buttons } => {
                text_ok(text)?;
                if buttons.is_empty() || buttons.len() > MAX_BUTTONS {
                    return Err(format!("1 to {MAX_BUTTONS} buttons, got {}", buttons.len()));
                }
                for b in buttons {
                    if b.id.is_empty() || b.title.trim().is_empty() {
                        return Err("every button needs an id and a title".into());
                    }
                    if chars(&b.title) > MAX_BUTTON_TITLE_CHARS {
                        return Err(format!(
                            "button title {:?} is over {MAX_BUTTON_TITLE_CHARS} characters",
                            b.title
                        ));
                    }
                }
                Ok(())
            }
            OutgoingMessage::List {
                text,
                button,
                sections,
            } => {
                text_ok(text)?;
                if button.trim().is_empty() || chars(button) > MAX_BUTTON_TITLE_CHARS {
                    return Err(format!(
                        "list button must be 1 to {MAX_BUTTON_TITLE_CHARS} characters"
                    ));
                }
                let rows: Vec<&Row> = sections.iter().flat_map(|s| &s.rows).collect();
                if rows.is_empty() || rows.len() > MAX_LIST_ROWS {
                    return Err(format!(
                        "1 to {MAX_LIST_ROWS} list rows in total, got {}",
                        rows.len()
                    ));
                }
                for r in rows {
                    if r.id.is_empty() || chars(&r.title) > MAX_ROW_TITLE_CHARS {
                        return Err(format!(
                            "row {:?} needs an id and a title of at most {MAX_ROW_TITLE_CHARS} characters",
                            r.title
                        ));
                    }
                    if r.description
                        .as_deref()
                        .is_some_and(|d| chars(d) > MAX_ROW_DESCRIPTION_CHARS)
                    {
                        return Err(format!(
                            "row {:?} description is over {MAX_ROW_DESCRIPTION_CHARS} characters",
                            r.title
                        ));
                    }
                }
                Ok(())
            }
            OutgoingMessage::Template { name, language, .. } => {
                if name.is_empty() || language.is_empty() {
                    Err("a template needs a name and a language code".into())
                } else {
                    Ok(())
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn send(message: Value) -> Result<SendMessage, String> {
        SendMessage::from_payload(&json!({
            "provider": "wa", "account_id": "109876543210987", "to": "213555010101",
            "correlation_id": "c1", "message": message
        }))
    }

    #[test]
    fn each_message_shape_within_limits_is_accepted() {
        assert!(send(json!({"type": "text", "text": "Votre commande A-042 est prête"})).is_ok());
        assert!(send(
            json!({"type": "buttons", "text": "Confirmer ?", "buttons": [
            {"id": "yes", "title": "Oui ✅"}, {"id": "no", "title": "Non"}]})
        )
        .is_ok());
        assert!(send(json!({"type": "list", "text": "Menu", "button": "Voir le menu", "sections": [
            {"title": "Pizzas", "rows": [{"id": "p1", "title": "Margherita", "description": "900 DA"}]}]})).is_ok());
        assert!(send(
            json!({"type": "template", "name": "order_update", "language": "fr",
            "components": [{"type": "body", "parameters": [{"type": "text", "text": "A-042"}]}]})
        )
        .is_ok());
    }

    #[test]
    fn what_meta_would_refuse_is_refused_with_the_reason() {
        let four = json!({"type": "buttons", "text": "?", "buttons": [
            {"id": "1", "title": "a"}, {"id": "2", "title": "b"}, {"id": "3", "title": "c"}, {"id": "4", "title": "d"}]});
        assert!(send(four).unwrap_err().contains("1 to 3 buttons"));
        let long = json!({"type": "buttons", "text": "?", "buttons": [{"id": "1", "title": "Un titre beaucoup trop long"}]});
        assert!(send(long).unwrap_err().contains("over 20"));
        let rows: Vec<Value> = (0..11)
            .map(|i| json!({"id": format!("r{i}"), "title": "x"}))
            .collect();
        let eleven = json!({"type": "list", "text": "Menu", "button": "Voir", "sections": [{"title": "a", "rows": rows}]});
        assert!(send(eleven).unwrap_err().contains("10 list rows"));
        assert!(send(json!({"type": "text", "text": ""})).is_err());
        assert!(send(json!({"type": "audio", "url": "x"})).is_err());
        assert!(SendMessage::from_payload(
            &json!({"provider": "sms", "account_id": "1", "to": "2",
            "message": {"type": "text", "text": "x"}})
        )
        .is_err());
    }
}
