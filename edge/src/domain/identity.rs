//! WhatsApp `system` messages: Meta telling us a customer's identity changed, not the customer
//! writing (META_PROTOCOL §4, `system`). They update the customer record and are shown to
//! staff; the bot never answers them.

use resto_sync::{InboundMessage, MessageKind, Provider};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentityChange {
    /// The customer moved to a new number; `new_wa_id` is their id from now on (and their
    /// BSUID changes with it: the next message carries the new one).
    NewNumber { new_wa_id: String, note: String },
    /// Meta gave the customer a new business-scoped user id.
    NewBsuid { new_bsuid: String, note: String },
    /// Anything else Meta says about the customer (e.g. `customer_identity_changed`: the
    /// customer reinstalled WhatsApp); shown to staff, nothing to change.
    Notice { note: String },
}

/// What a WhatsApp `system` message says, or `None` for every other message.
pub fn identity_change(msg: &InboundMessage) -> Option<IdentityChange> {
    if msg.provider != Provider::Wa || msg.kind != MessageKind::Unsupported {
        return None;
    }
    let raw = msg.raw.as_ref()?;
    if raw.get("type").and_then(Value::as_str) != Some("system") {
        return None;
    }
    let system = raw.get("system")?;
    let text = |k: &str| system.get(k).and_then(Value::as_str).map(str::to_string);
    let kind = text("type").unwrap_or_default();
    let note = text("body").unwrap_or_else(|| kind.replace('_', " "));
    // `user_changed_number` + `wa_id` now; `customer_changed_number` + `new_wa_id` in older docs.
    let new_id = match kind.as_str() {
        "user_changed_number" | "customer_changed_number" => {
            text("wa_id").or_else(|| text("new_wa_id"))
        }
        _ => None,
    };
    if let Some(new_wa_id) = new_id.filter(|n| !n.is_empty() && *n != msg.user_id) {
        return Some(IdentityChange::NewNumber { new_wa_id, note });
    }
    let new_bsuid = match kind.as_str() {
        "user_changed_user_id" | "user_id_update" => {
            text("user_id").or_else(|| text("new_user_id"))
        }
        _ => None,
    };
    Some(match new_bsuid.filter(|b| !b.is_empty()) {
        Some(new_bsuid) => IdentityChange::NewBsuid { new_bsuid, note },
        None => IdentityChange::Notice { note },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn system(body: Value) -> InboundMessage {
        serde_json::from_value(
            json!({"provider": "wa", "account_id": "1", "user_id": "213661000001",
            "msg_id": "wamid.sys", "timestamp": "2026-12-05T10:00:00Z", "kind": "unsupported",
            "raw": {"from": "213661000001", "id": "wamid.sys", "type": "system", "system": body}}),
        )
        .unwrap()
    }

    #[test]
    fn a_changed_number_names_the_new_id_in_both_documented_shapes() {
        for body in [
            json!({"body": "User A changed from 213661000001 to 213661000002", "type": "user_changed_number", "wa_id": "213661000002"}),
            json!({"type": "customer_changed_number", "new_wa_id": "213661000002"}),
        ] {
            match identity_change(&system(body)).unwrap() {
                IdentityChange::NewNumber { new_wa_id, .. } => {
                    assert_eq!(new_wa_id, "213661000002")
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn a_user_id_update_names_the_new_bsuid() {
        let c = identity_change(&system(
            json!({"type": "user_changed_user_id", "user_id": "DZ.2"}),
        ));
        assert!(
            matches!(c, Some(IdentityChange::NewBsuid { ref new_bsuid, .. }) if new_bsuid == "DZ.2")
        );
    }

    #[test]
    fn other_system_messages_are_notices_and_customer_messages_are_not_changes() {
        let n = identity_change(&system(json!({"type": "customer_identity_changed"})));
        assert_eq!(
            n,
            Some(IdentityChange::Notice {
                note: "customer identity changed".into()
            })
        );
        let mut text = system(json!({}));
        text.kind = MessageKind::Text;
        assert_eq!(identity_change(&text), None);
    }
}
