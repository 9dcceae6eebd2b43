//! `RELAY_DATABASE_URL` on the real program's commands, against a throwaway PostgreSQL
//! cluster: `migrate` prepares the database (idempotent), `node`, `route`, `dlq`, `funnel` and
//! `preflight` work on it (`node add` and `preflight` guarded by the master-key fingerprint),
//! `backup` points to PostgreSQL's tools and `demo` to SQLite. Serving on it: `relay_pair.rs`
//! and the whole relay suite with `RESTO_E2E_RELAY_DB=postgres`.

use resto_e2e::pg::PgCluster;
use resto_e2e::{program, temp_dir, APP_SECRET};
use std::process::{Command, Output};

fn relay(dir: &std::path::Path, url: &str, args: &[&str]) -> Output {
    let mut c = Command::new(program("resto-relay"));
    c.env_remove("RELAY_CONFIG")
        .env("RELAY_DATA_DIR", dir)
        .env("RELAY_DATABASE_URL", url)
        .env("META_APP_SECRET", APP_SECRET)
        .env("RELAY_LISTEN", "127.0.0.1:0")
        .args(args);
    c.output().unwrap()
}

#[test]
fn admin_commands_and_preflight_work_on_postgres() {
    let cluster = PgCluster::start().unwrap_or_else(|e| panic!("{e}"));
    let url = cluster.create_database("relay").unwrap();
    let dir = temp_dir("relay-pg");

    let first = relay(&dir, &url, &["migrate"]);
    let said = String::from_utf8_lossy(&first.stdout);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(said.contains("applied V1__ingest"), "{said}");
    assert!(
        !said.contains("resto-test-password"),
        "the password is never printed: {said}"
    );
    let again = relay(&dir, &url, &["migrate"]);
    assert!(String::from_utf8_lossy(&again.stdout).contains("schema is up to date"));
    let shipped = std::fs::read_dir(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../migrations/relay-pg"
    ))
    .unwrap()
    .count();
    assert_eq!(
        cluster
            .psql("relay", "SELECT count(*) FROM refinery_schema_history")
            .unwrap(),
        shipped.to_string(),
        "every migration applied once"
    );

    // Nodes and routes work on PostgreSQL; the node secret is derived from this relay's
    // master.key, which the database now records as the deployment's.
    let added = relay(&dir, &url, &["node", "add", "Pizzeria", "--json"]);
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let added: serde_json::Value = serde_json::from_slice(&added.stdout).unwrap();
    let node = added["node_id"].as_str().unwrap();
    assert_eq!(added["node_secret"].as_str().unwrap().len(), 64);
    let route = relay(
        &dir,
        &url,
        &[
            "route",
            "add",
            "--provider",
            "wa",
            "--account",
            "100",
            "--node",
            node,
        ],
    );
    assert!(
        route.status.success(),
        "{}",
        String::from_utf8_lossy(&route.stderr)
    );
    let routes = relay(&dir, &url, &["route", "list", "--json"]);
    let routes: serde_json::Value = serde_json::from_slice(&routes.stdout).unwrap();
    assert_eq!(routes[0]["node_id"], node);
    assert_eq!(routes[0]["account_id"], "100");
    let nodes = relay(&dir, &url, &["node", "list", "--json"]);
    let nodes: serde_json::Value = serde_json::from_slice(&nodes.stdout).unwrap();
    assert_eq!(
        (nodes[0]["name"].as_str(), nodes[0]["routes"].as_u64()),
        (Some("Pizzeria"), Some(1))
    );

    // A second relay with another master.key cannot enroll devices into this deployment.
    let other = temp_dir("relay-pg-other");
    let refused = relay(&other, &url, &["node", "add", "Grill"]);
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(err.contains("same master.key"), "{err}");
    let count = cluster.psql("relay", "SELECT count(*) FROM nodes").unwrap();
    assert_eq!(count, "1");

    let dlq = relay(&dir, &url, &["dlq", "list"]);
    assert!(
        dlq.status.success(),
        "{}",
        String::from_utf8_lossy(&dlq.stderr)
    );
    assert!(String::from_utf8_lossy(&dlq.stdout).contains("dead-letter queue is empty"));
    // Backups of a PostgreSQL deployment are PostgreSQL's own, and the CLI says so.
    let backup = relay(&dir, &url, &["backup"]);
    let said = String::from_utf8_lossy(&backup.stderr);
    assert!(!backup.status.success());
    assert!(
        said.contains("pg_dump") && said.contains("pg_basebackup"),
        "{said}"
    );

    let funnel = relay(&dir, &url, &["funnel", "--json"]);
    assert!(
        funnel.status.success(),
        "{}",
        String::from_utf8_lossy(&funnel.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&funnel.stdout).trim(), "[]");

    // preflight reads the database without changing it: reachable, schema up to date, and
    // this relay's master.key checked against the deployment's.
    let ok = relay(&dir, &url, &["preflight"]);
    let said =
        String::from_utf8_lossy(&ok.stdout).to_string() + &String::from_utf8_lossy(&ok.stderr);
    assert!(!said.contains("master key"), "{said}");
    assert!(!said.contains("pending migration"), "{said}");
    assert!(!said.contains("resto-test-password"), "{said}");
    let wrong = relay(&other, &url, &["preflight"]);
    let said = String::from_utf8_lossy(&wrong.stdout).to_string()
        + &String::from_utf8_lossy(&wrong.stderr);
    assert!(!wrong.status.success());
    assert!(said.contains("not this deployment's master key"), "{said}");
    let unreachable = relay(&dir, &cluster.url_for("nosuchdb"), &["preflight"]);
    let said = String::from_utf8_lossy(&unreachable.stdout).to_string()
        + &String::from_utf8_lossy(&unreachable.stderr);
    assert!(!unreachable.status.success());
    assert!(
        said.contains("cannot read the PostgreSQL database"),
        "{said}"
    );
    assert!(!said.contains("resto-test-password"), "{said}");
    // The demo builds its own throwaway SQLite restaurant, never in a shared database.
    let demo = relay(&dir, &url, &["demo"]);
    assert!(!demo.status.success());
    assert!(String::from_utf8_lossy(&demo.stderr).contains("unset RELAY_DATABASE_URL"));
    // Nothing was written to SQLite behind the operator's back.
    assert!(!dir.join("relay.db").exists());

    let bad = relay(&dir, "mysql://u:p@h/db", &["migrate"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("must be a postgres:// URL"));
}
