//! A customer editing or unsending a message they sent (Messenger and Instagram
//! `message_edit` and `is_deleted`, META_PROTOCOL §5–§6): a change to a line the staff already
//! see, not a new message for the bot.

use resto_sync::{InboundMessage, MessageKind, Provider};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revision {
    /// `original` (its channel id) now reads `text`.
    Edited { original: String, text: String },
    /// The customer took `original` back.
    Deleted { original: String },
}

/// What revision `msg` is, or `None` for a message of its own.
pub fn revision(msg: &InboundMessage) -> Option<Revision> {
    if msg.provider == Provider::Wa || msg.kind != MessageKind::Unsupported {
        return None;
    }
    let raw = msg.raw.as_ref()?;
    let original = msg.reply_to.clone()?;
    if raw.get("message_edit").is_some() {
        return Some(Revision::Edited {
            original,
            text: msg.text.clone().unwrap_or_default(),
        });
    }
    (raw.get("is_deleted").and_then(Value::as_bool) == Some(true))
        .then_some(Revision::Deleted { original })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn msg(raw: Value, text: Option<&str>) -> InboundMessage {
        serde_json::from_value(json!({"provider": "ig", "account_id": "1", "user_id": "7",
            "msg_id": "m_1#x", "timestamp": "2026-12-05T10:00:00Z", "kind": "unsupported",
            "text": text, "reply_to": "m_1", "raw": raw}))
        .unwrap()
    }

    #[test]
    fn edits_and_unsends_name_the_original_and_other_messages_are_not_revisions() {
        assert_eq!(
            revision(&msg(
                json!({"message_edit": {"mid": "m_1", "text": "3 tacos"}}),
                Some("3 tacos")
            )),
            Some(Revision::Edited {
                original: "m_1".into(),
                text: "3 tacos".into()
            })
        );
        assert_eq!(
            revision(&msg(json!({"mid": "m_1", "is_deleted": true}), None)),
            Some(Revision::Deleted {
                original: "m_1".into()
            })
        );
        assert_eq!(revision(&msg(json!({"is_unsupported": true}), None)), None);
    }
}
