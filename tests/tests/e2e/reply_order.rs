//! Replies reach each customer in the order the edge queued them, a hung Graph call holds
//! only its own customer, and a relay killed while a call hangs sends again only what was
//! truly in flight (issue 15). Real relay, Graph stand-in that can hang a call.

use resto_e2e::fake_graph::{FakeGraph, Received};
use resto_e2e::{wait_until, Relay};
use serde_json::json;
use std::collections::{HashMap, HashSet};

const PHONE: &str = "109876543210987";
const ALICE: &str = "213555020001";
const BOB: &str = "213555020002";

fn relay_with(graph: &FakeGraph, extra: &[(&str, &str)]) -> (Relay, String, String) {
    let mut env = vec![("META_GRAPH_URL", graph.graph_url())];
    env.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let relay = Relay::start(&env);
    let (node, secret) = relay.enroll_node("pizzeria");
    relay.add_route_with_token("wa", PHONE, &node, "EAAG-token");
    (relay, node, secret)
}

/// Posts `(id, to)` replies as one outbox batch, in this order (the edge's queue order).
fn queue(relay: &Relay, node: &str, secret: &str, replies: &[(String, &str)]) {
    let items: Vec<_> = replies
        .iter()
        .map(|(id, to)| {
            json!({"id": id, "kind": "send_message", "created_at": "2026-12-04T20:00:00.000Z",
            "payload": {"provider": "wa", "account_id": PHONE, "to": to, "correlation_id": id,
                        "message": {"type": "text", "text": format!("réponse {id}")}}})
        })
        .collect();
    let (s, r) = relay.node_post(node, secret, "/v1/sync/outbox", &json!({ "items": items }));
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["accepted"].as_array().map(Vec::len), Some(replies.len()));
}

