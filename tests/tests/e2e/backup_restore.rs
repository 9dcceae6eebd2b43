//! Backup and restore of both real daemons, taken while they run under load: data written →
//! `backup` (webhooks still arriving) → more writes → `restore` → exactly the backed-up data.

use resto_e2e::{sign, wa_text, wait_until, Edge, Relay, APP_SECRET};
use rusqlite::{Connection, OpenFlags};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

const PHONE: &str = "109876543210987";

fn post_ok(relay: &Relay, wamid: &str) {
    let body = wa_text(PHONE, wamid, "salam");
    let (code, _) = relay.post_signed(&body);
    assert_eq!(code, 200, "webhook {wamid}");
}

/// Posts distinct signed webhooks from a thread until `stop`; counts the 200s.
fn load(
    url: String,
    stop: Arc<AtomicBool>,
    acked: Arc<AtomicUsize>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let client = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .unwrap();
        let mut i = 0;
        while !stop.load(Ordering::SeqCst) {
            let body = wa_text(PHONE, &format!("wamid.load.{i}"), "load");
            let sig = sign(APP_SECRET, &body);
            if let Ok(r) = client
                .post(&url)
                .header("x-hub-signature-256", sig)
                .body(body)
                .send()
            {
                if r.status().as_u16() == 200 {
                    acked.fetch_add(1, Ordering::SeqCst);
                    i += 1;
                }
            }
        }
    })
}

