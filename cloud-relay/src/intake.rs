//! The decisions of webhook intake, as plain functions: how the signature mode treats a
//! verification result, which query strings are refused, and how a parsed webhook becomes
//! the batch of events and security events to commit. The HTTP handler only sequences them.
//!
//! May import: `config`, `security`, `meta`, `store` (the batch types); never `state`.

use crate::config::SignatureMode;
use crate::meta::media::strip_blocked_media;
use crate::meta::parse::ParsedWebhook;
use crate::meta::signature::SignatureError;
use crate::security::{SecurityEvent, SecurityEventType};
use crate::store::{IngestBatch, NewEvent};
use resto_sync::EventKind;

/// What to do with a request after checking its signature under the configured mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureVerdict {
    Accept,
    /// Accept, but record why it would have been refused (warn mode).
    AcceptRecorded(SecurityEventType, String),
    Refuse(SecurityEventType, String),
}

pub fn signature_verdict(
    mode: SignatureMode,
    check: Result<(), SignatureError>,
) -> SignatureVerdict {
    let err = match check {
        Ok(()) => return SignatureVerdict::Accept,
        Err(e) => e,
    };
    let kind = match err {
        SignatureError::Missing => SecurityEventType::SignatureMissing,
        _ => SecurityEventType::SignatureInvalid,
    };
    match mode {
        SignatureMode::Off => SignatureVerdict::Accept,
        SignatureMode::Warn => SignatureVerdict::AcceptRecorded(kind, err.to_string()),
        SignatureMode::Enforce => SignatureVerdict::Refuse(kind, err.to_string()),
    }
}

/// Query parameters that would carry a credential. Secrets in URLs end up in access logs,
/// proxies and browser history, so they are refused (DESIGN §3) unless ALLOW_QUERY_TOKEN.
const TOKEN_PARAMS: &[&str] = &[
    "access_token",
    "token",
    "verify_token",
    "hub.verify_token",
    "secret",
    "app_secret",
    "client_secret",
    "node_secret",
    "key",
    "api_key",
    "apikey",
    "password",
    "signature",
];

/// The name of the first credential-like query parameter, if any.
pub fn query_token_param(query: Option<&str>) -> Option<String> {
    let query = query?;
    url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, _)| k.to_ascii_lowercase())
        .find(|k| TOKEN_PARAMS.contains(&k.as_str()))
}

/// Turns a parsed webhook into what must be committed: canonical events (media URLs that
/// are not Meta's removed) plus the security events for what was removed or unreadable.
pub fn plan_ingest(mut parsed: ParsedWebhook, source: Option<&str>) -> IngestBatch {
    let mut batch = IngestBatch::default();
    let src = || source.map(str::to_string);
    for msg in &mut parsed.messages {
        for blocked in strip_blocked_media(msg) {
            let kind = if blocked.audio {
                SecurityEventType::AudioUrlBlocked
            } else {
                SecurityEventType::MediaUrlBlocked
            };
            batch.security.push(SecurityEvent::new(
                kind,
                src(),
                format!(
                    "{} message {}: {}",
                    msg.provider, msg.msg_id, blocked.reason
                ),
            ));
        }
    }
    for msg in parsed.messages {
        batch.events.push(NewEvent {
            provider: msg.provider,
            account_id: msg.account_id.clone(),
            msg_id: msg.msg_id.clone(),
            dedupe_key: msg.msg_id.clone(),
            label: msg.kind.as_str().to_string(),
            kind: EventKind::InboundMessage,
            payload: serde_json::to_string(&msg).unwrap_or_else(|_| "{}".into()),
            away: None,
        });
    }
    for st in parsed.statuses {
        batch.events.push(NewEvent {
            provider: st.provider,
            account_id: st.account_id.clone(),
            // sent, delivered and read share the wamid: each status is its own event.
            dedupe_key: format!("status:{}:{}", st.msg_id, st.status),
            msg_id: st.msg_id.clone(),
            label: st.status.clone(),
            kind: EventKind::MessageStatus,
            payload: serde_json::to_string(&st).unwrap_or_else(|_| "{}".into()),
            away: None,
        });
    }
    if !parsed.invalid_items.is_empty() {
        let mut reason = parsed.invalid_items.join("; ");
        truncate(&mut reason, 500);
        batch.security.push(SecurityEvent::new(
            SecurityEventType::PayloadInvalid,
            src(),
            format!(
                "{} unreadable item(s): {reason}",
                parsed.invalid_items.len()
            ),
        ));
    }
    batch
}

/// Cuts at a char boundary so reasons stay short in the table and logs.
pub fn truncate(s: &mut String, max: usize) {
    if s.len() > max {
        let mut cut = max;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push('…');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meta::parse::parse_meta_webhook;

    #[test]
    fn each_mode_treats_a_bad_signature_as_documented() {
        let bad = Err(SignatureError::Mismatch);
        assert!(matches!(
            signature_verdict(SignatureMode::Enforce, bad),
            SignatureVerdict::Refuse(SecurityEventType::SignatureInvalid, _)
        ));
        assert!(matches!(
            signature_verdict(SignatureMode::Warn, bad),
            SignatureVerdict::AcceptRecorded(SecurityEventType::SignatureInvalid, _)
        ));
        assert_eq!(
            signature_verdict(SignatureMode::Off, bad),
            SignatureVerdict::Accept
        );
        assert!(matches!(
            signature_verdict(SignatureMode::Enforce, Err(SignatureError::Missing)),
            SignatureVerdict::Refuse(SecurityEventType::SignatureMissing, _)
        ));
        assert_eq!(
            signature_verdict(SignatureMode::Enforce, Ok(())),
            SignatureVerdict::Accept
        );
    }

    #[test]
    fn credential_like_query_parameters_are_spotted() {
        assert_eq!(
            query_token_param(Some("access_token=abc")),
            Some("access_token".into())
        );
        assert_eq!(query_token_param(Some("a=1&Token=x")), Some("token".into()));
        assert_eq!(
            query_token_param(Some("hub.verify_token=x")),
            Some("hub.verify_token".into())
        );
        assert_eq!(query_token_param(Some("page=2")), None);
        assert_eq!(query_token_param(None), None);
    }

    #[test]
    fn a_foreign_media_url_is_stripped_and_recorded_but_the_message_is_kept() {
        let body = br#"{"object":"page","entry":[{"id":"1","time":1795200090800,"messaging":[{"sender":{"id":"7"},"recipient":{"id":"1"},"timestamp":1795200090111,"message":{"mid":"m_1","attachments":[{"type":"audio","payload":{"url":"https://10.0.0.1/a.ogg"}},{"type":"image","payload":{"url":"https://scontent.xx.fbcdn.net/a.jpg"}}]}}]}]}"#;
        let parsed = parse_meta_webhook(body, "2026-12-05T10:00:00Z").unwrap();
        let batch = plan_ingest(parsed, Some("203.0.113.9"));
        assert_eq!(batch.events.len(), 1);
        assert!(!batch.events[0].payload.contains("10.0.0.1"));
        assert!(batch.events[0].payload.contains("scontent.xx.fbcdn.net"));
        assert_eq!(batch.security.len(), 1);
        assert_eq!(batch.security[0].kind, SecurityEventType::AudioUrlBlocked);
        assert_eq!(batch.security[0].source.as_deref(), Some("203.0.113.9"));
    }

    #[test]
    fn truncation_respects_utf8() {
        let mut s = "بغيت".repeat(10);
        truncate(&mut s, 5);
        assert!(s.ends_with('…'));
    }
}