fn corr(r: &Received) -> String {
    r.body["biz_opaque_callback_data"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

/// Ids of the calls Graph received for `to`, in arrival order (retries included).
fn arrivals(graph: &FakeGraph, to: &str) -> Vec<String> {
    graph
        .received()
        .iter()
        .filter(|r| r.to() == to)
        .map(corr)
        .collect()
}

fn accepted_ids(graph: &FakeGraph) -> HashSet<String> {
    graph
        .received()
        .iter()
        .filter(|r| r.accepted())
        .map(corr)
        .collect()
}

fn sent(relay: &Relay, ids: &[String]) -> usize {
    ids.iter()
        .filter(|id| {
            relay.count(&format!(
                "SELECT count(*) FROM outbox_items WHERE id = '{id}' AND state = 'sent'"
            )) == 1
        })
        .count()
}

/// Each reply after the first left only once the one before it had Graph's answer.
fn assert_each_waited_for_the_previous(graph: &FakeGraph, ids: &[&str]) {
    let got = graph.received();
    for pair in ids.windows(2) {
        let answered = got
            .iter()
            .filter(|r| corr(r) == pair[0] && r.accepted())
            .filter_map(|r| r.answered_at)
            .min()
            .unwrap_or_else(|| panic!("{} was never answered", pair[0]));
        let next = got
            .iter()
            .filter(|r| corr(r) == pair[1])
            .map(|r| r.at)
            .min()
            .unwrap_or_else(|| panic!("{} never reached Graph", pair[1]));
        assert!(
            next >= answered,
            "{} reached Graph before {} was answered",
            pair[1],
            pair[0]
        );
    }
}

#[test]
fn a_hung_call_holds_only_its_own_customer_and_each_customer_gets_replies_in_queue_order() {
    let graph = FakeGraph::start();
    // A timeout far beyond the test: the hung call ends only when the test releases it.
    let (relay, node, secret) = relay_with(
        &graph,
        &[
            ("RELAY_SEND_TIMEOUT_MS", "300000"),
            ("RELAY_SEND_LEASE_SECS", "400"),
        ],
    );
    let hang = graph.hang_first(|b| b["to"] == ALICE);
    let ids = |p: &str| (0..3).map(|i| format!("{p}{i}")).collect::<Vec<_>>();
    let (a, b) = (ids("a"), ids("b"));
    // Interleaved as the bot answered them: a0 b0 a1 b1 a2 b2.
    let replies: Vec<(String, &str)> = (0..3)
        .flat_map(|i| [(a[i].clone(), ALICE), (b[i].clone(), BOB)])
        .collect();
    queue(&relay, &node, &secret, &replies);

    wait_until(30, "Bob's three replies answered by Graph", || {
        graph
            .received()
            .iter()
            .filter(|r| r.to() == BOB && r.accepted())
            .count()
            == 3
    });
    // Recorded as each call returned, while Alice's call still hangs.
    wait_until(30, "Bob's replies recorded as sent", || {
        sent(&relay, &b) == 3
    });
    assert!(hang.holding(), "Alice's first reply is still hanging");
    assert_eq!(
        arrivals(&graph, ALICE),
        vec!["a0"],
        "Alice's later replies wait behind her hung one"
    );
    assert_eq!(sent(&relay, &a), 0);

    hang.release();
    wait_until(30, "Alice's replies sent", || sent(&relay, &a) == 3);
    assert_eq!(arrivals(&graph, ALICE), a, "each once, in queue order");
    assert_eq!(arrivals(&graph, BOB), b, "each once, in queue order");
    assert_each_waited_for_the_previous(&graph, &["a0", "a1", "a2"]);
    assert_each_waited_for_the_previous(&graph, &["b0", "b1", "b2"]);
}

#[test]
fn sigkill_while_a_call_hangs_resends_no_reply_graph_had_already_answered() {
    let graph = FakeGraph::start();
    // The hung call outlives the kill. Its lease is far longer than this test waits: the
    // restarted relay releases it at start-up (the lock says its owner is dead), so Alice's
    // queue moves at once instead of waiting out the lease.
    let (mut relay, node, secret) = relay_with(
        &graph,
        &[
            ("RELAY_SEND_TIMEOUT_MS", "15000"),
            ("RELAY_SEND_LEASE_SECS", "600"),
            ("RELAY_SEND_RETRY_BASE_MS", "50"),
        ],
    );
    let hang = graph.hang_first(|b| b["to"] == ALICE);
    let customers: Vec<String> = (1..=9).map(|j| format!("2135550200{j:02}")).collect();
    let round = |k: usize| -> Vec<(String, &str)> {
        customers
            .iter()
            .enumerate()
            .map(|(j, to)| (format!("c{j}-{k}"), to.as_str()))
            .collect()
    };
    let first: Vec<(String, &str)> = (0..4).flat_map(&round).collect();
    queue(&relay, &node, &secret, &first);
    let others: Vec<String> = first
        .iter()
        .filter(|(_, to)| *to != ALICE)
        .map(|(id, _)| id.clone())
        .collect();
    assert_eq!(others.len(), 32);

    wait_until(
        60,
        "every other customer's replies answered by Graph",
        || {
            let accepted = accepted_ids(&graph);
            others.iter().all(|id| accepted.contains(id))
        },
    );
    wait_until(60, "and recorded as sent while Alice's call hangs", || {
        sent(&relay, &others) == others.len()
    });
    assert!(hang.holding(), "the kill comes while a call hangs");
    relay.kill9();
    let before = graph.received().len();
    let answered_before = accepted_ids(&graph);
    assert_eq!(answered_before.len(), 32);

    relay.resume();
    // One more reply per customer after the restart. It reaches Graph only after everything
    // queued before it for that customer, so once all have arrived, whatever the restarted
    // relay was going to resend has been resent.
    queue(&relay, &node, &secret, &round(4));
    wait_until(90, "all 45 replies answered by Graph", || {
        accepted_ids(&graph).len() == 45
    });
    let got = graph.received();
    let resent: Vec<String> = got[before..]
        .iter()
        .map(corr)
        .filter(|id| answered_before.contains(id))
        .collect();
    assert!(
        resent.is_empty(),
        "replies Graph had answered before the kill were sent again: {resent:?}"
    );
    let mut calls: HashMap<String, usize> = HashMap::new();
    for r in &got {
        *calls.entry(corr(r)).or_default() += 1;
    }
    assert_eq!(
        calls["c0-0"], 2,
        "the hung call, in flight at the kill, went again"
    );
    assert_eq!(calls.values().sum::<usize>(), 46, "nothing else twice");
    for (j, to) in customers.iter().enumerate() {
        let order: Vec<String> = (0..5).map(|k| format!("c{j}-{k}")).collect();
        let mut seen = arrivals(&graph, to);
        seen.dedup();
        assert_eq!(seen, order, "customer {to}: replies in queue order");
    }
    let alice: Vec<String> = (0..5).map(|k| format!("c0-{k}")).collect();
    let alice: Vec<&str> = alice.iter().map(String::as_str).collect();
    assert_each_waited_for_the_previous(&graph, &alice);
}