fn ids(db: &Path, sql: &str) -> BTreeSet<String> {
    let c = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let mut st = c.prepare(sql).unwrap();
    st.query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

const RELAY_IDS: &str = "SELECT msg_id FROM seen_messages ORDER BY msg_id";
const EDGE_IDS: &str = "SELECT msg_id FROM inbound_messages ORDER BY msg_id";

#[test]
fn a_relay_backup_taken_under_load_restores_exactly_what_it_held() {
    let mut relay = Relay::start(&[]);
    let node = relay.add_node("shop");
    relay.add_route("wa", PHONE, &node);
    for i in 0..30 {
        post_ok(&relay, &format!("wamid.before.{i}"));
    }
    let (stop, acked) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicUsize::new(0)),
    );
    let loader = load(relay.url("/webhooks/meta"), stop.clone(), acked.clone());
    wait_until(60, "load is flowing", || acked.load(Ordering::SeqCst) >= 20);
    let backup = relay.dir.join("manual.db");
    let out = relay.cli(&["backup", "--out", backup.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("verified"), "{}", text(&out));
    let during = acked.load(Ordering::SeqCst);
    wait_until(60, "load continues after the backup", || {
        acked.load(Ordering::SeqCst) >= during + 20
    });
    stop.store(true, Ordering::SeqCst);
    loader.join().unwrap();

    let in_backup = ids(&backup, RELAY_IDS);
    for i in 0..30 {
        assert!(
            in_backup.contains(&format!("wamid.before.{i}")),
            "acknowledged before the backup, so in it"
        );
    }
    let load_in_backup = in_backup
        .iter()
        .filter(|m| m.starts_with("wamid.load."))
        .count();
    assert!(
        load_in_backup >= 20 && load_in_backup < acked.load(Ordering::SeqCst),
        "the backup is a snapshot taken mid-load: {load_in_backup} load messages"
    );
    for i in 0..10 {
        post_ok(&relay, &format!("wamid.after.{i}"));
    }
    let db = relay.dir.join("relay.db");

    let refused = relay.cli(&["restore", backup.to_str().unwrap(), "--force"]);
    assert!(!refused.status.success());
    assert!(
        text(&refused).contains("Stop it first"),
        "{}",
        text(&refused)
    );
    assert!(
        ids(&db, RELAY_IDS).contains("wamid.after.9"),
        "a refused restore changes nothing"
    );

    assert!(
        relay.stop().success(),
        "relay exits 0 on SIGTERM: {}",
        relay.log()
    );
    let refused = relay.cli(&["restore", backup.to_str().unwrap()]);
    assert!(text(&refused).contains("--force"), "{}", text(&refused));
    let out = relay.cli(&["restore", backup.to_str().unwrap(), "--force"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(ids(&db, RELAY_IDS), in_backup, "exactly the backed-up data");
    let aside: Vec<_> = std::fs::read_dir(&relay.dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            name.starts_with("relay.db.before-restore-")
                && !name.ends_with("-wal")
                && !name.ends_with("-shm")
        })
        .collect();
    assert_eq!(aside.len(), 1, "the replaced database is kept aside");
    assert!(ids(&aside[0], RELAY_IDS).contains("wamid.after.9"));

    // The restored relay serves, and the devices' credentials still work (master.key kept).
    relay.resume();
    post_ok(&relay, "wamid.restored.1");
    assert!(ids(&db, RELAY_IDS).contains("wamid.restored.1"));
}

#[test]
fn an_edge_backup_taken_while_it_applies_events_restores_exactly_what_it_held() {
    let relay = Relay::start(&[]);
    let (node, secret) = relay.enroll_node("shop");
    relay.add_route("wa", PHONE, &node);
    let mut edge = Edge::enroll_and_start(&relay.url(""), &node, &secret);
    for i in 0..20 {
        post_ok(&relay, &format!("wamid.before.{i}"));
    }
    wait_until(120, "the edge applied the first messages", || {
        edge.count("SELECT count(*) FROM inbound_messages WHERE msg_id LIKE 'wamid.before.%'") == 20
    });
    let (stop, acked) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicUsize::new(0)),
    );
    let loader = load(relay.url("/webhooks/meta"), stop.clone(), acked.clone());
    wait_until(120, "the edge is applying the load", || {
        edge.count("SELECT count(*) FROM inbound_messages WHERE msg_id LIKE 'wamid.load.%'") >= 10
    });
    let backup = edge.dir.join("manual.db");
    let out = edge.cli(&["backup", "--out", backup.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    stop.store(true, Ordering::SeqCst);
    loader.join().unwrap();
    let total_load = acked.load(Ordering::SeqCst);
    for i in 0..10 {
        post_ok(&relay, &format!("wamid.after.{i}"));
    }
    wait_until(120, "the edge applied everything", || {
        edge.count("SELECT count(*) FROM inbound_messages") == (20 + total_load + 10) as i64
    });
    let in_backup = ids(&backup, EDGE_IDS);
    assert!(
        in_backup.len() >= 30 && !in_backup.contains("wamid.after.0"),
        "{}",
        in_backup.len()
    );
    let backup_cursor: i64 = Connection::open(&backup)
        .unwrap()
        .query_row("SELECT cursor FROM sync_state", [], |r| r.get(0))
        .unwrap();

    let refused = edge.cli(&["restore", backup.to_str().unwrap(), "--force"]);
    assert!(
        text(&refused).contains("Stop it first"),
        "{}",
        text(&refused)
    );

    assert!(
        edge.stop().success(),
        "edge exits 0 on SIGTERM: {}",
        edge.log()
    );
    let db = edge.dir.join("edge.db");
    let out = edge.cli(&["restore", backup.to_str().unwrap()]);
    assert!(text(&out).contains("--force"), "{}", text(&out));
    let out = edge.cli(&["restore", backup.to_str().unwrap(), "--force"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(ids(&db, EDGE_IDS), in_backup, "exactly the backed-up data");
    let cursor: i64 = Connection::open(&db)
        .unwrap()
        .query_row("SELECT cursor FROM sync_state", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        cursor, backup_cursor,
        "the sync cursor went back with the data"
    );

    // Started again, the edge fetches what the relay still holds after that cursor: nothing
    // acknowledged within the relay's retention is lost by going back to a backup.
    edge.resume();
    wait_until(120, "the restored edge caught up from the relay", || {
        edge.count("SELECT count(*) FROM inbound_messages") == (20 + total_load + 10) as i64
    });
}
