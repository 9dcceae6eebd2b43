//! `POST /v1/sync/outbox` on the relay: items are queued durably, once per id per node, and
//! what Meta would refuse is rejected with the reason.

use resto_e2e::Relay;
use serde_json::{json, Value};

fn item(id: &str, message: Value) -> Value {
    json!({"id": id, "kind": "send_message", "created_at": "2026-11-23T10:00:00.000Z", "payload": {
        "provider": "wa", "account_id": "109876543210987", "to": "213555010101",
        "correlation_id": format!("corr-{id}"), "message": message}})
}

#[test]
fn outbox_items_are_queued_once_per_id_even_when_resent() {
    let mut relay = Relay::start(&[]);
    let (node, secret) = relay.enroll_node("pizzeria");
    let batch = json!({"items": [
        item("01JDXA0000000000000000000A", json!({"type": "text", "text": "Votre commande A-042 est confirmée"})),
        item("01JDXA0000000000000000000B", json!({"type": "buttons", "text": "Livraison ou à emporter ?",
            "buttons": [{"id": "delivery", "title": "Livraison"}, {"id": "pickup", "title": "À emporter"}]})),
    ]});
    let (s, r) = relay.node_post(&node, &secret, "/v1/sync/outbox", &batch);
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["accepted"].as_array().unwrap().len(), 2);
    assert_eq!(r["duplicates"].as_array().unwrap().len(), 0);

    // The edge did not hear the answer and resends after a relay crash: still queued once.
    relay.kill9();
    relay.restart();
    let (s, r) = relay.node_post(&node, &secret, "/v1/sync/outbox", &batch);
    assert_eq!(s, 200);
    assert_eq!(r["duplicates"].as_array().unwrap().len(), 2, "{r}");
    assert_eq!(r["accepted"].as_array().unwrap().len(), 0);
    assert_eq!(relay.count("SELECT count(*) FROM outbox_items"), 2);
    // No route carries a token here, so the sender dead-letters them: each exactly once.
    assert_eq!(
        relay.count("SELECT count(DISTINCT id) FROM outbox_items"),
        2
    );
}

#[test]
fn the_same_item_id_from_two_nodes_is_two_items() {
    let relay = Relay::start(&[]);
    let (a, sa) = relay.enroll_node("a");
    let (b, sb) = relay.enroll_node("b");
    let batch = json!({"items": [item("01JDXA0000000000000000000C", json!({"type": "text", "text": "Salam"}))]});
    assert_eq!(
        relay.node_post(&a, &sa, "/v1/sync/outbox", &batch).1["accepted"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        relay.node_post(&b, &sb, "/v1/sync/outbox", &batch).1["accepted"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn items_meta_would_refuse_are_rejected_with_the_reason_and_the_rest_accepted() {
    let relay = Relay::start(&[]);
    let (node, secret) = relay.enroll_node("pizzeria");
    let rows: Vec<Value> = (0..11)
        .map(|i| json!({"id": format!("r{i}"), "title": format!("Plat {i}")}))
        .collect();
    let batch = json!({"items": [
        item("ok-1", json!({"type": "text", "text": "Merci !"})),
        item("bad-buttons", json!({"type": "buttons", "text": "?", "buttons": [
            {"id": "1", "title": "a"}, {"id": "2", "title": "b"}, {"id": "3", "title": "c"}, {"id": "4", "title": "d"}]})),
        item("bad-list", json!({"type": "list", "text": "Menu", "button": "Voir", "sections": [{"title": "Tout", "rows": rows}]})),
        {"id": "bad-kind", "kind": "launch_rocket", "created_at": "2026-11-23T10:00:00.000Z", "payload": {}},
    ]});
    let (s, r) = relay.node_post(&node, &secret, "/v1/sync/outbox", &batch);
    assert_eq!(s, 200);
    assert_eq!(r["accepted"], json!(["ok-1"]));
    let rejected: Vec<(String, String)> = r["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["id"].as_str().unwrap().to_string(),
                x["error"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(rejected.len(), 3, "{rejected:?}");
    assert!(rejected[0].1.contains("1 to 3 buttons"));
    assert!(rejected[1].1.contains("10 list rows"));
    assert!(rejected[2].1.contains("unknown item kind"));
    assert_eq!(relay.count("SELECT count(*) FROM outbox_items"), 1);
}

#[test]
fn an_outbox_post_with_a_tampered_body_is_refused() {
    let relay = Relay::start(&[]);
    let (node, secret) = relay.enroll_node("pizzeria");
    let ts = chrono::Utc::now().timestamp();
    let signed = br#"{"items":[]}"#;
    let sig = resto_sync::signing::sign_request(&secret, "POST", "/v1/sync/outbox", ts, signed);
    let r = reqwest::blocking::Client::new()
        .post(relay.url("/v1/sync/outbox"))
        .header("x-resto-node", &node)
        .header("x-resto-timestamp", ts.to_string())
        .header("x-resto-signature", sig)
        .body(r#"{"items":[{"id":"x","kind":"send_message","created_at":"","payload":{}}]}"#)
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    assert!(relay.has_security_event("AUTH_DENY"));
    assert_eq!(relay.count("SELECT count(*) FROM outbox_items"), 0);
}
