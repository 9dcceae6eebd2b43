use super::*;
use resto_sync::MessageKind;
use serde_json::json;

/// When these tests' bodies were "received" (used only for unreadable timestamps).
const RECEIVED: &str = "2026-12-05T10:00:00Z";

#[test]
fn seconds_and_milliseconds_in_numbers_or_strings_become_utc() {
    for v in [json!("1795199400"), json!(1795199400)] {
        assert_eq!(epoch_to_rfc3339(&v).unwrap(), "2026-11-20T18:30:00Z");
    }
    for v in [json!(1795199400123u64), json!("1795199400123")] {
        assert_eq!(epoch_to_rfc3339(&v).unwrap(), "2026-11-20T18:30:00.123Z");
    }
    assert_eq!(epoch_to_rfc3339(&json!("soon")), None);
    assert_eq!(epoch_to_rfc3339(&json!(-5)), None);
}

#[test]
fn hostile_shapes_are_errors_not_crashes() {
    assert!(matches!(
        parse_meta_webhook(b"{\"object\":", RECEIVED),
        Err(PayloadError::NotJson(_))
    ));
    assert!(matches!(
        parse_meta_webhook(b"hello", RECEIVED),
        Err(PayloadError::NotJson(_))
    ));
    assert!(matches!(
        parse_meta_webhook(b"\xff\xfe{}", RECEIVED),
        Err(PayloadError::NotJson(_))
    ));
    assert_eq!(
        parse_meta_webhook(b"[]", RECEIVED),
        Err(PayloadError::NotAnObject)
    );
    assert_eq!(
        parse_meta_webhook(b"\"x\"", RECEIVED),
        Err(PayloadError::NotAnObject)
    );
    assert_eq!(
        parse_meta_webhook(br#"{"object":"foo","entry":[]}"#, RECEIVED),
        Err(PayloadError::UnknownObject("foo".into()))
    );
    assert_eq!(
        parse_meta_webhook(br#"{"object":"page"}"#, RECEIVED),
        Err(PayloadError::MissingEntry)
    );
    let deep = format!(
        "{{\"object\":\"page\",\"entry\":{}{}}}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    assert!(matches!(
        parse_meta_webhook(deep.as_bytes(), RECEIVED),
        Err(PayloadError::NotJson(_))
    ));
}

#[test]
fn a_whatsapp_user_without_a_phone_is_keyed_by_the_business_scoped_id() {
    let body = json!({"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{
        "metadata":{"phone_number_id":"42"},
        "contacts":[{"profile":{"name":"Lina"},"user_id":"DZ.1"}],
        "messages":[{"from_user_id":"DZ.1","id":"wamid.1","timestamp":"1795199400","type":"text","text":{"body":"salam"}}]}}]}]});
    let p = parse_meta_webhook(body.to_string().as_bytes(), RECEIVED).unwrap();
    assert_eq!(p.messages[0].user_id, "DZ.1");
    assert_eq!(p.messages[0].user_bsuid.as_deref(), Some("DZ.1"));
    assert_eq!(p.messages[0].user_name.as_deref(), Some("Lina"));
}

#[test]
fn an_unreadable_item_is_reported_and_its_neighbours_kept() {
    let body = json!({"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{
        "metadata":{"phone_number_id":"42"},
        "messages":[{"id":"wamid.1","timestamp":"1795199400","type":"text","text":{"body":"no sender"}},
                    {"from":"213","id":"wamid.2","timestamp":"1795199400","type":"poll","poll":{}}],
        "statuses":[{"id":"wamid.9","status":"failed","timestamp":"1795199400"}],
        "errors":[{"code":131000,"title":"Something went wrong"}]}}]}]});
    let p = parse_meta_webhook(body.to_string().as_bytes(), RECEIVED).unwrap();
    assert_eq!(p.invalid_items.len(), 1, "{:?}", p.invalid_items);
    assert!(p.invalid_items[0].contains("messages[0]: missing from and from_user_id"));
    assert_eq!(p.messages.len(), 1);
    assert_eq!(p.messages[0].kind, MessageKind::Unsupported);
    assert!(p.messages[0].raw.is_some());
    assert_eq!(p.statuses[0].errors[0].code, 131000);
}

