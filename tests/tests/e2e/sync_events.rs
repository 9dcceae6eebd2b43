//! The relay side of the long-poll (DESIGN §3): signed node requests, immediate answers,
//! direct wake-ups, acknowledgements, superseded polls, and refused authentication.

use resto_e2e::{fixture, wa_text, Relay};
use std::time::Duration;

const LONG: Duration = Duration::from_secs(30);

fn relay_with_node() -> (Relay, String, String) {
    let relay = Relay::start(&[]);
    let (node, secret) = relay.enroll_node("pizzeria");
    for a in ["109876543210987", "109876543210988", "109876543299001"] {
        relay.add_route("wa", a, &node);
    }
    (relay, node, secret)
}

#[test]
fn a_poll_answers_at_once_with_the_events_past_after() {
    let (relay, node, secret) = relay_with_node();
    relay.post_signed(&fixture("wa_text.json"));
    relay.post_signed(&fixture("wa_multi_entry_batch.json"));
    let (s, body) = relay
        .node_get(&node, &secret, "/v1/sync/events?after=0&wait=0", None, LONG)
        .unwrap();
    assert_eq!(s, 200);
    let events = body["events"].as_array().unwrap();
    let seqs: Vec<u64> = events.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, vec![1, 2, 3, 4, 5]);
    assert_eq!(body["next_after"], 5);
    assert_eq!(events[0]["kind"], "inbound_message");
    assert_eq!(
        events[0]["payload"]["text"],
        "Salam, nheb ncommandi 2 pizza margherita w 1 coca 🍕"
    );
    assert_eq!(events[4]["kind"], "message_status");
    assert!(events[0]["id"].as_str().unwrap().starts_with("evt_"));

    let (_, page) = relay
        .node_get(
            &node,
            &secret,
            "/v1/sync/events?after=2&limit=2&wait=0",
            None,
            LONG,
        )
        .unwrap();
    let seqs: Vec<u64> = page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, vec![3, 4]);
    let acked = relay.count(&format!("SELECT acked_seq FROM nodes WHERE id = '{node}'"));
    assert_eq!(acked, 2, "after=2 acknowledged everything up to 2");
    let m = relay.metrics();
    assert!(
        m.contains(&format!("resto_node_backlog{{node=\"{node}\"}} 3")),
        "{m}"
    );
    assert!(
        m.contains(&format!(
            "resto_node_last_seen_age_seconds{{node=\"{node}\"}}"
        )),
        "{m}"
    );
    assert!(
        m.contains(&format!(
            "resto_node_oldest_unacked_age_seconds{{node=\"{node}\"}}"
        )),
        "{m}"
    );
}

#[test]
fn a_waiting_poll_is_woken_by_the_next_webhook() {
    let (relay, node, secret) = relay_with_node();
    std::thread::scope(|s| {
        // Returns empty after wait=20 s unless the webhook wakes it; the client gives up at 15 s.
        let poll = s.spawn(|| {
            relay.node_get(
                &node,
                &secret,
                "/v1/sync/events?after=0&wait=20",
                None,
                Duration::from_secs(15),
            )
        });
        std::thread::sleep(Duration::from_millis(300));
        relay.post_signed(&wa_text("109876543210987", "wamid.wake.1", "réveille-toi"));
        let (status, body) = poll
            .join()
            .unwrap()
            .expect("the poll was answered before the client timeout");
        assert_eq!(status, 200);
        assert_eq!(body["events"][0]["payload"]["text"], "réveille-toi");
    });
}

#[test]
fn an_empty_poll_with_no_wait_answers_empty() {
    let (relay, node, secret) = relay_with_node();
    let (s, body) = relay
        .node_get(&node, &secret, "/v1/sync/events?after=0&wait=0", None, LONG)
        .unwrap();
    assert_eq!(s, 200);
    assert_eq!(body["events"].as_array().unwrap().len(), 0);
    assert_eq!(body["next_after"], 0);
}

#[test]
fn a_second_poll_by_the_same_node_answers_the_older_one_empty() {
    let (relay, node, secret) = relay_with_node();
    std::thread::scope(|s| {
        let older = s.spawn(|| {
            relay.node_get(
                &node,
                &secret,
                "/v1/sync/events?after=0&wait=40",
                None,
                Duration::from_secs(15),
            )
        });
        std::thread::sleep(Duration::from_millis(300));
        let newer = s.spawn(|| {
            relay.node_get(
                &node,
                &secret,
                "/v1/sync/events?after=0&wait=40",
                None,
                Duration::from_secs(30),
            )
        });
        let (s1, b1) = older
            .join()
            .unwrap()
            .expect("the older poll is answered as soon as a newer one arrives");
        assert_eq!((s1, b1["events"].as_array().unwrap().len()), (200, 0));
        relay.post_signed(&wa_text(
            "109876543210987",
            "wamid.newer.1",
            "pour le plus récent",
        ));
        let (s2, b2) = newer.join().unwrap().unwrap();
        assert_eq!(s2, 200);
        assert_eq!(b2["events"][0]["payload"]["text"], "pour le plus récent");
    });
}

#[test]
fn unauthenticated_sync_requests_are_refused_and_recorded() {
    let (relay, node, secret) = relay_with_node();
    let path = "/v1/sync/events?after=0&wait=0";
    assert_eq!(relay.get(path).0, 401, "no headers");
    assert_eq!(
        relay
            .node_get(&node, "not-the-secret", path, None, LONG)
            .unwrap()
            .0,
        401
    );
    let stale = chrono::Utc::now().timestamp() - 301;
    assert_eq!(
        relay
            .node_get(&node, &secret, path, Some(stale), LONG)
            .unwrap()
            .0,
        401
    );
    assert_eq!(
        relay
            .node_get("node_unknown", &secret, path, None, LONG)
            .unwrap()
            .0,
        401
    );
    let denies = relay
        .security_events()
        .iter()
        .filter(|(t, _)| t == "AUTH_DENY")
        .count();
    assert_eq!(denies, 4);
    let with_token = "/v1/sync/events?after=0&wait=0&token=abc";
    assert_eq!(
        relay
            .node_get(&node, &secret, with_token, None, LONG)
            .unwrap()
            .0,
        401
    );
    assert!(relay.has_security_event("QUERY_TOKEN_REFUSED"));
    let (s, body) = relay
        .node_get(&node, &secret, "/v1/sync/events?limit=5000", None, LONG)
        .unwrap();
    assert_eq!(s, 400, "{body}");
}
