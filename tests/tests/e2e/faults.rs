//! Fault tests with real processes (DESIGN §7: zero lost, zero doubly-applied messages across
//! SIGKILL of either program). Senders behave like Meta: a webhook that was not answered 200
//! is sent again until it is.

use resto_e2e::fake_graph::FakeGraph;
use resto_e2e::{sign, wa_text, wait_until, Edge, Relay, APP_SECRET};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

const PHONE: &str = "109876543210987";

/// Posts `per_thread` distinct webhooks from each of `threads` threads, retrying each until
/// it is answered 200 (as Meta retries). Counts 200s in `acked`.
fn meta_burst(
    url: String,
    threads: usize,
    per_thread: usize,
    acked: Arc<AtomicUsize>,
) -> Vec<std::thread::JoinHandle<()>> {
    (0..threads)
        .map(|t| {
            let (url, acked) = (url.clone(), acked.clone());
            std::thread::spawn(move || {
                let client = reqwest::blocking::Client::builder()
                    .timeout(Duration::from_secs(10))
                    .build()
                    .unwrap();
                for i in 0..per_thread {
                    // One conversation per thread, so per-conversation order can be checked.
                    let body = wa_text(PHONE, &format!("wamid.fault.{t}.{i}"), &format!("{t}:{i}"));
                    let body = String::from_utf8(body)
                        .unwrap()
                        .replace("213555010101", &format!("21355501{t:04}"));
                    let sig = sign(APP_SECRET, body.as_bytes());
                    loop {
                        let r = client
                            .post(&url)
                            .header("x-hub-signature-256", &sig)
                            .body(body.clone())
                            .send();
                        if matches!(&r, Ok(resp) if resp.status().as_u16() == 200) {
                            acked.fetch_add(1, Ordering::SeqCst);
                            break;
                        }
                        std::thread::sleep(Duration::from_millis(20));
                    }
                }
            })
        })
        .collect()
}

fn assert_applied_exactly_once_in_order(
    relay: &Relay,
    edge: &Edge,
    threads: usize,
    per_thread: usize,
) {
    let total = (threads * per_thread) as i64;
    wait_until(60, "every message applied on the edge", || {
        edge.count("SELECT count(*) FROM inbound_messages") == total
    });
    assert_eq!(
        relay.count("SELECT count(*) FROM events WHERE kind = 'inbound_message'"),
        total,
        "the relay stored each customer message once"
    );
    assert_eq!(
        edge.count("SELECT count(*) FROM applied_events a JOIN inbound_messages m ON m.event_id = a.event_id"),
        total,
        "the edge applied each message event once"
    );
    // Per conversation, the edge saw the messages in the order the customer sent them.
    let db = edge.db();
    let mut st = db.prepare("SELECT a.seq, m.user_id, json_extract(m.payload, '$.text') FROM inbound_messages m JOIN applied_events a ON a.event_id = m.event_id ORDER BY a.seq").unwrap();
    let rows: Vec<(i64, String, String)> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut last: HashMap<String, i64> = HashMap::new();
    for (_, user, text) in rows {
        let i: i64 = text.split(':').nth(1).unwrap().parse().unwrap();
        if let Some(prev) = last.insert(user.clone(), i) {
            assert!(
                i > prev,
                "conversation {user}: message {i} applied after {prev}"
            );
        }
    }
}

#[test]
fn sigkill_of_the_relay_mid_burst_loses_and_duplicates_nothing() {
    let mut relay = Relay::start(&[]);
    let (node, secret) = relay.enroll_node("pizzeria");
    relay.add_route("wa", PHONE, &node);
    let edge = Edge::enroll_and_start(&relay.url(""), &node, &secret);
    let acked = Arc::new(AtomicUsize::new(0));
    let (threads, per_thread) = (8, 260);
    let senders = meta_burst(
        relay.url("/webhooks/meta"),
        threads,
        per_thread,
        acked.clone(),
    );
    wait_until(60, "a third of the burst acknowledged", || {
        acked.load(Ordering::SeqCst) >= 700
    });
    relay.kill9();
    let at_kill = acked.load(Ordering::SeqCst);
    relay.restart();
    for s in senders {
        s.join().unwrap();
    }
    assert!(
        at_kill < threads * per_thread,
        "the kill happened mid-burst"
    );
    assert_eq!(acked.load(Ordering::SeqCst), threads * per_thread);
    assert_eq!(
        relay.count("SELECT count(*) FROM events"),
        (threads * per_thread) as i64,
        "no event stored twice"
    );
    assert_applied_exactly_once_in_order(&relay, &edge, threads, per_thread);
}

