//! A whole order over the real path: signed WhatsApp webhooks → relay → long-poll → edge
//! (conversation, order, outbox in one transaction) → outbox → relay → Graph (a local stand-in
//! that follows Meta's documented API). The menu is imported with the real CLI.

use resto_e2e::fake_graph::FakeGraph;
use resto_e2e::shop::texts_sent;
use resto_e2e::{wa_text, wait_until, Edge, Relay};

const PHONE: &str = "109876543210987";

#[test]
fn a_customer_orders_on_whatsapp_and_gets_every_reply_in_french() {
    let graph = FakeGraph::start();
    let relay = Relay::start(&[("META_GRAPH_URL", &graph.graph_url())]);
    let (node, secret) = relay.enroll_node("pizzeria");
    relay.add_route_with_token("wa", PHONE, &node, "EAAG-fake-token");
    let edge = Edge::enroll_and_start(&relay.url(""), &node, &secret);
    edge.import_menu();

    let lines = [
        "Bonjour",
        "2 tacos et une limonade",
        "commander",
        "à emporter",
        "espèces",
        "oui",
    ];
    for (i, line) in lines.iter().enumerate() {
        let (status, _) = relay.post_signed(&wa_text(PHONE, &format!("wamid.order.{i}"), line));
        assert_eq!(status, 200);
        // One message at a time, as a customer types: wait for the answer before the next.
        wait_until(30, &format!("a reply to {line:?} reached Graph"), || {
            edge.count(&format!(
                "SELECT count(*) FROM inbound_messages WHERE msg_id = 'wamid.order.{i}'"
            )) == 1
                && graph.received().len() > i
        });
    }
    wait_until(30, "the order confirmation reached Graph", || {
        texts_sent(&graph, None)
            .iter()
            .any(|t| t.contains("Commande A-001 enregistrée"))
    });
    let sent = texts_sent(&graph, None);
    assert!(
        sent[0].contains("Bienvenue chez Pizzeria El Bahdja"),
        "{sent:?}"
    );
    assert!(
        sent.iter()
            .any(|t| t.contains("2 × Tacos Poulet — 1300 DA")),
        "{sent:?}"
    );
    assert!(
        sent.iter().any(|t| t.contains("Total à payer : 1400 DA")),
        "{sent:?}"
    );
    for r in graph.received() {
        assert_eq!(r.body["to"], "213555010101");
        assert_eq!(r.authorization.as_deref(), Some("Bearer EAAG-fake-token"));
    }
    let (number, total, status): (String, i64, String) = edge
        .db()
        .query_row("SELECT number, total, status FROM orders", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap();
    assert_eq!(
        (number.as_str(), total, status.as_str()),
        ("A-001", 1400, "new")
    );
    wait_until(30, "the edge outbox drained", || {
        edge.count("SELECT count(*) FROM outbox") == 0
    });
}
