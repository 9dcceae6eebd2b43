//! The bad-input catalogue: each case gets its status code, its security event where it is
//! an attack, and nothing stored as a message. Afterwards the relay still works.

use base64::Engine;
use resto_e2e::{fixture, sign, Relay, APP_SECRET};

fn nothing_stored(relay: &Relay) {
    assert_eq!(
        relay.stored_events(),
        0,
        "nothing may be stored as a message"
    );
}

fn still_works(relay: &Relay) {
    assert_eq!(relay.get("/healthz").0, 200, "the relay is still healthy");
    relay.route_fixture_accounts();
    let (s, r) = relay.post_signed(&fixture("wa_text.json"));
    assert_eq!(
        (s, r["stored"].as_i64()),
        (200, Some(1)),
        "the relay still ingests after bad input"
    );
}

/// A signed body that is not a Meta webhook: 200 (Meta would resend it for days) + PAYLOAD_INVALID.
fn signed_but_unreadable(body: &[u8]) {
    let relay = Relay::start(&[]);
    let (status, resp) = relay.post_webhook(body, Some(&sign(APP_SECRET, body)));
    assert_eq!(status, 200, "{resp}");
    assert!(
        relay.has_security_event("PAYLOAD_INVALID"),
        "{:?}",
        relay.security_events()
    );
    nothing_stored(&relay);
    still_works(&relay);
}

#[test]
fn a_webhook_without_signature_is_refused_and_recorded() {
    let relay = Relay::start(&[]);
    let (status, body) = relay.post_webhook(&fixture("wa_text.json"), None);
    assert_eq!(status, 401);
    assert!(
        body.contains("X-Hub-Signature-256"),
        "the error says what is missing: {body}"
    );
    assert!(relay.has_security_event("SIGNATURE_MISSING"));
    nothing_stored(&relay);
    still_works(&relay);
}

#[test]
fn a_webhook_with_a_wrong_signature_is_refused_and_recorded() {
    let relay = Relay::start(&[]);
    let body = fixture("wa_text.json");
    let mut sig = sign(APP_SECRET, &body);
    let last = sig.pop().unwrap();
    sig.push(if last == '0' { '1' } else { '0' });
    assert_eq!(relay.post_webhook(&body, Some(&sig)).0, 401);
    assert_eq!(relay.post_webhook(&body, Some("sha256=nothex")).0, 401);
    assert!(relay.has_security_event("SIGNATURE_INVALID"));
    nothing_stored(&relay);
    still_works(&relay);
}

