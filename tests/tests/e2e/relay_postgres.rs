//! `RELAY_DATABASE_URL` on the real program, against a throwaway PostgreSQL cluster:
//! `migrate` prepares the database (idempotent), while `serve` and the SQLite-only commands
//! refuse to start rather than run half on PostgreSQL (issue 18 is built in steps).

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
fn migrate_prepares_postgres_and_serve_refuses_until_the_backend_is_complete() {
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
    assert_eq!(
        cluster
            .psql("relay", "SELECT count(*) FROM refinery_schema_history")
            .unwrap(),
        "1"
    );

    for args in [&["serve"][..], &["node", "add", "Pizzeria"], &["preflight"]] {
        let out = relay(&dir, &url, args);
        let err = String::from_utf8_lossy(&out.stderr).to_string()
            + &String::from_utf8_lossy(&out.stdout);
        assert!(!out.status.success(), "{args:?} must refuse: {err}");
        assert!(err.contains("cannot serve from yet"), "{args:?}: {err}");
        assert!(!err.contains("resto-test-password"), "{err}");
    }
    // Nothing was written to SQLite behind the operator's back.
    assert!(!dir.join("relay.db").exists());

    let bad = relay(&dir, "mysql://u:p@h/db", &["migrate"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("must be a postgres:// URL"));
}