#[test]
fn sigkill_of_the_edge_while_applying_applies_nothing_twice_and_posts_each_item_once() {
    let relay = Relay::start(&[]);
    let (node, secret) = relay.enroll_node("pizzeria");
    relay.add_route("wa", PHONE, &node);
    let acked = Arc::new(AtomicUsize::new(0));
    let (threads, per_thread) = (4, 500);
    for s in meta_burst(relay.url("/webhooks/meta"), threads, per_thread, acked) {
        s.join().unwrap();
    }
    let mut edge = Edge::enroll_and_start(&relay.url(""), &node, &secret);
    // Outbox rows written by the edge before it dies; their ids must reach the relay unchanged.
    {
        let db = edge.db();
        for i in 0..300 {
            db.execute(
                "INSERT INTO outbox (id, kind, created_at, payload) VALUES (?1, 'send_message', '2026-11-23T10:00:00.000Z', ?2)",
                rusqlite::params![format!("item-{i:04}"), serde_json::json!({"provider": "wa", "account_id": PHONE, "to": "213", "message": {"type": "text", "text": format!("r{i}")}}).to_string()],
            )
            .unwrap();
        }
    }
    let total = (threads * per_thread) as i64;
    for k in 1..=3 {
        wait_until(60, "the edge is part-way through", || {
            edge.count("SELECT count(*) FROM applied_events") > k * 400
        });
        assert!(
            edge.count("SELECT count(*) FROM applied_events") < total,
            "killed before the end"
        );
        edge.restart(); // SIGKILL, then start again
    }
    assert_applied_exactly_once_in_order(&relay, &edge, threads, per_thread);
    wait_until(30, "the outbox drained", || {
        edge.count("SELECT count(*) FROM outbox") == 0
    });
    // The relay reports each dead-lettered reply (no token on this route) as a status event;
    // the edge ends up applying everything in the node's log, each event once.
    wait_until(30, "every status event applied", || {
        edge.count("SELECT cursor FROM sync_state") == relay.count("SELECT last_seq FROM nodes")
            && edge.count("SELECT count(*) FROM message_statuses") == 300
    });
    assert_eq!(
        edge.count("SELECT count(*) FROM applied_events"),
        total + 300
    );
    assert_eq!(
        relay.count("SELECT count(*) FROM outbox_items"),
        300,
        "each item once, with its own id"
    );
    assert_eq!(
        relay.count("SELECT count(*) FROM outbox_items WHERE id LIKE 'item-%'"),
        300
    );
}