#[test]
fn a_signature_over_a_reserialised_body_does_not_verify() {
    let vectors: serde_json::Value =
        serde_json::from_slice(&fixture("signature_vectors.json")).unwrap();
    let v = vectors["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "meta_wire_escapes")
        .expect("meta_wire_escapes vector");
    let secret = v["app_secret"].as_str().unwrap();
    let header = v["header_to_check"].as_str().unwrap();
    let wire = base64::engine::general_purpose::STANDARD
        .decode(v["raw_body_base64"].as_str().unwrap())
        .unwrap();
    let value: serde_json::Value = serde_json::from_slice(&wire).unwrap();
    let reserialised = serde_json::to_vec(&value).unwrap();
    assert_ne!(wire, reserialised, "serde_json un-escapes \\uXXXX and \\/");
    let relay = Relay::start(&[("META_APP_SECRET", secret)]);
    assert_eq!(
        relay.post_webhook(&wire, Some(header)).0,
        200,
        "Meta's header verifies the bytes Meta sent"
    );
    assert_eq!(relay.post_webhook(&reserialised, Some(header)).0, 401);
    assert!(relay.has_security_event("SIGNATURE_INVALID"));
    nothing_stored(&relay);
}

#[test]
fn a_webhook_signed_with_another_secret_is_refused() {
    let relay = Relay::start(&[]);
    let body = fixture("wa_text.json");
    assert_eq!(
        relay
            .post_webhook(&body, Some(&sign("not-our-secret", &body)))
            .0,
        401
    );
    assert!(relay.has_security_event("SIGNATURE_INVALID"));
    nothing_stored(&relay);
    still_works(&relay);
}

#[test]
fn truncated_json_is_acknowledged_and_recorded() {
    let body = fixture("wa_text.json");
    signed_but_unreadable(&body[..body.len() / 2]);
}

#[test]
fn a_body_that_is_not_json_is_acknowledged_and_recorded() {
    signed_but_unreadable(b"hub.mode=subscribe&text=bonjour");
}

#[test]
fn json_that_is_not_an_object_is_acknowledged_and_recorded() {
    signed_but_unreadable(br#"[{"object":"page","entry":[]}]"#);
}

#[test]
fn an_unknown_object_is_acknowledged_and_recorded() {
    signed_but_unreadable(br#"{"object":"telegram","entry":[{"id":"1"}]}"#);
}

#[test]
fn a_webhook_without_entry_is_acknowledged_and_recorded() {
    signed_but_unreadable(br#"{"object":"whatsapp_business_account"}"#);
}

#[test]
fn ten_thousand_levels_of_nesting_do_not_crash_the_relay() {
    let body = format!(
        r#"{{"object":"page","entry":{}{}}}"#,
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    signed_but_unreadable(body.as_bytes());
}

#[test]
fn invalid_utf8_is_acknowledged_and_recorded() {
    let mut body = fixture("wa_text.json");
    let at = body.windows(5).position(|w| w == b"Salam").unwrap();
    body[at] = 0xff;
    body[at + 1] = 0xfe;
    signed_but_unreadable(&body);
}

#[test]
fn a_body_over_the_limit_is_refused_with_413() {
    let relay = Relay::start(&[]);
    let big = vec![b' '; 4 * 1024 * 1024];
    let (status, _) = relay.post_webhook(&big, Some(&sign(APP_SECRET, &big)));
    assert_eq!(status, 413);
    assert!(relay.has_security_event("PAYLOAD_TOO_LARGE"));
    nothing_stored(&relay);
    still_works(&relay);
}

#[test]
fn a_two_mib_body_is_refused_when_the_limit_is_one_mib() {
    let relay = Relay::start(&[("RELAY_MAX_BODY_BYTES", "1048576")]);
    let mut v: serde_json::Value = serde_json::from_slice(&fixture("wa_text.json")).unwrap();
    v["entry"][0]["changes"][0]["value"]["messages"][0]["text"]["body"] =
        "x".repeat(2 * 1024 * 1024).into();
    let body = v.to_string().into_bytes();
    assert_eq!(
        relay.post_webhook(&body, Some(&sign(APP_SECRET, &body))).0,
        413
    );
    assert!(relay.has_security_event("PAYLOAD_TOO_LARGE"));
    nothing_stored(&relay);
}

#[test]
fn a_token_in_the_query_string_is_refused_and_recorded() {
    let relay = Relay::start(&[]);
    let body = fixture("wa_text.json");
    let sig = sign(APP_SECRET, &body);
    let params = [
        "access_token=EAAB123",
        "token=abc",
        "hub.verify_token=e2e-verify-token",
        "secret=s3cr3t",
        "key=k",
    ];
    for q in params {
        let (status, _) = relay.post_raw(&format!("/webhooks/meta?{q}"), body.clone(), Some(&sig));
        assert_eq!(status, 401, "?{q}");
    }
    let refused = relay
        .security_events()
        .iter()
        .filter(|(t, _)| t == "QUERY_TOKEN_REFUSED")
        .count();
    assert_eq!(refused, params.len(), "{:?}", relay.security_events());
    nothing_stored(&relay);
    still_works(&relay);
}

#[test]
fn a_query_token_is_tolerated_when_the_operator_allows_it() {
    let relay = Relay::start(&[("ALLOW_QUERY_TOKEN", "true")]);
    relay.route_fixture_accounts();
    let body = fixture("wa_text.json");
    let sig = sign(APP_SECRET, &body);
    assert_eq!(
        relay
            .post_raw("/webhooks/meta?token=legacy", body, Some(&sig))
            .0,
        200
    );
    assert_eq!(relay.stored_events(), 1);
}

#[test]
fn other_http_methods_are_refused_with_405() {
    let relay = Relay::start(&[]);
    let client = reqwest::blocking::Client::new();
    for m in [
        reqwest::Method::PUT,
        reqwest::Method::DELETE,
        reqwest::Method::PATCH,
    ] {
        let r = client
            .request(m.clone(), relay.url("/webhooks/meta"))
            .body("{}")
            .send()
            .unwrap();
        assert_eq!(r.status().as_u16(), 405, "{m}");
    }
    nothing_stored(&relay);
    still_works(&relay);
}

/// A start-up log line that warns (WARNING / warn level) about the signature mode `mode`.
fn loud_mode_warning(relay: &Relay, mode: &str) -> bool {
    relay.log().lines().any(|l| {
        let lower = l.to_lowercase();
        (l.contains("WARNING") || l.contains("WARN") || lower.contains("\"level\":\"warn"))
            && l.contains("META_SIGNATURE_REQUIRED")
            && lower.contains(mode)
    })
}

#[test]
fn a_webhook_just_under_the_default_limit_is_stored() {
    // Meta documents WhatsApp payloads of up to 3 MB: a 2.5 MiB body must not be refused.
    let relay = Relay::start(&[]);
    relay.route_fixture_accounts();
    let mut body = fixture("wa_text.json");
    let pad = vec![b' '; 5 * 512 * 1024];
    let at = body.iter().rposition(|b| *b == b'}').unwrap();
    body.splice(at..at, pad);
    let (status, r) = relay.post_signed(&body);
    assert_eq!((status, r["stored"].as_i64()), (200, Some(1)), "{r}");
}

#[test]
fn in_warn_mode_a_bad_signature_is_stored_and_recorded() {
    let relay = Relay::start(&[("META_SIGNATURE_REQUIRED", "warn")]);
    relay.route_fixture_accounts();
    let body = fixture("wa_text.json");
    assert_eq!(
        relay.post_webhook(&body, Some(&sign("wrong", &body))).0,
        200
    );
    assert_eq!(relay.stored_events(), 1);
    assert!(relay.has_security_event("SIGNATURE_INVALID"));
    assert!(loud_mode_warning(&relay, "warn"), "{}", relay.log());
}

#[test]
fn in_off_mode_an_unsigned_webhook_is_stored_without_an_event() {
    let relay = Relay::start(&[("META_SIGNATURE_REQUIRED", "off")]);
    relay.route_fixture_accounts();
    assert_eq!(relay.post_webhook(&fixture("wa_text.json"), None).0, 200);
    assert_eq!(relay.stored_events(), 1);
    assert!(relay.security_events().is_empty());
    assert!(loud_mode_warning(&relay, "off"), "{}", relay.log());
}

#[test]
fn an_unreadable_item_inside_a_batch_is_recorded_and_its_neighbours_stored() {
    let relay = Relay::start(&[]);
    relay.route_fixture_accounts();
    let mut v: serde_json::Value =
        serde_json::from_slice(&fixture("msg_multi_entry_batch.json")).unwrap();
    // No sender: no customer to keep it for (issue 19: only such items are dropped; one
    // missing only its `mid` is kept, see meta_conformance).
    v["entry"][0]["messaging"][0]
        .as_object_mut()
        .unwrap()
        .remove("sender");
    let (status, r) = relay.post_signed(v.to_string().as_bytes());
    assert_eq!(status, 200);
    assert_eq!(r["stored"], 2);
    assert!(relay.has_security_event("PAYLOAD_INVALID"));
}