#[test]
fn messenger_standby_and_other_whatsapp_fields_are_acknowledged_not_messages() {
    let body = json!({"object":"page","entry":[{"id":"5","time":1,"standby":[{"sender":{"id":"7"},"recipient":{"id":"5"},"timestamp":1795199400123u64,"message":{"mid":"m1","text":"hi"}}]}]});
    let p = parse_meta_webhook(body.to_string().as_bytes(), RECEIVED).unwrap();
    assert!(p.messages.is_empty());
    assert_eq!(p.ignored[0].reason, IgnoredReason::Standby);
    let body = json!({"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"account_update","value":{"event":"x"}}]}]});
    let p = parse_meta_webhook(body.to_string().as_bytes(), RECEIVED).unwrap();
    assert_eq!(
        p.ignored[0].reason,
        IgnoredReason::OtherField("account_update".into())
    );
}

#[test]
fn the_instagram_dashboard_test_shape_is_read() {
    let body = br#"{"entry":[{"id":"0","time":1795199400,"changes":[{"field":"messages","value":{"sender":{"id":"12334"},"recipient":{"id":"23245"},"timestamp":"1527459824","message":{"mid":"random_mid","text":"random_text"}}}]}],"object":"instagram"}"#;
    let p = parse_meta_webhook(body, RECEIVED).unwrap();
    assert_eq!(p.messages.len(), 1);
    assert_eq!(p.messages[0].text.as_deref(), Some("random_text"));
    assert_eq!(p.messages[0].timestamp, "2018-05-27T22:23:44Z");
}

fn own_fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../tests/fixtures/meta/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A "Get Started" tap without `mid` is kept, with an id that is the same on Meta's retry
/// and differs for another tap.
#[test]
fn a_postback_without_mid_is_kept_with_an_id_its_retries_share() {
    let body = own_fixture("msg_postback_without_mid.json");
    let p = parse_meta_webhook(&body, RECEIVED).unwrap();
    assert!(p.invalid_items.is_empty(), "{:?}", p.invalid_items);
    assert_eq!(p.messages.len(), 1);
    let m = &p.messages[0];
    assert_eq!(m.kind, MessageKind::Postback);
    assert_eq!(m.payload.as_deref(), Some("GET_STARTED"));
    assert!(
        m.msg_id.starts_with("pb.") && m.msg_id.len() == 35,
        "{}",
        m.msg_id
    );
    assert!(
        p.oddities[0].contains("postback without mid"),
        "{:?}",
        p.oddities
    );
    let again = parse_meta_webhook(&body, "2026-12-05T11:00:00Z").unwrap();
    assert_eq!(again.messages[0].msg_id, m.msg_id, "a retry dedupes");
    let other = String::from_utf8(body)
        .unwrap()
        .replace("GET_STARTED", "MENU");
    let other = parse_meta_webhook(other.as_bytes(), RECEIVED).unwrap();
    assert_ne!(
        other.messages[0].msg_id, m.msg_id,
        "another tap is another message"
    );
}

/// An ISO timestamp (Messenger or WhatsApp) is an oddity, not a reason to drop the message.
#[test]
fn a_message_with_an_unreadable_timestamp_is_kept_with_the_time_received() {
    for f in ["msg_iso_timestamp.json", "wa_iso_timestamp.json"] {
        let p = parse_meta_webhook(&own_fixture(f), RECEIVED).unwrap();
        assert!(p.invalid_items.is_empty(), "{f}: {:?}", p.invalid_items);
        assert_eq!(p.messages.len(), 1, "{f}");
        assert_eq!(p.messages[0].timestamp, RECEIVED, "{f}");
        assert!(p.messages[0].text.as_deref().unwrap().starts_with("salam"));
        assert!(
            p.oddities[0].contains("timestamp unreadable")
                && p.oddities[0].contains("2026-11-20T18:31:12"),
            "{f}: {:?}",
            p.oddities
        );
    }
}

/// A chat-plugin visitor has only `sender.user_ref`: a customer keyed by it.
#[test]
fn a_chat_plugin_visitor_is_a_customer_keyed_by_user_ref() {
    let p = parse_meta_webhook(&own_fixture("msg_user_ref.json"), RECEIVED).unwrap();
    assert!(p.invalid_items.is_empty(), "{:?}", p.invalid_items);
    assert_eq!(p.messages[0].user_id, "user_ref:chat-plugin-visitor-5f2c");
    assert!(p.oddities.is_empty());
}

/// Without a customer or without content an item is still dropped, and says why.
#[test]
fn an_item_without_a_sender_is_dropped_and_listed() {
    let body = json!({"object":"page","entry":[{"id":"1","messaging":[
        {"recipient":{"id":"1"},"timestamp":1795199472354u64,"message":{"mid":"m_1","text":"x"}}]}]});
    let p = parse_meta_webhook(body.to_string().as_bytes(), RECEIVED).unwrap();
    assert!(p.messages.is_empty());
    assert!(p.invalid_items[0].contains("missing sender.id and sender.user_ref"));
}

/// An edit and an unsend name the message they change and get ids of their own, so the
/// dedupe never takes them for Meta retrying the original.
#[test]
fn edits_and_unsends_point_at_the_original_under_ids_of_their_own() {
    let ig_mid = "aWdfaXRlbToxOklHTWVzc2FnZToxNzg0MTQwMDAwMDAwMDAwMTozNDAyODIzNjY4NDE3MTAzMDA5NDkxMjgwMDAwMDAwMDAwMDAwMDE";
    let p = parse_meta_webhook(&own_fixture("ig_message_edit.json"), RECEIVED).unwrap();
    assert!(p.invalid_items.is_empty() && p.ignored.is_empty(), "{p:?}");
    let e = &p.messages[0];
    assert_eq!(e.msg_id, format!("{ig_mid}#edit1"));
    assert_eq!(e.reply_to.as_deref(), Some(ig_mid));
    assert_eq!(e.text.as_deref(), Some("2 tacos poulet svp"));
    assert!(e.raw.as_ref().unwrap().get("message_edit").is_some());

    let msg_mid = "m_ZmFrZS1tZXNzZW5nZXItbWlkLTAwMDAwMS10UTJNUi1hWTdJZkxaRGFtVnJBTG5paGVV";
    let p = parse_meta_webhook(&own_fixture("msg_unsend.json"), RECEIVED).unwrap();
    let d = &p.messages[0];
    assert_eq!(d.msg_id, format!("{msg_mid}#deleted"));
    assert_eq!(d.reply_to.as_deref(), Some(msg_mid));
    assert_eq!(d.kind, MessageKind::Unsupported);
    assert_eq!(d.text, None);
}

/// WhatsApp's marketing opt-out webhook reaches the edge as the customer's, once per retry.
#[test]
fn a_whatsapp_marketing_stop_is_forwarded_for_the_customer() {
    let body = own_fixture("wa_user_preferences_stop.json");
    let p = parse_meta_webhook(&body, RECEIVED).unwrap();
    assert!(p.invalid_items.is_empty() && p.ignored.is_empty(), "{p:?}");
    let m = &p.messages[0];
    assert_eq!(m.user_id, "213661009001");
    assert_eq!(m.msg_id, "pref.213661009001.1795199700.stop");
    assert_eq!(m.kind, MessageKind::Unsupported);
    assert_eq!(m.raw.as_ref().unwrap()["user_preferences"]["value"], "stop");
    assert_eq!(m.timestamp, "2026-11-20T18:35:00Z");
}

/// A message with a customer and content but no id (WhatsApp `id`, Messenger `mid`) is kept
/// under an id derived from its content: the same on Meta's retry, another for another message.
#[test]
fn a_message_without_an_id_is_kept_under_an_id_its_retries_share() {
    let wa = |text: &str| {
        json!({"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{
            "metadata":{"phone_number_id":"42"},
            "messages":[{"from":"213661000001","timestamp":"1795199400","type":"text","text":{"body":text}}]}}]}]})
        .to_string()
    };
    let msg = |text: &str| {
        json!({"object":"page","entry":[{"id":"1","messaging":[
            {"sender":{"id":"7"},"recipient":{"id":"1"},"timestamp":1795199472354u64,"message":{"text":text}}]}]})
        .to_string()
    };
    for (body, other, prefix) in [
        (wa("salam"), wa("menu"), "wa."),
        (msg("salam"), msg("menu"), "m."),
    ] {
        let p = parse_meta_webhook(body.as_bytes(), RECEIVED).unwrap();
        assert!(p.invalid_items.is_empty(), "{:?}", p.invalid_items);
        let id = &p.messages[0].msg_id;
        assert!(
            id.starts_with(prefix) && id.len() == prefix.len() + 32,
            "{id}"
        );
        assert!(p.oddities[0].contains("id derived from its content"));
        let again = parse_meta_webhook(body.as_bytes(), "2026-12-06T00:00:00Z").unwrap();
        assert_eq!(&again.messages[0].msg_id, id);
        let o = parse_meta_webhook(other.as_bytes(), RECEIVED).unwrap();
        assert_ne!(&o.messages[0].msg_id, id);
    }
}
