//! Two relays of one deployment on one PostgreSQL database, as behind a load balancer: the
//! same node and routes, the same master.key, each with its own data dir and port.
//! Webhooks alternate between them while one is SIGKILLed mid-burst and Meta retries on the
//! other; replies queued through either are sent once each, in each customer's order.

use resto_e2e::fake_graph::FakeGraph;
use resto_e2e::pg::PgCluster;
use resto_e2e::{wa_texts, wait_until, Relay};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

const PHONE: &str = "109876543210987";
const CUSTOMERS: usize = 4;
const PER_CUSTOMER: usize = 40;
/// A is killed once this many webhooks were answered.
const KILL_AFTER: usize = 60;

/// A database and two relays on it; B has A's master.key.
fn pair(extra: &[(&str, &str)]) -> (PgCluster, Relay, Relay, String, String) {
    let cluster = PgCluster::start().unwrap_or_else(|e| panic!("{e}"));
    let url = cluster.create_database("relay").unwrap();
    let a = Relay::start_on(&url, None, extra);
    let b = Relay::start_on(&url, Some(&a.dir.join("master.key")), extra);
    let (node, secret) = a.enroll_node("pizzeria");
    (cluster, a, b, node, secret)
}

fn customer(c: usize) -> String {
    format!("21355501{c:04}")
}

/// Inbound messages as the node reads them from B's log: (seq, customer, number).
fn poll_until(
    b: &Relay,
    node: &str,
    secret: &str,
    want: usize,
    done: &AtomicBool,
) -> Vec<(u64, String, usize)> {
    let mut seen = Vec::new();
    let mut after = 0u64;
    while seen.len() < want && !done.load(Ordering::Relaxed) {
        let path = format!("/v1/sync/events?after={after}&wait=5");
        let Ok((200, body)) = b.node_get(node, secret, &path, None, Duration::from_secs(15)) else {
            continue;
        };
        for e in body["events"].as_array().unwrap() {
            let seq = e["seq"].as_u64().unwrap();
            assert!(seq > after, "seqs only grow: {seq} after {after}");
            after = seq;
            if e["kind"] == "inbound_message" {
                let p = &e["payload"];
                let (from, n) = p["text"].as_str().unwrap().split_once('-').unwrap();
                seen.push((seq, from.to_string(), n.parse().unwrap()));
            }
        }
    }
    seen
}

