//! The relay sends queued replies to the Graph API (a fake Graph server that follows Meta's
//! documented shapes), retries what is worth retrying, dead-letters the rest, and reports each
//! outcome to the node as a `message_status` event.

use resto_e2e::fake_graph::{FakeGraph, Reply};
use resto_e2e::{wait_until, Relay};
use serde_json::{json, Value};
use std::time::Duration;

const PHONE: &str = "109876543210987";

fn relay_for(graph: &FakeGraph) -> (Relay, String, String) {
    let relay = Relay::start(&[
        ("META_GRAPH_URL", &graph.graph_url()),
        ("RELAY_SEND_RETRY_BASE_MS", "50"),
    ]);
    let (node, secret) = relay.enroll_node("pizzeria");
    relay.add_route_with_token("wa", PHONE, &node, "EAAG-fake-token");
    (relay, node, secret)
}

fn queue(relay: &Relay, node: &str, secret: &str, id: &str, message: Value) {
    let batch = json!({"items": [{"id": id, "kind": "send_message", "created_at": "2026-11-23T10:00:00.000Z",
        "payload": {"provider": "wa", "account_id": PHONE, "to": "213555010101", "correlation_id": format!("corr-{id}"), "message": message}}]});
    let (s, r) = relay.node_post(node, secret, "/v1/sync/outbox", &batch);
    assert_eq!(
        (s, r["accepted"].as_array().map(Vec::len)),
        (200, Some(1)),
        "{r}"
    );
}

fn state(relay: &Relay, id: &str) -> String {
    relay
        .scalar(&format!("SELECT state FROM outbox_items WHERE id = '{id}'"))
        .expect("an outbox item")
}

