//! The operator's view: subcommands, the subscription handshake, health, metrics and logs.

use resto_e2e::{fixture, metric_value, program, temp_dir, Relay, APP_SECRET, VERIFY_TOKEN};
use std::process::Command;

fn relay_cmd(dir: &std::path::Path, env: &[(&str, &str)]) -> Command {
    let mut c = Command::new(program("resto-relay"));
    for k in [
        "META_APP_SECRET",
        "META_VERIFY_TOKEN",
        "META_SIGNATURE_REQUIRED",
        "RELAY_CONFIG",
        "RELAY_LISTEN",
    ] {
        c.env_remove(k);
    }
    c.env("RELAY_DATA_DIR", dir);
    c.envs(env.iter().copied());
    c
}

#[test]
fn migrate_creates_the_schema_and_is_idempotent() {
    let dir = temp_dir("migrate");
    for _ in 0..2 {
        let out = relay_cmd(&dir, &[]).arg("migrate").output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let db = rusqlite::Connection::open(dir.join("relay.db")).unwrap();
    let tables: i64 = db
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type='table' AND name IN \
             ('nodes','routes','events','seen_messages','unrouted_events','security_events')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tables, 6);
    let bad = db.execute(
        "INSERT INTO security_events (type, reason, at) VALUES ('NOT_A_TYPE', 'x', 'now')",
        [],
    );
    assert!(bad.is_err(), "security event types are CHECK-constrained");
}

