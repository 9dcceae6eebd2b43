//! Every retention purge and every hot query of the relay walks an index: none may read a
//! whole big table (`SCAN events` without an index). Checked with `EXPLAIN QUERY PLAN` on a
//! freshly migrated database. The hot queries are copied from the store modules; when one
//! changes, change it here too.

use resto_relay::store::{self, retention};

const BIG: &[&str] = &[
    "events",
    "seen_messages",
    "security_events",
    "outbox_items",
    "unrouted_events",
];

fn plan(c: &rusqlite::Connection, sql: &str) -> Vec<String> {
    resto_ops::query_plan::plan(c, sql).unwrap()
}

fn full_scans(lines: &[String]) -> Vec<String> {
    resto_ops::query_plan::full_scans(lines, BIG)
}

#[test]
fn purges_and_hot_queries_of_the_relay_use_indexes() {
    let dir = std::env::temp_dir().join(format!("relay-qp-{}", std::process::id()));
    let path = dir.join("relay.db");
    store::migrate(&path).unwrap();
    let c = store::open_connection(&path).unwrap();
    let queries = [
        // retention
        "DELETE FROM events WHERE node_id = ?1 AND seq <= ?2 AND received_at < ?3",
        "DELETE FROM events WHERE node_id = ?1 AND seq > ?2 AND received_at < ?3",
        retention::PURGE_DEDUPE_KEYS,
        retention::DEDUPE_ID_RANGE,
        retention::DEDUPE_SEEN_AT_FROM,
        retention::PURGE_SECURITY_EVENTS,
        retention::PURGE_SENT_OUTBOX,
        retention::COUNT_DEAD,
        // long-poll, sender, metrics, DLQ
        "SELECT seq, id, kind, received_at, payload FROM events WHERE node_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
        store::outbox::DUE_HEADS,
        store::outbox::QUEUED_AFTER,
        store::outbox::PROMOTE_HEAD,
        store::outbox::RESET_HEAD,
        store::outbox::INSERT_ITEM,
        "UPDATE outbox_items SET state = 'sent', head = 0, provider_msg_id = ?3, last_error = NULL WHERE node_id = ?1 AND id = ?2 RETURNING account, recipient",
        "SELECT e.received_at FROM events e WHERE e.node_id = ?1 AND e.seq > ?2 ORDER BY e.seq LIMIT 1",
        "SELECT node_id, id, attempts, last_error, received_at, released_later FROM outbox_items WHERE state = 'dead' ORDER BY received_at, id",
        "SELECT id, provider, msg_id, seen_at FROM seen_messages WHERE id > ?1 ORDER BY id",
        "SELECT id, kind, received_at, payload FROM unrouted_events WHERE provider = ?1 AND account_id = ?2 ORDER BY received_at",
    ];
    let mut bad = Vec::new();
    for q in queries {
        let p = plan(&c, q);
        let scans = full_scans(&p);
        if !scans.is_empty() {
            bad.push(format!("{q}\n    -> {p:?}"));
        }
    }
    assert!(
        bad.is_empty(),
        "queries reading a whole table:\n{}",
        bad.join("\n")
    );
    // And the new purges really walk the index made for them.
    assert!(plan(&c, retention::PURGE_SENT_OUTBOX)
        .iter()
        .any(|l| l.contains("outbox_items_sent_by_received_at")));
    // The sender finds each customer's next reply through the index of heads alone.
    assert!(plan(&c, store::outbox::DUE_HEADS)
        .iter()
        .any(|l| l.contains("outbox_items_due_heads")));
    assert!(plan(&c, retention::PURGE_SECURITY_EVENTS)
        .iter()
        .any(|l| l.contains("security_events_by_at")));
    std::fs::remove_dir_all(dir).ok();
}