fn statuses(relay: &Relay, node: &str, secret: &str) -> Vec<Value> {
    let (_, body) = relay
        .node_get(
            node,
            secret,
            "/v1/sync/events?after=0&wait=0",
            None,
            Duration::from_secs(10),
        )
        .unwrap();
    body["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "message_status")
        .map(|e| e["payload"].clone())
        .collect()
}

#[test]
fn a_queued_reply_is_sent_to_whatsapp_and_reported_to_the_node() {
    let graph = FakeGraph::start();
    let (relay, node, secret) = relay_for(&graph);
    queue(
        &relay,
        &node,
        &secret,
        "01JDXB0000000000000000000A",
        json!({"type": "buttons", "text": "Livraison ou à emporter ?",
        "buttons": [{"id": "delivery", "title": "Livraison"}, {"id": "pickup", "title": "À emporter"}]}),
    );
    wait_until(10, "the reply is marked sent", || {
        state(&relay, "01JDXB0000000000000000000A") == "sent"
    });
    let got = graph.received();
    assert_eq!(got.len(), 1, "sent exactly once");
    assert_eq!(got[0].path, format!("/v25.0/{PHONE}/messages"));
    assert_eq!(
        got[0].authorization.as_deref(),
        Some("Bearer EAAG-fake-token")
    );
    let b = &got[0].body;
    assert_eq!(
        (
            b["messaging_product"].as_str(),
            b["to"].as_str(),
            b["type"].as_str()
        ),
        (Some("whatsapp"), Some("213555010101"), Some("interactive"))
    );
    assert_eq!(
        b["interactive"]["action"]["buttons"][1]["reply"]["title"],
        "À emporter"
    );
    assert_eq!(
        b["biz_opaque_callback_data"],
        "corr-01JDXB0000000000000000000A"
    );
    let st = statuses(&relay, &node, &secret);
    assert_eq!(st.len(), 1);
    assert_eq!(st[0]["status"], "sent");
    assert_eq!(st[0]["msg_id"], "wamid.FAKE1");
    assert_eq!(st[0]["outbox_id"], "01JDXB0000000000000000000A");
    assert_eq!(st[0]["correlation_id"], "corr-01JDXB0000000000000000000A");
}

#[test]
fn a_500_then_a_429_are_retried_a_400_is_dead_lettered_and_dlq_retry_sends_it() {
    let graph = FakeGraph::start();
    graph.push(Reply::error(500, 2, "Service temporarily unavailable"));
    graph.push(Reply::error(429, 130429, "Rate limit hit").with_header("Retry-After", "1"));
    graph.push(Reply::error(400, 100, "Invalid parameter"));
    let (relay, node, secret) = relay_for(&graph);
    let id = "01JDXB0000000000000000000B";
    queue(
        &relay,
        &node,
        &secret,
        id,
        json!({"type": "text", "text": "Votre commande arrive"}),
    );
    wait_until(20, "the reply is dead-lettered", || {
        state(&relay, id) == "dead"
    });
    let got = graph.received();
    assert_eq!(got.len(), 3, "500 and 429 retried, 400 not retried");
    assert!(
        got[2].at.duration_since(got[1].at) >= Duration::from_secs(1),
        "Retry-After: 1 was honoured"
    );
    let st = statuses(&relay, &node, &secret);
    assert_eq!(st.len(), 1);
    assert_eq!(st[0]["status"], "failed");
    assert_eq!(st[0]["errors"][0]["code"], 100);

    let list = relay.cli(&["dlq", "list"]);
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(
        text.contains(id) && text.contains("Invalid parameter"),
        "{text}"
    );
    let retry = relay.cli(&["dlq", "retry", id]);
    assert!(
        retry.status.success(),
        "{}",
        String::from_utf8_lossy(&retry.stderr)
    );
    wait_until(10, "the retried reply is sent", || {
        state(&relay, id) == "sent"
    });
    assert_eq!(graph.received().len(), 4, "sent once after the retry");
    assert_eq!(
        statuses(&relay, &node, &secret).last().unwrap()["status"],
        "sent"
    );
    assert!(
        !relay.cli(&["dlq", "retry", "--all"]).status.success(),
        "nothing left to retry"
    );
}

#[test]
fn retries_stop_after_the_configured_attempts() {
    let graph = FakeGraph::start();
    for _ in 0..3 {
        graph.push(Reply::error(503, 2, "unavailable"));
    }
    let relay = Relay::start(&[
        ("META_GRAPH_URL", &graph.graph_url()),
        ("RELAY_SEND_RETRY_BASE_MS", "20"),
        ("RELAY_SEND_MAX_ATTEMPTS", "3"),
    ]);
    let (node, secret) = relay.enroll_node("n");
    relay.add_route_with_token("wa", PHONE, &node, "tok");
    queue(
        &relay,
        &node,
        &secret,
        "x1",
        json!({"type": "text", "text": "allo"}),
    );
    wait_until(10, "dead after 3 attempts", || {
        state(&relay, "x1") == "dead"
    });
    assert_eq!(graph.received().len(), 3);
    let attempts = relay.count("SELECT attempts FROM outbox_items WHERE id='x1'");
    assert_eq!(attempts, 3);
}

#[test]
fn a_reply_for_a_route_without_token_is_dead_lettered_with_the_fix() {
    let graph = FakeGraph::start();
    let relay = Relay::start(&[("META_GRAPH_URL", &graph.graph_url())]);
    let (node, secret) = relay.enroll_node("n");
    relay.add_route("wa", PHONE, &node);
    queue(
        &relay,
        &node,
        &secret,
        "no-token",
        json!({"type": "text", "text": "allo"}),
    );
    wait_until(10, "dead-lettered", || state(&relay, "no-token") == "dead");
    assert!(graph.received().is_empty(), "nothing sent without a token");
    let err = relay
        .scalar("SELECT last_error FROM outbox_items WHERE id='no-token'")
        .unwrap_or_default();
    assert!(err.contains("--access-token-file"), "{err}");
}

/// Three replies to one customer, queued together: a0 a1 a2.
fn queue_three(relay: &Relay, node: &str, secret: &str) {
    let items: Vec<Value> = ["a0", "a1", "a2"]
        .iter()
        .map(|id| json!({"id": id, "kind": "send_message", "created_at": "2026-12-04T20:00:00.000Z",
            "payload": {"provider": "wa", "account_id": PHONE, "to": "213555010101", "correlation_id": id,
                        "message": {"type": "text", "text": format!("réponse {id}")}}}))
        .collect();
    let (s, r) = relay.node_post(node, secret, "/v1/sync/outbox", &json!({ "items": items }));
    assert_eq!(
        (s, r["accepted"].as_array().map(Vec::len)),
        (200, Some(3)),
        "{r}"
    );
}

fn calls(graph: &FakeGraph) -> Vec<String> {
    graph
        .received()
        .iter()
        .filter_map(|r| r.body["biz_opaque_callback_data"].as_str())
        .map(str::to_string)
        .collect()
}

#[test]
fn a_reply_being_retried_keeps_the_customers_later_replies_behind_it() {
    let graph = FakeGraph::start();
    graph.push(Reply::error(503, 2, "Service temporarily unavailable"));
    let (relay, node, secret) = relay_for(&graph);
    queue_three(&relay, &node, &secret);
    wait_until(20, "all three sent", || {
        ["a0", "a1", "a2"]
            .iter()
            .all(|id| state(&relay, id) == "sent")
    });
    assert_eq!(
        calls(&graph),
        vec!["a0", "a0", "a1", "a2"],
        "a1 waited for a0's retry"
    );
}

#[test]
fn a_dead_lettered_reply_releases_the_customers_later_replies_and_says_so() {
    let graph = FakeGraph::start();
    graph.push(Reply::error(400, 100, "Invalid parameter"));
    let (relay, node, secret) = relay_for(&graph);
    queue_three(&relay, &node, &secret);
    wait_until(20, "a1 and a2 sent after a0 died", || {
        state(&relay, "a0") == "dead"
            && state(&relay, "a1") == "sent"
            && state(&relay, "a2") == "sent"
    });
    assert_eq!(calls(&graph), vec!["a0", "a1", "a2"]);
    // The node is told in a0's `failed` status; the operator in the dead-letter queue.
    let st = statuses(&relay, &node, &secret);
    let failed: Vec<&Value> = st.iter().filter(|s| s["status"] == "failed").collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["outbox_id"], "a0");
    assert_eq!(
        failed[0]["errors"][0]["details"],
        "released 2 later replies to this customer: they are sent without this one"
    );
    let list = relay.cli(&["dlq", "list", "--json"]);
    let dlq: Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(dlq[0]["id"], "a0");
    assert_eq!(dlq[0]["released_later"], 2);
    let text = String::from_utf8(relay.cli(&["dlq", "list"]).stdout).unwrap();
    assert!(text.contains("released 2 later"), "{text}");
    // Retried by the operator, it is sent (after the ones already released).
    assert!(relay.cli(&["dlq", "retry", "a0"]).status.success());
    wait_until(10, "a0 sent on retry", || state(&relay, "a0") == "sent");
    assert_eq!(calls(&graph), vec!["a0", "a1", "a2", "a0"]);
}