#[test]
fn webhooks_alternated_over_two_relays_with_one_sigkilled_reach_the_node_once_each_in_order() {
    let (_cluster, a, b, node, secret) = pair(&[]);
    a.add_route("wa", PHONE, &node);
    let answered = AtomicUsize::new(0);
    let killed = AtomicBool::new(false);
    let done = AtomicBool::new(false);
    // What each customer had acknowledged by A, for Meta's retries of delivered webhooks.
    let acked_by_a: Mutex<Vec<(String, usize)>> = Mutex::default();
    let seen = std::thread::scope(|s| {
        let poller = s.spawn(|| poll_until(&b, &node, &secret, CUSTOMERS * PER_CUSTOMER, &done));
        for c in 0..CUSTOMERS {
            let (a, b, answered, acked_by_a, done) = (&a, &b, &answered, &acked_by_a, &done);
            s.spawn(move || {
                // A sender that fails stops the poller too, so the test reports instead of
                // waiting for messages that will never come.
                struct StopOnPanic<'a>(&'a AtomicBool);
                impl Drop for StopOnPanic<'_> {
                    fn drop(&mut self) {
                        if std::thread::panicking() {
                            self.0.store(true, Ordering::Relaxed);
                        }
                    }
                }
                let _stop = StopOnPanic(done);
                let from = customer(c);
                for n in 0..PER_CUSTOMER {
                    let body = wa_texts(PHONE, &from, n, &[&format!("{from}-{n}")]);
                    // Alternate, as a load balancer does; a refused or failed delivery is
                    // retried by Meta, which lands on B once A is gone.
                    let first = if n % 2 == 0 { a } else { b };
                    let status = first.try_post_signed(&body).ok();
                    if status == Some(200) && std::ptr::eq(first, a) {
                        acked_by_a.lock().unwrap().push((from.clone(), n));
                    }
                    if status != Some(200) {
                        wait_until(20, "B takes Meta's retry", || {
                            b.try_post_signed(&body).ok() == Some(200)
                        });
                    }
                    answered.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        wait_until(60, "the burst is under way", || {
            answered.load(Ordering::Relaxed) >= KILL_AFTER
        });
        std::process::Command::new("kill")
            .args(["-9", &a.pid().to_string()])
            .status()
            .expect("kill -9");
        killed.store(true, Ordering::Relaxed);
        let seen = poller.join().unwrap();
        done.store(true, Ordering::Relaxed);
        seen
    });
    assert!(killed.load(Ordering::Relaxed));
    // Meta also retries webhooks that were answered 200 (a lost response): B must keep
    // each of those once.
    let retried = acked_by_a.lock().unwrap().clone();
    assert!(
        !retried.is_empty(),
        "A answered some webhooks before it was killed"
    );
    for (from, n) in &retried {
        let (s, _) = b.post_signed(&wa_texts(PHONE, from, *n, &[&format!("{from}-{n}")]));
        assert_eq!(s, 200, "a duplicate is answered 200");
    }

    let total = CUSTOMERS * PER_CUSTOMER;
    assert_eq!(seen.len(), total, "every message reached the node");
    let distinct: HashSet<(String, usize)> = seen.iter().map(|(_, f, n)| (f.clone(), *n)).collect();
    assert_eq!(distinct.len(), total, "no message reached the node twice");
    let seqs: Vec<u64> = seen.iter().map(|(s, _, _)| *s).collect();
    assert!(
        seqs.windows(2).all(|w| w[1] == w[0] + 1),
        "the node's log has no gap and no reuse: {seqs:?}"
    );
    let mut by_customer: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (_, f, n) in &seen {
        by_customer.entry(f).or_default().push(*n);
    }
    for (f, ns) in &by_customer {
        assert_eq!(
            ns,
            &(0..PER_CUSTOMER).collect::<Vec<_>>(),
            "{f}'s messages in the order they were written"
        );
    }
    assert_eq!(
        b.count("SELECT count(*) FROM events WHERE kind = 'inbound_message'"),
        total as i64,
        "stored once each, retries included"
    );
    assert!(
        b.metric("resto_duplicates_total").unwrap_or(0.0) >= retried.len() as f64,
        "B counted Meta's retries as duplicates"
    );
}

/// The node's replies, posted to either relay, as the load balancer spreads them.
fn queue(relay: &Relay, node: &str, secret: &str, c: usize, n: usize) {
    let to = customer(c);
    let batch = json!({"items": [{"id": format!("r-{c}-{n}"), "kind": "send_message", "created_at": "2026-11-23T10:00:00.000Z",
        "payload": {"provider": "wa", "account_id": PHONE, "to": to, "correlation_id": format!("corr-{c}-{n}"),
                    "message": {"type": "text", "text": format!("{to}-{n}")}}}]});
    let (s, r) = relay.node_post(node, secret, "/v1/sync/outbox", &batch);
    assert_eq!(s, 200, "{r}");
}

#[test]
fn two_relays_sending_one_queue_send_each_reply_once_and_in_each_customers_order() {
    let graph = FakeGraph::start();
    let graph_url = graph.graph_url();
    let (_cluster, a, b, node, secret) = pair(&[
        ("META_GRAPH_URL", &graph_url),
        ("RELAY_SEND_RETRY_BASE_MS", "50"),
    ]);
    a.add_route_with_token("wa", PHONE, &node, "EAAG-fake-token");
    const REPLIES: usize = 15;
    for n in 0..REPLIES {
        for c in 0..CUSTOMERS {
            let relay = if (n + c) % 2 == 0 { &a } else { &b };
            queue(relay, &node, &secret, c, n);
        }
    }
    let total = (CUSTOMERS * REPLIES) as i64;
    wait_until(60, "every reply is sent", || {
        b.count("SELECT count(*) FROM outbox_items WHERE state = 'sent'") == total
    });
    let sent: Vec<Value> = graph.received().into_iter().map(|r| r.body).collect();
    assert_eq!(
        sent.len() as i64,
        total,
        "one Graph call per reply, none twice"
    );
    let mut by_customer: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for body in &sent {
        let (to, n) = body["text"]["body"]
            .as_str()
            .unwrap()
            .split_once('-')
            .unwrap();
        assert_eq!(body["to"].as_str(), Some(to));
        by_customer
            .entry(to.to_string())
            .or_default()
            .push(n.parse().unwrap());
    }
    assert_eq!(by_customer.len(), CUSTOMERS);
    for (to, ns) in &by_customer {
        assert_eq!(
            ns,
            &(0..REPLIES).collect::<Vec<_>>(),
            "{to} got every reply once, in the order the node queued them"
        );
    }
}
