//! Durability: a 200 is a promise. SIGKILL right after it, or in the middle of a burst, loses
//! nothing that was acknowledged. Events for unknown accounts are kept until routed.

use resto_e2e::{fixture, sign, wa_text, Relay, APP_SECRET};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[test]
fn a_message_acknowledged_just_before_sigkill_is_there_after_restart() {
    let mut relay = Relay::start(&[]);
    relay.route_fixture_accounts();
    let (status, _) = relay.post_signed(&fixture("wa_text.json"));
    assert_eq!(status, 200);
    relay.kill9();
    relay.restart();
    let events = relay.events();
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0].1["text"],
        "Salam, nheb ncommandi 2 pizza margherita w 1 coca 🍕"
    );
    // And Meta's retry of it after the restart is still recognised.
    assert_eq!(
        relay.post_signed(&fixture("wa_text.json")).1["duplicates"],
        1
    );
}

#[test]
fn every_webhook_answered_200_during_a_burst_survives_sigkill() {
    let mut relay = Relay::start(&[]);
    relay.route_fixture_accounts();
    let acked = burst_cut_by_sigkill(&mut relay, 8, 400, "burst", 300);
    assert!(
        acked.len() >= 300 && acked.len() < 3200,
        "the kill happened mid-burst ({})",
        acked.len()
    );
    let unique = stored_once(&relay);
    let missing: Vec<&String> = acked.iter().filter(|id| !unique.contains(*id)).collect();
    assert!(
        missing.is_empty(),
        "{} acknowledged messages lost, e.g. {:?}",
        missing.len(),
        missing.first()
    );
}

#[test]
fn a_message_for_an_unrouted_account_is_kept_and_delivered_once_routed() {
    let relay = Relay::start(&[]);
    let body = wa_text("555000111", "wamid.unrouted.1", "allo?");
    let (status, r) = relay.post_signed(&body);
    assert_eq!((status, r["stored"].as_i64()), (200, Some(1)));
    assert_eq!(relay.count("SELECT count(*) FROM unrouted_events"), 1);
    assert_eq!(relay.events().len(), 0);
    assert_eq!(relay.metric("resto_unrouted_messages"), Some(1.0));

    let node = relay.add_node("late-restaurant");
    relay.add_route("wa", "555000111", &node);
    assert_eq!(relay.count("SELECT count(*) FROM unrouted_events"), 0);
    assert_eq!(
        relay.count(&format!(
            "SELECT count(*) FROM events WHERE node_id = '{node}'"
        )),
        1,
        "the parked event now belongs to the routed node"
    );
    let events = relay.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].1["text"], "allo?");
    assert_eq!(relay.metric("resto_unrouted_messages"), Some(0.0));
    // The next message for that account goes straight to the node.
    relay.post_signed(&wa_text("555000111", "wamid.unrouted.2", "encore"));
    assert_eq!(relay.events().len(), 2);
}

/// Dedupe keys are decided from memory and reloaded from the database at start: every key
/// committed before a SIGKILL — acknowledged or cut off before its 200 — must still turn
/// Meta's retry into a duplicate, and the first copy of anything lost must be stored.
#[test]
fn meta_retries_of_a_burst_cut_by_sigkill_are_each_stored_exactly_once() {
    let mut relay = Relay::start(&[]);
    relay.route_fixture_accounts();
    let acked: HashSet<String> = burst_cut_by_sigkill(&mut relay, 6, 300, "retry", 200)
        .into_iter()
        .collect();
    assert!(acked.len() < 1800, "the kill happened mid-burst");
    let stored_before = relay.events().len();

    // Meta resends everything it sent (it cannot know which 200s were lost on the way).
    let mut duplicates = 0;
    for t in 0..6 {
        for i in 0..300 {
            let id = format!("wamid.retry.{t}.{i}");
            let (status, r) = relay.post_signed(&wa_text("109876543210987", &id, "burst"));
            assert_eq!(status, 200, "{id}: {r}");
            let dup = r["duplicates"].as_i64() == Some(1);
            if acked.contains(&id) {
                assert!(
                    dup,
                    "{id} was acknowledged before the kill, so its retry is a duplicate: {r}"
                );
            }
            duplicates += dup as usize;
        }
    }
    assert_eq!(
        duplicates, stored_before,
        "exactly the messages stored before the kill are duplicates"
    );
    let unique = stored_once(&relay);
    assert_eq!(unique.len(), 1800, "every message of the burst stored once");
}

/// `threads` clients each post `per_thread` signed WhatsApp texts (`wamid.<tag>.<t>.<i>`);
/// the relay is SIGKILLed once `kill_after` were acknowledged, then restarted. Returns the
/// wamids that got a 200 (a deadline, not a sleep: the test fails instead of hanging).
fn burst_cut_by_sigkill(
    relay: &mut Relay,
    threads: usize,
    per_thread: usize,
    tag: &str,
    kill_after: usize,
) -> Vec<String> {
    let url = relay.url("/webhooks/meta");
    let acked = Arc::new(Mutex::new(Vec::new()));
    let workers: Vec<_> = (0..threads)
        .map(|t| {
            let (url, acked, tag) = (url.clone(), acked.clone(), tag.to_string());
            std::thread::spawn(move || {
                let client = reqwest::blocking::Client::new();
                for i in 0..per_thread {
                    let id = format!("wamid.{tag}.{t}.{i}");
                    let body = wa_text("109876543210987", &id, "burst");
                    let sent = client
                        .post(&url)
                        .header("x-hub-signature-256", sign(APP_SECRET, &body))
                        .body(body)
                        .send();
                    match sent {
                        Ok(r) if r.status().as_u16() == 200 => acked.lock().unwrap().push(id),
                        Ok(_) => {}
                        Err(_) => return, // the relay is gone
                    }
                }
            })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    while acked.lock().unwrap().len() < kill_after {
        assert!(
            Instant::now() < deadline && !workers.iter().all(|t| t.is_finished()),
            "the burst never reached {kill_after} acknowledged webhooks ({} so far)",
            acked.lock().unwrap().len()
        );
        std::thread::yield_now();
    }
    relay.kill9();
    for t in workers {
        t.join().unwrap();
    }
    relay.restart();
    let acked = acked.lock().unwrap().clone();
    acked
}

/// The wamids of the stored events, failing the test if any is stored twice.
fn stored_once(relay: &Relay) -> HashSet<String> {
    let stored: Vec<String> = relay
        .events()
        .into_iter()
        .map(|(_, v)| v["msg_id"].as_str().unwrap().to_string())
        .collect();
    let unique: HashSet<String> = stored.iter().cloned().collect();
    assert_eq!(unique.len(), stored.len(), "no message stored twice");
    unique
}
