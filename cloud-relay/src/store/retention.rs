//! Retention of the event log (DESIGN §2): acknowledged events go after a grace period;
//! unacknowledged ones are kept `keep_unacked` and, if they expire unread, are counted and
//! reported loudly — never dropped silently. Dedupe keys outlive Meta's 7-day retries.

use super::StoreError;
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use rusqlite::{params, Connection};

#[derive(Debug, Clone, Copy)]
pub struct RetentionPolicy {
    pub acked_grace: Duration,
    pub keep_unacked: Duration,
    pub keep_dedupe_keys: Duration,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        RetentionPolicy {
            acked_grace: Duration::hours(24),
            keep_unacked: Duration::days(7),
            keep_dedupe_keys: Duration::days(8),
        }
    }
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PurgeReport {
    pub acked_purged: u64,
    /// (node_id, events that expired before the node read them)
    pub expired_unread: Vec<(String, u64)>,
    pub dedupe_keys_purged: u64,
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// One pass; each node in its own short transaction so the writer is never held up long.
pub fn purge(
    conn: &mut Connection,
    now: DateTime<Utc>,
    policy: &RetentionPolicy,
) -> Result<PurgeReport, StoreError> {
    let mut report = PurgeReport::default();
    let nodes: Vec<(String, i64)> = {
        let mut st = conn.prepare("SELECT id, acked_seq FROM nodes")?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    let acked_before = ts(now - policy.acked_grace);
    let unacked_before = ts(now - policy.keep_unacked);
    for (node, acked) in nodes {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        report.acked_purged += tx.execute(
            "DELETE FROM events WHERE node_id = ?1 AND seq <= ?2 AND received_at < ?3",
            params![node, acked, acked_before],
        )? as u64;
        let expired = tx.execute(
            "DELETE FROM events WHERE node_id = ?1 AND seq > ?2 AND received_at < ?3",
            params![node, acked, unacked_before],
        )? as u64;
        tx.commit()?;
        if expired > 0 {
            report.expired_unread.push((node, expired));
        }
    }
    report.dedupe_keys_purged = purge_dedupe_keys(conn, &ts(now - policy.keep_dedupe_keys))?;
    Ok(report)
}

/// Two subqueries: SQLite answers a lone min() or max() from the end of the rowid B-tree,
/// but both in one SELECT would scan.
pub const DEDUPE_ID_RANGE: &str =
    "SELECT (SELECT min(id) FROM seen_messages), (SELECT max(id) FROM seen_messages)";
pub const DEDUPE_SEEN_AT_FROM: &str =
    "SELECT id, seen_at FROM seen_messages WHERE id >= ?1 ORDER BY id LIMIT 1";
/// The newest key is always kept, so `seen_messages` ids are never handed out twice (the
/// writer's index reads rows above the last id it knows, `store/dedupe.rs`).
pub const PURGE_DEDUPE_KEYS: &str =
    "DELETE FROM seen_messages WHERE id < ?1 AND id < (SELECT max(id) FROM seen_messages)";

/// Keys are appended in arrival order, so `seen_at` grows with `id` and the keys to forget
/// are a prefix of the table, found by binary search instead of an index every webhook
/// would pay for. A clock stepped back at most shifts the cut by that step, well inside
/// the day of margin the dedupe window keeps over Meta's 7 days of retries.
fn purge_dedupe_keys(conn: &Connection, before: &str) -> Result<u64, StoreError> {
    let (lo, hi): (Option<i64>, Option<i64>) =
        conn.query_row(DEDUPE_ID_RANGE, [], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let (Some(lo), Some(hi)) = (lo, hi) else {
        return Ok(0);
    };
    let mut probe = conn.prepare_cached(DEDUPE_SEEN_AT_FROM)?;
    let cut = first_not_before(lo, hi, before, |id| {
        probe
            .query_row(params![id], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(StoreError::from)
    })?;
    Ok(conn.execute(PURGE_DEDUPE_KEYS, params![cut])? as u64)
}

/// The first id in `lo..=hi` whose row was seen at or after `before` (`hi + 1` if none),
/// for ids whose `seen_at` does not decrease. `row_from(id)` returns the first row at or
/// after `id` (ids may have gaps).
fn first_not_before(
    mut lo: i64,
    hi: i64,
    before: &str,
    mut row_from: impl FnMut(i64) -> Result<(i64, String), StoreError>,
) -> Result<i64, StoreError> {
    let mut cut = hi + 1;
    let mut hi = hi;
    while lo <= hi {
        let mid = lo + (hi - lo) / 2;
        let (id, seen_at) = row_from(mid)?;
        if seen_at.as_str() >= before {
            cut = cut.min(id);
            hi = mid - 1;
        } else {
            lo = id + 1;
        }
    }
    Ok(cut)
}

/// The scheduled purges of everything but the event log.
#[derive(Debug, Clone, Copy)]
pub struct HousekeepingPolicy {
    pub security_events: Duration,
    pub sent_outbox: Duration,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct HousekeepingReport {
    pub security_events: u64,
    pub sent_outbox: u64,
}

pub const PURGE_SECURITY_EVENTS: &str = "DELETE FROM security_events WHERE at < ?1";
/// Dead-lettered replies stay until someone retries or inspects them. `INDEXED BY`: without
/// statistics the planner prefers `(state, next_attempt_at)`, which walks every sent row.
pub const PURGE_SENT_OUTBOX: &str =
    "DELETE FROM outbox_items INDEXED BY outbox_items_sent_by_received_at \
     WHERE state = 'sent' AND received_at < ?1";
pub const COUNT_DEAD: &str = "SELECT count(*) FROM outbox_items WHERE state = 'dead'";

pub fn housekeeping(
    conn: &Connection,
    now: DateTime<Utc>,
    policy: &HousekeepingPolicy,
) -> Result<HousekeepingReport, StoreError> {
    // Who was told during an outage is kept as long as the notices themselves.
    conn.execute(
        super::away::PURGE_AWAY_NOTICES,
        params![ts(now - policy.sent_outbox)],
    )?;
    Ok(HousekeepingReport {
        security_events: conn.execute(
            PURGE_SECURITY_EVENTS,
            params![ts(now - policy.security_events)],
        )? as u64,
        sent_outbox: conn.execute(PURGE_SENT_OUTBOX, params![ts(now - policy.sent_outbox)])? as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cut_is_the_first_recent_key_even_across_gaps_in_ids() {
        // ids with gaps (purged or rolled back), seen_at growing with id.
        let rows: Vec<(i64, String)> = [(3, "a"), (4, "b"), (9, "b"), (10, "c"), (15, "d")]
            .into_iter()
            .map(|(i, t)| (i, t.to_string()))
            .collect();
        let from = |id: i64| Ok(rows.iter().find(|(i, _)| *i >= id).unwrap().clone());
        assert_eq!(first_not_before(3, 15, "a", from).unwrap(), 3);
        assert_eq!(first_not_before(3, 15, "b", from).unwrap(), 4);
        assert_eq!(first_not_before(3, 15, "c", from).unwrap(), 10);
        assert_eq!(first_not_before(3, 15, "d", from).unwrap(), 15);
        assert_eq!(first_not_before(3, 15, "e", from).unwrap(), 16, "all old");
    }
    use crate::store::{admin, migrate, open_connection};

    #[test]
    fn acknowledged_events_go_after_the_grace_and_unread_ones_are_counted_when_they_expire() {
        let dir = std::env::temp_dir().join(format!("relay-ret-{}", ulid::Ulid::new()));
        let path = dir.join("relay.db");
        migrate(&path).unwrap();
        let mut c = open_connection(&path).unwrap();
        let node = admin::add_node(&mut c, "n").unwrap().id;
        let now = Utc::now();
        let at = |d: Duration| ts(now - d);
        // seq 1-2 acknowledged (old, recent), 3-4 unread (expired, recent).
        for (seq, age) in [
            (1, Duration::days(2)),
            (2, Duration::hours(1)),
            (3, Duration::days(8)),
            (4, Duration::hours(2)),
        ] {
            c.execute(
                "INSERT INTO events (node_id, seq, id, kind, received_at, payload) VALUES (?1, ?2, ?3, 'inbound_message', ?4, '{}')",
                params![node, seq, format!("evt_{seq}"), at(age)],
            )
            .unwrap();
        }
        c.execute(
            "UPDATE nodes SET last_seq = 4, acked_seq = 2 WHERE id = ?1",
            params![node],
        )
        .unwrap();
        c.execute(
            "INSERT INTO seen_messages (provider, msg_id, seen_at) VALUES ('wa', 'old', ?1), ('wa', 'new', ?2)",
            params![at(Duration::days(9)), at(Duration::days(1))],
        )
        .unwrap();
        let report = purge(&mut c, now, &RetentionPolicy::default()).unwrap();
        assert_eq!(report.acked_purged, 1);
        assert_eq!(report.expired_unread, vec![(node.clone(), 1)]);
        assert_eq!(report.dedupe_keys_purged, 1);
        let left: Vec<i64> = c
            .prepare("SELECT seq FROM events ORDER BY seq")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(left, vec![2, 4]);
        let last: i64 = c
            .query_row("SELECT last_seq FROM nodes", [], |r| r.get(0))
            .unwrap();
        assert_eq!(last, 4, "seqs are never reused after a purge");
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn housekeeping_forgets_old_sent_replies_and_security_events_but_keeps_the_dead_letters() {
        let dir = std::env::temp_dir().join(format!("relay-hk-{}", ulid::Ulid::new()));
        let path = dir.join("relay.db");
        migrate(&path).unwrap();
        let mut c = open_connection(&path).unwrap();
        let node = admin::add_node(&mut c, "n").unwrap().id;
        let now = Utc::now();
        let old = ts(now - Duration::days(30));
        let new = ts(now - Duration::hours(1));
        for (id, state, at) in [
            ("a", "sent", &old),
            ("b", "sent", &new),
            ("c", "dead", &old),
            ("d", "queued", &old),
        ] {
            c.execute(
                "INSERT INTO outbox_items (node_id, id, kind, created_at, received_at, payload, state, next_attempt_at) \
                 VALUES (?1, ?2, 'send_message', ?3, ?3, '{}', ?4, ?3)",
                params![node, id, at, state],
            )
            .unwrap();
        }
        c.execute(
            "INSERT INTO security_events (type, reason, at) VALUES ('AUTH_DENY', 'x', ?1), ('AUTH_DENY', 'y', ?2)",
            params![ts(now - Duration::days(100)), new],
        )
        .unwrap();
        let policy = HousekeepingPolicy {
            security_events: Duration::days(90),
            sent_outbox: Duration::days(14),
        };
        let r = housekeeping(&c, now, &policy).unwrap();
        assert_eq!(
            r,
            HousekeepingReport {
                security_events: 1,
                sent_outbox: 1
            }
        );
        let left: Vec<String> = c
            .prepare("SELECT id FROM outbox_items ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(left, vec!["b", "c", "d"]);
        std::fs::remove_dir_all(dir).ok();
    }
}
