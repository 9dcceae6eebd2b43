//! Never silence while the device is away (issue 15, docs/relay.md § Away notices): which
//! customer messages of a webhook would get the "saved, we'll answer when the restaurant is
//! back" notice, in which language and with which text. Pure; whether the node is away and
//! whether the customer was already told is decided by the writer (`store::away`) in the
//! transaction that stores the message.
//!
//! May import: `config`, `store` (the batch types); its tests also use `meta` and `intake`.

use crate::config::{AwayConfig, NoticeLang};
use crate::store::away::AwayNotice;
use crate::store::IngestBatch;
use resto_sync::{InboundMessage, MessageKind};
use std::collections::HashMap;

/// Arabic letters anywhere in the text → Arabic; anything else (Latin script, digits,
/// emoji, no text at all) → French, the language most customers of the first restaurants
/// write in. Darija typed in Latin letters ("salam, bghit pizza") stays French: it is read
/// by people who read French.
pub fn notice_lang(text: Option<&str>) -> NoticeLang {
    let arabic = |c: char| {
        matches!(c,
            '\u{0600}'..='\u{06FF}'   // Arabic
            | '\u{0750}'..='\u{077F}' // Arabic Supplement
            | '\u{08A0}'..='\u{08FF}' // Arabic Extended-A
            | '\u{FB50}'..='\u{FDFF}' // Presentation Forms-A
            | '\u{FE70}'..='\u{FEFF}') // Presentation Forms-B
            && c.is_alphabetic()
    };
    match text {
        Some(t) if t.chars().any(arabic) => NoticeLang::Ar,
        _ => NoticeLang::Fr,
    }
}

/// The notice a message would get if its node were away, or `None` (notices off for its
/// route, or a reaction: a thumbs-up on an old reply is not someone waiting for an answer).
pub fn notice_for(cfg: &AwayConfig, msg: &InboundMessage) -> Option<AwayNotice> {
    if msg.kind == MessageKind::Reaction {
        return None;
    }
    let lang = notice_lang(msg.text.as_deref());
    let text = cfg.text_for(msg.provider.as_str(), &msg.account_id, lang)?;
    Some(AwayNotice {
        after: chrono::Duration::seconds(cfg.after_secs as i64),
        to: msg.user_id.clone(),
        text: text.to_string(),
    })
}

/// Plans the notices of a webhook's customer messages, keyed by message id: call before
/// `intake::plan_ingest` consumes them, then `attach` to its batch.
pub fn plan(cfg: &AwayConfig, messages: &[InboundMessage]) -> HashMap<String, AwayNotice> {
    messages
        .iter()
        .filter_map(|m| Some((m.msg_id.clone(), notice_for(cfg, m)?)))
        .collect()
}

/// Hands each planned notice to its customer-message event of the batch.
pub fn attach(batch: &mut IngestBatch, mut planned: HashMap<String, AwayNotice>) {
    if planned.is_empty() {
        return;
    }
    for ev in &mut batch.events {
        if ev.kind == resto_sync::EventKind::InboundMessage {
            ev.away = planned.remove(&ev.msg_id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::AwayRoute;
    use resto_sync::Provider;

    fn msg(kind: MessageKind, text: Option<&str>) -> InboundMessage {
        serde_json::from_value(serde_json::json!({
            "provider": "wa", "account_id": "111", "user_id": "213555010101",
            "msg_id": "wamid.1", "timestamp": "2026-12-04T10:00:00Z",
            "kind": kind, "text": text,
        }))
        .unwrap()
    }

    #[test]
    fn arabic_letters_pick_arabic_and_everything_else_french() {
        assert_eq!(notice_lang(Some("السلام عليكم")), NoticeLang::Ar);
        assert_eq!(
            notice_lang(Some("Bonjour, بغيت pizza")),
            NoticeLang::Ar,
            "any Arabic word"
        );
        assert_eq!(notice_lang(Some("Bonjour, une pizza svp")), NoticeLang::Fr);
        assert_eq!(
            notice_lang(Some("salam bghit 2 pizza")),
            NoticeLang::Fr,
            "darija in Latin letters"
        );
        assert_eq!(
            notice_lang(Some("٣ ؟ ، 👍")),
            NoticeLang::Fr,
            "Arabic digits and punctuation are not letters"
        );
        assert_eq!(notice_lang(None), NoticeLang::Fr);
    }

    #[test]
    fn each_customer_message_gets_the_text_of_its_route_and_language() {
        let mut cfg = AwayConfig::default();
        let n = notice_for(&cfg, &msg(MessageKind::Text, Some("مرحبا"))).unwrap();
        assert_eq!(n.text, cfg.text_ar);
        assert_eq!(n.to, "213555010101");
        assert_eq!(n.after, chrono::Duration::seconds(180));
        let n = notice_for(&cfg, &msg(MessageKind::Audio, None)).unwrap();
        assert_eq!(n.text, cfg.text_fr, "a voice note gets French");
        assert_eq!(
            notice_for(&cfg, &msg(MessageKind::Reaction, None)),
            None,
            "reactions get none"
        );
        cfg.routes.push(AwayRoute {
            provider: Provider::Wa.as_str().into(),
            account_id: "111".into(),
            enabled: Some(false),
            ..Default::default()
        });
        assert_eq!(
            notice_for(&cfg, &msg(MessageKind::Text, Some("allo"))),
            None
        );
    }

    #[test]
    fn notices_reach_their_own_events_only() {
        let cfg = AwayConfig::default();
        let m = msg(MessageKind::Text, Some("Bonjour"));
        let parsed = crate::meta::parse::ParsedWebhook {
            provider: Provider::Wa,
            messages: vec![m],
            statuses: Vec::new(),
            ignored: Vec::new(),
            invalid_items: Vec::new(),
            oddities: Vec::new(),
        };
        let planned = plan(&cfg, &parsed.messages);
        let mut batch = crate::intake::plan_ingest(parsed, None);
        attach(&mut batch, planned);
        assert_eq!(batch.events.len(), 1);
        assert_eq!(batch.events[0].away.as_ref().unwrap().text, cfg.text_fr);
    }
}
