//! Every retention purge and every hot query of the edge walks an index: none may read a
//! whole big table. Checked with `EXPLAIN QUERY PLAN` on a freshly migrated database. The
//! hot queries are copied from the modules that run them; change them here too.

use resto_edge::store::{self, retention};

const BIG: &[&str] = &[
    "applied_events",
    "inbound_messages",
    "message_statuses",
    "outbox",
    "orders",
    "customers",
    "conversations",
];

fn plan(c: &rusqlite::Connection, sql: &str) -> Vec<String> {
    resto_ops::query_plan::plan(c, sql).unwrap()
}

fn full_scans(lines: &[String]) -> Vec<String> {
    resto_ops::query_plan::full_scans(lines, BIG)
}

#[test]
fn purges_and_hot_queries_of_the_edge_use_indexes() {
    let dir = std::env::temp_dir().join(format!("edge-qp-{}", std::process::id()));
    let c = store::open(&dir.join("edge.db")).unwrap();
    let queries = [
        retention::PURGE_APPLIED_EVENTS,
        retention::PURGE_MESSAGE_STATUSES,
        retention::PURGE_INBOUND_MESSAGES,
        retention::PURGE_EXPIRED_SESSIONS,
        retention::PURGE_PRINTED_TICKETS,
        // The printer worker's look at its queue, twice a second per printer.
        "SELECT id, printer_id, order_id, kind, attempts, next_attempt_at FROM print_jobs \
         WHERE printer_id = ?1 AND status = 'waiting' ORDER BY id LIMIT 1",
        "INSERT OR IGNORE INTO applied_events (event_id, seq, applied_at) VALUES (?1, ?2, ?3)",
        "SELECT cursor FROM sync_state WHERE id = 1",
        "SELECT id, lang, lang_explicit FROM customers WHERE provider = ?1 AND user_id = ?2",
        "SELECT state, bot_paused FROM conversations WHERE customer_id = ?1",
        "SELECT id, number, status, eta FROM orders WHERE customer_id = ?1 ORDER BY id DESC LIMIT 1",
        "SELECT coalesce(max(daily_seq), 0) + 1 FROM orders WHERE day = ?1",
        "DELETE FROM outbox WHERE id = ?1",
        "SELECT min(created_at) FROM outbox",
    ];
    let mut bad = Vec::new();
    for q in queries {
        let p = plan(&c, q);
        if !full_scans(&p).is_empty() {
            bad.push(format!("{q}\n    -> {p:?}"));
        }
    }
    assert!(
        bad.is_empty(),
        "queries reading a whole table:\n{}",
        bad.join("\n")
    );
    for (q, index) in [
        (
            retention::PURGE_APPLIED_EVENTS,
            "applied_events_by_applied_at",
        ),
        (retention::PURGE_MESSAGE_STATUSES, "message_statuses_by_at"),
        (
            retention::PURGE_INBOUND_MESSAGES,
            "inbound_messages_by_received_at",
        ),
        (
            retention::PURGE_EXPIRED_SESSIONS,
            "staff_sessions_by_expiry",
        ),
        (retention::PURGE_PRINTED_TICKETS, "print_jobs_printed"),
    ] {
        assert!(
            plan(&c, q).iter().any(|l| l.contains(index)),
            "{q} does not use {index}"
        );
    }
    // The outbox drain reads the first 100 rows in rowid order: a bounded walk, not a scan.
    let drain = plan(
        &c,
        "SELECT id, kind, created_at, payload FROM outbox ORDER BY seq LIMIT 100",
    );
    assert_eq!(
        drain,
        vec!["SCAN outbox".to_string()],
        "rowid order, no sort step"
    );
    std::fs::remove_dir_all(dir).ok();
}