#[test]
fn node_add_json_prints_exactly_the_id_and_secret_once() {
    let dir = temp_dir("node");
    let out = relay_cmd(&dir, &[])
        .args(["node", "add", "Pizzeria Bab Ezzouar", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let obj = v.as_object().unwrap();
    assert_eq!(obj.len(), 2, "{v}");
    assert!(obj["node_id"].as_str().unwrap().starts_with("node_"));
    assert_eq!(obj["node_secret"].as_str().unwrap().len(), 64);
    let list = relay_cmd(&dir, &[])
        .args(["node", "list"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(
        text.contains("Pizzeria Bab Ezzouar") && text.contains(obj["node_id"].as_str().unwrap())
    );
    assert!(
        !text.contains(obj["node_secret"].as_str().unwrap()),
        "the secret is shown only once"
    );
    let db = std::fs::read(dir.join("relay.db")).unwrap();
    let secret = obj["node_secret"].as_str().unwrap().as_bytes();
    assert!(
        !db.windows(secret.len()).any(|w| w == secret),
        "the database never holds the node secret"
    );
}

#[test]
fn node_add_without_json_shows_the_id_and_the_secret_to_a_human() {
    let dir = temp_dir("node-text");
    let out = relay_cmd(&dir, &[])
        .args(["node", "add", "Snack Hydra"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let list = relay_cmd(&dir, &[])
        .args(["node", "list"])
        .output()
        .unwrap();
    let list = String::from_utf8_lossy(&list.stdout).to_string();
    let line = list
        .lines()
        .find(|l| l.contains("Snack Hydra"))
        .unwrap_or_else(|| panic!("node list does not show the node:\n{list}"));
    let id = line
        .split(|c: char| c.is_whitespace() || c == '|' || c == ',')
        .find(|w| text.contains(*w) && w.len() >= 8)
        .unwrap_or_else(|| panic!("no id from `{line}` in the add output:\n{text}"));
    let secret_like = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .any(|w| w.len() >= 32 && w != id);
    assert!(secret_like, "the secret is shown once:\n{text}");
}

#[test]
fn a_route_to_an_unknown_node_fails_with_a_clear_message() {
    let dir = temp_dir("route");
    let out = relay_cmd(&dir, &[])
        .args([
            "route",
            "add",
            "--provider",
            "wa",
            "--account",
            "123",
            "--node",
            "node_missing",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("node_missing") && err.contains("node add"),
        "{err}"
    );
}

#[test]
fn a_route_can_carry_the_access_token_from_a_file() {
    let relay = Relay::start(&[]);
    let node = relay.add_node("with-token");
    let token = relay.dir.join("token.txt");
    std::fs::write(&token, "EAAG-test-token\n").unwrap();
    let out = relay.cli(&[
        "route",
        "add",
        "--provider",
        "wa",
        "--account",
        "42",
        "--node",
        &node,
        "--access-token-file",
        token.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stored: String = relay
        .db()
        .query_row(
            "SELECT access_token FROM routes WHERE account_id='42'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, "EAAG-test-token");
    let listed = String::from_utf8_lossy(&relay.cli(&["route", "list"]).stdout).to_string();
    assert!(
        listed.contains("42") && !listed.contains("EAAG-test-token"),
        "{listed}"
    );
}

#[test]
fn preflight_lists_every_problem_at_once_and_fails() {
    let dir = temp_dir("preflight");
    let out = relay_cmd(
        &dir,
        &[
            ("META_SIGNATURE_REQUIRED", "enforce"),
            ("RELAY_LISTEN", "not-an-address"),
        ],
    )
    .arg("preflight")
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    for needle in ["META_APP_SECRET", "META_VERIFY_TOKEN", "RELAY_LISTEN"] {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
    let off = relay_cmd(&dir, &[("META_SIGNATURE_REQUIRED", "off")])
        .arg("preflight")
        .output()
        .unwrap();
    assert_eq!(off.status.code(), Some(1));
    let text = String::from_utf8_lossy(&off.stdout);
    assert!(
        text.contains("META_SIGNATURE_REQUIRED=off") && text.contains("META_VERIFY_TOKEN"),
        "{text}"
    );
}

#[test]
fn preflight_passes_on_a_configured_relay() {
    let dir = temp_dir("preflight-ok");
    let out = relay_cmd(
        &dir,
        &[("META_APP_SECRET", "s"), ("META_VERIFY_TOKEN", "v")],
    )
    .arg("preflight")
    .output()
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn serve_refuses_to_start_in_enforce_mode_without_an_app_secret() {
    let dir = temp_dir("no-secret");
    let out = relay_cmd(&dir, &[("RELAY_LISTEN", "127.0.0.1:0")])
        .arg("serve")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("set META_APP_SECRET"));
}

#[test]
fn the_subscription_handshake_echoes_the_challenge_only_for_the_right_token() {
    let relay = Relay::start(&[]);
    let (s, body) = relay.get(&format!("/webhooks/meta?hub.mode=subscribe&hub.verify_token={VERIFY_TOKEN}&hub.challenge=1158201444"));
    assert_eq!((s, body.as_str()), (200, "1158201444"));
    let r = reqwest::blocking::get(relay.url(&format!(
        "/webhooks/meta?hub.mode=subscribe&hub.verify_token={VERIFY_TOKEN}&hub.challenge=0042"
    )))
    .unwrap();
    let ct = r.headers()["content-type"].to_str().unwrap().to_string();
    assert!(ct.starts_with("text/plain"), "content-type {ct}");
    assert_eq!(
        r.text().unwrap(),
        "0042",
        "echoed verbatim, not parsed as a number"
    );
    for bad in [
        "hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1",
        "hub.mode=unsubscribe&hub.verify_token=e2e-verify-token&hub.challenge=1",
        "hub.mode=subscribe&hub.challenge=1",
    ] {
        assert_eq!(relay.get(&format!("/webhooks/meta?{bad}")).0, 403, "{bad}");
    }
    assert_eq!(
        relay
            .security_events()
            .iter()
            .filter(|(t, _)| t == "VERIFY_TOKEN_INVALID")
            .count(),
        3
    );
}

#[test]
fn health_reports_the_database_and_metrics_count_what_happened() {
    let relay = Relay::start(&[]);
    relay.route_fixture_accounts();
    for path in ["/healthz", "/health"] {
        let (s, body) = relay.get(path);
        assert_eq!(s, 200);
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            (v["status"].as_str(), v["db"].as_str()),
            (Some("ok"), Some("ok"))
        );
    }
    relay.post_signed(&fixture("wa_text.json"));
    relay.post_signed(&fixture("wa_text.json"));
    relay.post_signed(&fixture("ig_text.json"));
    relay.post_webhook(&fixture("msg_text.json"), None);
    let m = relay.metrics();
    for line in [
        "resto_webhook_requests_total{provider=\"wa\",outcome=\"stored\"} 1",
        "resto_webhook_requests_total{provider=\"wa\",outcome=\"duplicate\"} 1",
        "resto_webhook_requests_total{provider=\"unknown\",outcome=\"signature_missing\"} 1",
        "resto_inbound_messages_total{provider=\"wa\",kind=\"text\"} 1",
        "resto_inbound_messages_total{provider=\"ig\",kind=\"text\"} 1",
        "resto_duplicates_total 1",
        "resto_security_events_total{type=\"SIGNATURE_MISSING\"} 1",
        "resto_unrouted_messages 0",
    ] {
        assert!(m.contains(line), "missing {line} in\n{m}");
    }
    let count = metric_value(&m, "resto_ingest_duration_seconds_count");
    assert!(
        count.is_some_and(|c| c >= 3.0),
        "3 ingests timed: {count:?}\n{m}"
    );
    assert_eq!(
        metric_value(&m, "resto_ingest_duration_seconds_bucket{le=\"+Inf\"}"),
        count,
        "+Inf bucket = count"
    );
    assert!(metric_value(&m, "resto_ingest_duration_seconds_sum").is_some_and(|s| s > 0.0));
}

#[test]
fn logs_are_json_with_message_fields_and_never_carry_secrets_or_bodies() {
    let relay = Relay::start(&[]);
    relay.route_fixture_accounts();
    relay.post_signed(&fixture("wa_text.json"));
    relay.post_webhook(
        &fixture("wa_text.json"),
        Some("sha256=0000000000000000000000000000000000000000000000000000000000000000"),
    );
    let log = relay.log();
    let line = log
        .lines()
        .find(|l| l.contains("inbound message"))
        .unwrap_or_else(|| panic!("no ingest log line in\n{log}"));
    let v: serde_json::Value = serde_json::from_str(line).expect("JSON log line");
    assert_eq!(v["channel"], "wa");
    assert!(v["msg_id"].as_str().unwrap().starts_with("wamid."));
    assert!(v["correlation_id"].as_str().is_some_and(|c| !c.is_empty()));
    assert!(v["node_id"].as_str().unwrap().starts_with("node_"));
    assert!(
        !log.contains(APP_SECRET),
        "the app secret leaked into the log"
    );
    assert!(
        !log.contains(VERIFY_TOKEN),
        "the verify token leaked into the log"
    );
    assert!(
        !log.contains("ncommandi"),
        "a message body leaked into the log"
    );
}
