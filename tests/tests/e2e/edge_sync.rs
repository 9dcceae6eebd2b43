//! The real edge, enrolled with the real relay: customer messages flow down the long-poll into
//! the edge's database, and the edge's outbox drains up to the relay.

use resto_e2e::{program, wa_text, wait_until, Edge, Relay};
use std::os::unix::fs::PermissionsExt;
use std::process::Command;

#[test]
fn messages_reach_the_edge_and_its_outbox_drains_to_the_relay() {
    let relay = Relay::start(&[]);
    let (node, secret) = relay.enroll_node("pizzeria");
    relay.add_route("wa", "109876543210987", &node);
    let edge = Edge::enroll_and_start(&relay.url(""), &node, &secret);
    let mode = std::fs::metadata(edge.dir.join("edge.toml"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600, "the device config holds the node secret");
    assert!(!edge.log().contains(&secret));

    for i in 0..3 {
        relay.post_signed(&wa_text(
            "109876543210987",
            &format!("wamid.edge.{i}"),
            &format!("message {i}"),
        ));
    }
    wait_until(20, "3 messages applied on the edge", || {
        edge.count("SELECT count(*) FROM inbound_messages") == 3
    });
    assert_eq!(edge.count("SELECT cursor FROM sync_state"), 3);
    assert_eq!(edge.count("SELECT count(*) FROM applied_events"), 3);

    edge.db()
        .execute(
            "INSERT INTO outbox (id, kind, created_at, payload) VALUES ('01JDXD0000000000000000000A', 'send_message', '2026-11-23T10:00:00.000Z', ?1)",
            [serde_json::json!({"provider": "wa", "account_id": "109876543210987", "to": "213555010101",
                "message": {"type": "text", "text": "Bien reçu !"}}).to_string()],
        )
        .unwrap();
    wait_until(20, "the outbox drained", || {
        edge.count("SELECT count(*) FROM outbox") == 0
    });
    assert_eq!(
        relay.count("SELECT count(*) FROM outbox_items WHERE id = '01JDXD0000000000000000000A'"),
        1
    );

    let status = Command::new(program("resto-edge"))
        .env("EDGE_DATA_DIR", &edge.dir)
        .arg("status")
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(v["state"], "connected");
    assert_eq!(v["outbox_backlog"], 0);
    let metrics = reqwest::blocking::get(format!("http://{}/metrics", edge.console))
        .unwrap()
        .text()
        .unwrap();
    for line in [
        "resto_edge_connected 1",
        "resto_edge_outbox_backlog 0",
        "resto_edge_cursor ",
    ] {
        assert!(metrics.contains(line), "{line} missing in\n{metrics}");
    }
}

#[test]
fn enroll_refuses_a_file_that_is_not_a_node_secret() {
    let dir = resto_e2e::temp_dir("enroll");
    let f = dir.join("s");
    std::fs::write(&f, "not-a-secret").unwrap();
    let out = Command::new(program("resto-edge"))
        .env("EDGE_DATA_DIR", &dir)
        .args([
            "enroll",
            "--relay",
            "http://127.0.0.1:1",
            "--node-id",
            "node_x",
            "--secret-file",
        ])
        .arg(&f)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("resto-relay node add"));
    assert!(!dir.join("edge.toml").exists());
}
