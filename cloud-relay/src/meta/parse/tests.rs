use super::*;
use resto_sync::MessageKind;
use serde_json::json;

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
        parse_meta_webhook(b"{\"object\":"),
        Err(PayloadError::NotJson(_))
    ));
    assert!(matches!(
        parse_meta_webhook(b"hello"),
        Err(PayloadError::NotJson(_))
    ));
    assert!(matches!(
        parse_meta_webhook(b"\xff\xfe{}"),
        Err(PayloadError::NotJson(_))
    ));
    assert_eq!(parse_meta_webhook(b"[]"), Err(PayloadError::NotAnObject));
    assert_eq!(parse_meta_webhook(b"\"x\""), Err(PayloadError::NotAnObject));
    assert_eq!(
        parse_meta_webhook(br#"{"object":"foo","entry":[]}"#),
        Err(PayloadError::UnknownObject("foo".into()))
    );
    assert_eq!(
        parse_meta_webhook(br#"{"object":"page"}"#),
        Err(PayloadError::MissingEntry)
    );
    let deep = format!(
        "{{\"object\":\"page\",\"entry\":{}{}}}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    assert!(matches!(
        parse_meta_webhook(deep.as_bytes()),
        Err(PayloadError::NotJson(_))
    ));
}

#[test]
fn a_whatsapp_user_without_a_phone_is_keyed_by_the_business_scoped_id() {
    let body = json!({"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{
        "metadata":{"phone_number_id":"42"},
        "contacts":[{"profile":{"name":"Lina"},"user_id":"DZ.1"}],
        "messages":[{"from_user_id":"DZ.1","id":"wamid.1","timestamp":"1795199400","type":"text","text":{"body":"salam"}}]}}]}]});
    let p = parse_meta_webhook(body.to_string().as_bytes()).unwrap();
    assert_eq!(p.messages[0].user_id, "DZ.1");
    assert_eq!(p.messages[0].user_bsuid.as_deref(), Some("DZ.1"));
    assert_eq!(p.messages[0].user_name.as_deref(), Some("Lina"));
}

#[test]
fn an_unreadable_item_is_reported_and_its_neighbours_kept() {
    let body = json!({"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{
        "metadata":{"phone_number_id":"42"},
        "messages":[{"from":"213","timestamp":"1795199400","type":"text","text":{"body":"no id"}},
                    {"from":"213","id":"wamid.2","timestamp":"1795199400","type":"poll","poll":{}}],
        "statuses":[{"id":"wamid.9","status":"failed","timestamp":"1795199400"}],
        "errors":[{"code":131000,"title":"Something went wrong"}]}}]}]});
    let p = parse_meta_webhook(body.to_string().as_bytes()).unwrap();
    assert_eq!(p.invalid_items.len(), 1, "{:?}", p.invalid_items);
    assert!(p.invalid_items[0].contains("messages[0]: missing id"));
    assert_eq!(p.messages.len(), 1);
    assert_eq!(p.messages[0].kind, MessageKind::Unsupported);
    assert!(p.messages[0].raw.is_some());
    assert_eq!(p.statuses[0].errors[0].code, 131000);
}

#[test]
fn messenger_standby_and_other_whatsapp_fields_are_acknowledged_not_messages() {
    let body = json!({"object":"page","entry":[{"id":"5","time":1,"standby":[{"sender":{"id":"7"},"recipient":{"id":"5"},"timestamp":1795199400123u64,"message":{"mid":"m1","text":"hi"}}]}]});
    let p = parse_meta_webhook(body.to_string().as_bytes()).unwrap();
    assert!(p.messages.is_empty());
    assert_eq!(p.ignored[0].reason, IgnoredReason::Standby);
    let body = json!({"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"account_update","value":{"event":"x"}}]}]});
    let p = parse_meta_webhook(body.to_string().as_bytes()).unwrap();
    assert_eq!(
        p.ignored[0].reason,
        IgnoredReason::OtherField("account_update".into())
    );
}

#[test]
fn the_instagram_dashboard_test_shape_is_read() {
    let body = br#"{"entry":[{"id":"0","time":1795199400,"changes":[{"field":"messages","value":{"sender":{"id":"12334"},"recipient":{"id":"23245"},"timestamp":"1527459824","message":{"mid":"random_mid","text":"random_text"}}}]}],"object":"instagram"}"#;
    let p = parse_meta_webhook(body).unwrap();
    assert_eq!(p.messages.len(), 1);
    assert_eq!(p.messages[0].text.as_deref(), Some("random_text"));
    assert_eq!(p.messages[0].timestamp, "2018-05-27T22:23:44Z");
}
