//! Why a reply did not reach the customer, from the relay's `failed` status (its own
//! dead letter, or WhatsApp's asynchronous failure): what staff read on the reply's line.

use resto_sync::MessageStatus;

/// Meta's code for a free-form message outside the customer-service window (more than 24 h
/// since the customer's last message, META_PROTOCOL §7).
pub const OUTSIDE_WINDOW_CODE: i64 = 131047;

/// The reason shown to staff: `outside_window` (the console explains it in the staff's
/// language) or Meta's / the relay's own words. `None` unless the status is a failure.
pub fn reason(st: &MessageStatus) -> Option<String> {
    if st.status != "failed" {
        return None;
    }
    let first = st.errors.first();
    if first.is_some_and(|e| e.code == OUTSIDE_WINDOW_CODE) {
        return Some("outside_window".into());
    }
    Some(
        first
            .and_then(|e| e.title.clone().or_else(|| e.details.clone()))
            .unwrap_or_else(|| "failed".into()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn status(value: serde_json::Value) -> MessageStatus {
        let mut base = json!({"provider": "wa", "account_id": "1", "msg_id": "wamid.1",
            "status": "failed", "timestamp": "2026-12-05T10:00:00Z"});
        for (k, v) in value.as_object().unwrap() {
            base[k] = v.clone();
        }
        serde_json::from_value(base).unwrap()
    }

    #[test]
    fn the_window_is_named_and_other_failures_keep_their_words() {
        let late = status(json!({"errors": [{"code": 131047, "title": "Re-engagement message"}]}));
        assert_eq!(reason(&late).as_deref(), Some("outside_window"));
        let other = status(json!({"errors": [{"code": 131026, "title": "Message undeliverable"}]}));
        assert_eq!(reason(&other).as_deref(), Some("Message undeliverable"));
        assert_eq!(reason(&status(json!({"status": "delivered"}))), None);
    }
}