#[test]
fn sigkill_of_the_relay_while_sending_sends_every_item_and_counts_duplicates() {
    let graph = FakeGraph::start();
    let mut relay = Relay::start(&[
        ("META_GRAPH_URL", &graph.graph_url()),
        ("RELAY_SEND_LEASE_SECS", "2"),
        ("RELAY_SEND_RETRY_BASE_MS", "50"),
    ]);
    let (node, secret) = relay.enroll_node("pizzeria");
    relay.add_route_with_token("wa", PHONE, &node, "EAAG-token");
    let n = 400;
    let items: Vec<serde_json::Value> = (0..n)
        .map(|i| serde_json::json!({"id": format!("send-{i:04}"), "kind": "send_message", "created_at": "2026-11-23T10:00:00.000Z",
            "payload": {"provider": "wa", "account_id": PHONE, "to": "213555010101", "correlation_id": format!("send-{i:04}"),
                        "message": {"type": "text", "text": format!("réponse {i}")}}}))
        .collect();
    let (s, _) = relay.node_post(
        &node,
        &secret,
        "/v1/sync/outbox",
        &serde_json::json!({"items": items}),
    );
    assert_eq!(s, 200);
    wait_until(60, "sending under way", || graph.received().len() >= 60);
    relay.kill9();
    let at_kill = graph.received().len();
    relay.restart();
    wait_until(60, "every item sent", || {
        relay.count("SELECT count(*) FROM outbox_items WHERE state = 'sent'") == n
    });
    let mut per_item: HashMap<String, usize> = HashMap::new();
    let mut first_arrivals: Vec<String> = Vec::new();
    for r in graph.received() {
        let id = r.body["biz_opaque_callback_data"]
            .as_str()
            .unwrap()
            .to_string();
        if !per_item.contains_key(&id) {
            first_arrivals.push(id.clone());
        }
        *per_item.entry(id).or_default() += 1;
    }
    assert_eq!(
        per_item.len(),
        n as usize,
        "every accepted item reached the Graph API"
    );
    let duplicates: usize = per_item.values().map(|c| c - 1).sum();
    println!("relay killed after {at_kill} sends; duplicates at the Graph server: {duplicates} (items in flight at the kill)");
    // All 400 go to one customer: one send in flight at a time, so at most that one again.
    assert!(
        duplicates <= 1,
        "only the send in flight at the kill may be sent twice, got {duplicates}"
    );
    let queued: Vec<String> = (0..n).map(|i| format!("send-{i:04}")).collect();
    assert_eq!(
        first_arrivals, queued,
        "the customer got the replies in queue order"
    );
}

#[test]
fn a_cut_link_heals_with_every_message_applied_once_in_order_and_the_outbox_drained() {
    let relay = Relay::start(&[]);
    let (node, secret) = relay.enroll_node("pizzeria");
    relay.add_route("wa", PHONE, &node);
    let proxy = resto_e2e::cut_proxy::CutProxy::start(&format!("127.0.0.1:{}", relay.port));
    let edge =
        Edge::enroll_and_start_with(&proxy.url, &node, &secret, &[("EDGE_POLL_WAIT_SECS", "2")]);
    let acked = Arc::new(AtomicUsize::new(0));
    let (threads, per_thread) = (4, 150);
    let senders = meta_burst(
        relay.url("/webhooks/meta"),
        threads,
        per_thread,
        acked.clone(),
    );
    let add_outbox = |from: usize, to: usize| {
        let db = edge.db();
        for i in from..to {
            db.execute(
                "INSERT INTO outbox (id, kind, created_at, payload) VALUES (?1, 'send_message', '2026-11-23T10:00:00.000Z', ?2)",
                rusqlite::params![format!("cut-{i:04}"), serde_json::json!({"provider": "wa", "account_id": PHONE, "to": "213", "message": {"type": "text", "text": "ok"}}).to_string()],
            )
            .unwrap();
        }
    };
    wait_until(30, "traffic under way", || {
        acked.load(Ordering::SeqCst) >= 100
    });
    proxy.blackhole();
    add_outbox(0, 50);
    std::thread::sleep(Duration::from_secs(2)); // the outage itself
    proxy.reset();
    add_outbox(50, 100);
    std::thread::sleep(Duration::from_secs(2)); // the outage itself
    let offline = edge.count("SELECT offline_since IS NOT NULL FROM sync_state");
    proxy.restore();
    for s in senders {
        s.join().unwrap();
    }
    assert_eq!(offline, 1, "the edge noticed it was offline");
    assert_applied_exactly_once_in_order(&relay, &edge, threads, per_thread);
    wait_until(60, "the outbox drained after the link healed", || {
        edge.count("SELECT count(*) FROM outbox") == 0
    });
    assert_eq!(
        relay.count("SELECT count(*) FROM outbox_items WHERE id LIKE 'cut-%'"),
        100
    );
    wait_until(30, "the edge is connected again", || {
        edge.count("SELECT offline_since IS NULL FROM sync_state") == 1
    });
}
