//! Edge reconnect (issue 15): after a failure the edge tries the relay again within about
//! 5 s (jittered), `resto-edge status` shows when, and it is back as soon as the relay is.

use resto_e2e::{wait_until, Edge, Relay};

fn status(edge: &Edge) -> serde_json::Value {
    let out = edge.cli(&["status"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("status is JSON")
}

fn time(v: &serde_json::Value) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap_or_default())
        .unwrap_or_else(|e| panic!("{v} is not a time: {e}"))
        .with_timezone(&chrono::Utc)
}

#[test]
fn status_shows_the_next_attempt_while_the_relay_is_down_and_clears_it_when_back() {
    let mut relay = Relay::start(&[]);
    let (node, secret) = relay.enroll_node("pizzeria");
    let edge = Edge::enroll_and_start(&relay.url(""), &node, &secret);
    wait_until(30, "the edge synced", || {
        status(&edge)["state"] == "connected"
    });
    assert!(status(&edge)["next_attempt_at"].is_null());

    relay.stop();
    // Enough failures in a row for the wait to reach its cap.
    let mut seen = std::collections::BTreeSet::new();
    wait_until(60, "six different next attempts were announced", || {
        let next: Option<String> = edge
            .db()
            .query_row("SELECT next_attempt_at FROM sync_state", [], |r| r.get(0))
            .unwrap_or(None);
        seen.extend(next);
        seen.len() >= 6
    });
    let read_at = chrono::Utc::now();
    let st = status(&edge);
    let state = st["state"].as_str().unwrap_or_default().to_string();
    assert!(
        state.starts_with("offline since ") && state.contains(", next attempt at "),
        "{st}"
    );
    let next = time(&st["next_attempt_at"]);
    assert!(next > time(&st["offline_since"]), "{st}");
    // Written when the last try failed (before `read_at`) as that moment plus the wait, and
    // the wait is capped at 5 s: it cannot lie further ahead than that.
    assert!(
        next <= read_at + chrono::Duration::milliseconds(5000),
        "next attempt {next} is more than 5 s after {read_at}"
    );
    let console = reqwest::blocking::get(format!("http://{}/status", edge.console))
        .unwrap()
        .json::<serde_json::Value>()
        .unwrap();
    assert!(console["next_attempt_at"].is_string(), "{console}");

    relay.resume();
    wait_until(30, "the edge is connected again", || {
        let st = status(&edge);
        st["state"] == "connected" && st["next_attempt_at"].is_null()
    });
}
