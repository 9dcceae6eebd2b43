//! Read receipts with a typing indicator (issue 15): when the edge takes a customer's
//! WhatsApp message, the relay marks it read with "typing…" in one Graph call
//! (META_PROTOCOL §7.1); a receipt that hangs or fails never holds the reply back.

use resto_e2e::fake_graph::{FakeGraph, Reply};
use resto_e2e::shop::texts_sent;
use resto_e2e::{wa_texts, wait_until, Edge, Relay};
use serde_json::json;

const PHONE: &str = "109876543210987";
const YACINE: &str = "213555010101";

fn shop(graph: &FakeGraph, extra: &[(&str, &str)]) -> (Relay, Edge) {
    let mut env = vec![("META_GRAPH_URL", graph.graph_url())];
    env.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let relay = Relay::start(&env);
    let (node, secret) = relay.enroll_node("pizzeria");
    relay.add_route_with_token("wa", PHONE, &node, "EAAG-fake-token");
    let edge = Edge::enroll_and_start(&relay.url(""), &node, &secret);
    edge.import_menu();
    (relay, edge)
}

#[test]
fn a_whatsapp_message_the_edge_takes_is_marked_read_with_typing() {
    let graph = FakeGraph::start();
    let (relay, _edge) = shop(&graph, &[]);
    let (s, _) = relay.post_signed(&wa_texts(PHONE, YACINE, 1, &["Bonjour"]));
    assert_eq!(s, 200);
    wait_until(30, "the read receipt and the reply reached Graph", || {
        graph.read_receipts().len() == 1 && !texts_sent(&graph, Some(YACINE)).is_empty()
    });
    let r = &graph.read_receipts()[0];
    assert_eq!(r.path, format!("/v25.0/{PHONE}/messages"));
    assert_eq!(r.authorization.as_deref(), Some("Bearer EAAG-fake-token"));
    assert_eq!(
        r.body,
        json!({"messaging_product": "whatsapp", "status": "read",
               "message_id": format!("wamid.{YACINE}.1"), "typing_indicator": {"type": "text"}})
    );
    wait_until(30, "the receipt is counted", || {
        relay.metric("resto_read_receipts_total{provider=\"wa\",outcome=\"sent\"}") == Some(1.0)
    });
    assert!(
        graph.received().iter().all(|m| m.body["status"].is_null()),
        "receipts are not replies"
    );
}

#[test]
fn a_read_receipt_that_hangs_then_fails_never_holds_the_reply() {
    let graph = FakeGraph::start();
    graph.hold_read_receipts();
    graph.fail_read_receipts(Reply::error(500, 2, "Service temporarily unavailable"));
    // The receipt's timeout (60 s) is far beyond the 30 s wait below: a reply that waited
    // for the receipt could not arrive in time.
    let (relay, _edge) = shop(&graph, &[("RELAY_READ_RECEIPTS_TIMEOUT_MS", "60000")]);
    let (s, _) = relay.post_signed(&wa_texts(PHONE, YACINE, 1, &["Bonjour"]));
    assert_eq!(s, 200);
    wait_until(
        30,
        "the reply reached Graph beside the hanging receipt",
        || graph.read_receipts().len() == 1 && !texts_sent(&graph, Some(YACINE)).is_empty(),
    );
    assert_eq!(
        graph.read_receipts_waiting(),
        1,
        "the reply went out while the receipt was still unanswered"
    );
    graph.release_read_receipts();
    wait_until(30, "the failed receipt is counted", || {
        relay.metric("resto_read_receipts_total{provider=\"wa\",outcome=\"failed\"}") == Some(1.0)
    });
    // The next message: its receipt fails at once, its reply still comes, nothing is retried.
    let before = texts_sent(&graph, Some(YACINE)).len();
    let (s, _) = relay.post_signed(&wa_texts(PHONE, YACINE, 2, &["menu"]));
    assert_eq!(s, 200);
    wait_until(30, "the second reply reached Graph", || {
        texts_sent(&graph, Some(YACINE)).len() > before
    });
    wait_until(30, "the second failed receipt is counted", || {
        relay.metric("resto_read_receipts_total{provider=\"wa\",outcome=\"failed\"}") == Some(2.0)
    });
    assert_eq!(
        graph.read_receipts().len(),
        2,
        "a failed receipt is never retried"
    );
}
