//! Helper for `scripts/bench-replies.sh`: reply latency through the real relay, with the
//! Graph stand-in of the e2e tests in this process.
//!
//! `reply_bench CUSTOMERS RATE SECONDS HANG_EVERY`: starts the relay (`RESTO_RELAY_BIN`, with
//! the production send settings: no `RELAY_SEND_*` set), then runs two phases of SECONDS
//! each. In each, RATE times a second a random customer (of CUSTOMERS) gets a turn of two
//! replies, posted as one outbox batch as the edge does. Phase 1: no Graph call hangs.
//! Phase 2: every HANG_EVERY-th call hangs (read, never answered) for longer than the
//! relay's timeout. Latency of a reply = arrival at Graph of the attempt Graph accepted −
//! the moment its batch was posted. Prints p50/p90/p99/max per phase.

use resto_e2e::fake_graph::FakeGraph;
use resto_e2e::Relay;
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PHONE: &str = "109876543210987";
/// Longer than the relay's 10 s Graph timeout: a hung call always ends by the timeout.
const HOLD: Duration = Duration::from_secs(30);

fn main() {
    let a: Vec<String> = std::env::args().collect();
    if a.len() != 5 {
        eprintln!("usage: reply_bench CUSTOMERS RATE SECONDS HANG_EVERY");
        std::process::exit(2);
    }
    let num = |i: usize| -> u64 { a[i].parse().expect("a whole number") };
    let (customers, rate, seconds, hang_every) = (num(1), num(2), num(3), num(4));
    let graph = FakeGraph::start();
    let relay = Relay::start(&[
        ("META_GRAPH_URL", &graph.graph_url()),
        // Info only for the start line the harness reads the port from.
        ("RELAY_LOG", "warn,resto_relay::server=info"),
    ]);
    let (node, secret) = relay.enroll_node("bench");
    relay.add_route_with_token("wa", PHONE, &node, "EAAG-bench");
    let relay = Arc::new(relay);
    for (phase, every) in [("0 % hung", None), ("1 % hung", Some(hang_every))] {
        graph.hang_every(every.map(|n| (n, HOLD)));
        let first_call = graph.received().len();
        let queued = run_phase(&relay, &node, &secret, phase, customers, rate, seconds);
        let total = queued.len();
        // Wait for every reply of the phase (hung ones come back after timeout + retry).
        let deadline = Instant::now() + Duration::from_secs(180);
        let mut got = HashMap::new();
        while Instant::now() < deadline {
            got = accepted_at(&graph, first_call);
            if queued.keys().all(|id| got.contains_key(id)) {
                break;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        graph.hang_every(None);
        let calls = graph.received().len() - first_call;
        let hung = graph.received()[first_call..]
            .iter()
            .filter(|r| r.answered_at.is_none())
            .count();
        let mut lat: Vec<f64> = queued
            .iter()
            .filter_map(|(id, t)| got.get(id).map(|a| a.duration_since(*t).as_secs_f64()))
            .collect();
        lat.sort_by(f64::total_cmp);
        let p = |q: f64| lat[((q * (lat.len() - 1) as f64).round() as usize).min(lat.len() - 1)];
        if lat.is_empty() {
            println!("{phase}: no reply reached Graph");
            continue;
        }
        println!(
            "{phase}: {} of {total} replies delivered ({calls} Graph calls, {hung} hung)  latency p50 {:.3} s  p90 {:.3} s  p99 {:.3} s  max {:.3} s",
            lat.len(),
            p(0.5),
            p(0.9),
            p(0.99),
            lat[lat.len() - 1]
        );
        // The next phase starts from a quiet relay: nothing of this one still queued.
        resto_e2e::wait_until(120, "the phase's replies to leave the queue", || {
            relay.count("SELECT count(*) FROM outbox_items WHERE state = 'queued'") == 0
        });
    }
}

/// Posts the phase's turns at a steady rate; returns when each reply was posted.
fn run_phase(
    relay: &Arc<Relay>,
    node: &str,
    secret: &str,
    phase: &str,
    customers: u64,
    rate: u64,
    seconds: u64,
) -> HashMap<String, Instant> {
    let queued = Arc::new(Mutex::new(HashMap::new()));
    let start = Instant::now();
    let mut posters = Vec::new();
    let tag = phase.chars().next().unwrap_or('p');
    for turn in 0..rate * seconds {
        let due = start + Duration::from_micros(turn * 1_000_000 / rate.max(1));
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        let to = format!("2135551{:05}", rand_below(customers));
        let ids = [format!("{tag}-{turn}-1"), format!("{tag}-{turn}-2")];
        let (relay, node, secret, queued) = (
            relay.clone(),
            node.to_string(),
            secret.to_string(),
            queued.clone(),
        );
        // A thread per turn: a slow post never delays the next turn's schedule.
        posters.push(std::thread::spawn(move || {
            let items: Vec<_> = ids
                .iter()
                .map(|id| {
                    json!({"id": id, "kind": "send_message",
                "created_at": "2026-12-04T21:00:00.000Z",
                "payload": {"provider": "wa", "account_id": PHONE, "to": to, "correlation_id": id,
                            "message": {"type": "text", "text": "Votre commande est confirmée"}}})
                })
                .collect();
            let at = Instant::now();
            let (s, r) = relay.node_post(
                &node,
                &secret,
                "/v1/sync/outbox",
                &json!({ "items": items }),
            );
            assert_eq!(s, 200, "{r}");
            let mut q = queued.lock().unwrap();
            for id in ids {
                q.insert(id, at);
            }
        }));
    }
    for p in posters {
        p.join().expect("poster");
    }
    Arc::try_unwrap(queued)
        .map(|m| m.into_inner().unwrap())
        .unwrap_or_default()
}

/// For each reply id (correlation id), when the attempt Graph accepted arrived.
fn accepted_at(graph: &FakeGraph, from: usize) -> HashMap<String, Instant> {
    let mut out = HashMap::new();
    for r in &graph.received()[from..] {
        if r.accepted() {
            if let Some(id) = r.body["biz_opaque_callback_data"].as_str() {
                out.entry(id.to_string()).or_insert(r.at);
            }
        }
    }
    out
}

/// A small xorshift with a fixed seed: the same customers in the same order on every run
/// (before/after comparisons), and no extra dependency for a benchmark.
fn rand_below(n: u64) -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static STATE: AtomicU64 = AtomicU64::new(0x9E37_79B9_7F4A_7C15);
    let mut x = STATE.load(Ordering::Relaxed);
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    STATE.store(x, Ordering::Relaxed);
    x % n.max(1)
}
