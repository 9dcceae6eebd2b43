//! Retention of the edge's high-churn tables. Orders, customers, conversations and the menu
//! are the restaurant's records and are never purged here. Delivered outbox rows need no
//! purge: they are deleted the moment the relay accepts them. Expired console sessions go too,
//! and kitchen tickets printed more than [`PRINTED_TICKETS_KEPT_DAYS`] ago. Each DELETE walks an index on
//! its timestamp (see the `EXPLAIN QUERY PLAN` test).

use super::fmt_ts;
use chrono::{DateTime, Duration, Utc};
use rusqlite::{params, Connection};

#[derive(Debug, Clone, Copy)]
pub struct RetentionPolicy {
    pub applied_events: Duration,
    pub message_statuses: Duration,
    pub inbound_messages: Duration,
    pub media: Duration,
}

impl RetentionPolicy {
    pub fn from_settings(s: &crate::config::upkeep::RetentionSettings) -> Self {
        RetentionPolicy {
            applied_events: Duration::days(s.applied_events_days.into()),
            message_statuses: Duration::days(s.message_statuses_days.into()),
            inbound_messages: Duration::days(s.inbound_messages_days.into()),
            media: Duration::days(s.media_days.into()),
        }
    }
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PurgeReport {
    pub applied_events: u64,
    pub message_statuses: u64,
    pub inbound_messages: u64,
    pub expired_sessions: u64,
    pub printed_tickets: u64,
    /// Media files whose rows were forgotten: the caller deletes them.
    pub media_files: Vec<String>,
}

pub const PURGE_APPLIED_EVENTS: &str = "DELETE FROM applied_events WHERE applied_at < ?1";
pub const PURGE_MESSAGE_STATUSES: &str = "DELETE FROM message_statuses WHERE at < ?1";
pub const PURGE_INBOUND_MESSAGES: &str = "DELETE FROM inbound_messages WHERE received_at < ?1";
/// Console sessions past their expiry can never be used again.
pub const PURGE_EXPIRED_SESSIONS: &str = "DELETE FROM staff_sessions WHERE expires_at < ?1";
/// A printed ticket's row only matters while its order may still be cancelled or changed
/// (a reprint is a new row).
pub const PRINTED_TICKETS_KEPT_DAYS: i64 = 30;
pub const PURGE_PRINTED_TICKETS: &str =
    "DELETE FROM print_jobs WHERE status = 'printed' AND printed_at < ?1";

/// One pass; each table in its own statement so the apply loop waits at most one DELETE.
pub fn purge(
    c: &Connection,
    now: DateTime<Utc>,
    p: &RetentionPolicy,
) -> rusqlite::Result<PurgeReport> {
    Ok(PurgeReport {
        applied_events: c.execute(
            PURGE_APPLIED_EVENTS,
            params![fmt_ts(now - p.applied_events)],
        )? as u64,
        message_statuses: c.execute(
            PURGE_MESSAGE_STATUSES,
            params![fmt_ts(now - p.message_statuses)],
        )? as u64,
        inbound_messages: c.execute(
            PURGE_INBOUND_MESSAGES,
            params![fmt_ts(now - p.inbound_messages)],
        )? as u64,
        expired_sessions: c.execute(PURGE_EXPIRED_SESSIONS, params![fmt_ts(now)])? as u64,
        printed_tickets: c.execute(
            PURGE_PRINTED_TICKETS,
            params![fmt_ts(now - Duration::days(PRINTED_TICKETS_KEPT_DAYS))],
        )? as u64,
        media_files: super::media::forget_before(c, &fmt_ts(now - p.media))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_receipts_event_ids_and_raw_messages_go_and_recent_ones_and_orders_stay() {
        let dir = std::env::temp_dir().join(format!("edge-ret-{}", ulid::Ulid::new()));
        let c = crate::store::open(&dir.join("edge.db")).unwrap();
        let now = Utc::now();
        let old = fmt_ts(now - Duration::days(200));
        let new = fmt_ts(now - Duration::hours(1));
        for (id, at) in [("e1", &old), ("e2", &new)] {
            c.execute(
                "INSERT INTO applied_events VALUES (?1, 1, ?2)",
                params![id, at],
            )
            .unwrap();
            c.execute(
                "INSERT INTO message_statuses VALUES (?1, 'read', NULL, ?2, '{}')",
                params![id, at],
            )
            .unwrap();
            c.execute(
                "INSERT INTO inbound_messages VALUES ('wa', ?1, ?1, 'u', 'text', ?2, '{}')",
                params![id, at],
            )
            .unwrap();
        }
        c.execute_batch(
            "INSERT INTO staff (id, name, role, password_hash, created_at, updated_at) VALUES (1, 'karim', 'staff', 'x', 'now', 'now');",
        )
        .unwrap();
        for (tok, exp) in [("gone", &old), ("live", &fmt_ts(now + Duration::hours(8)))] {
            c.execute(
                "INSERT INTO staff_sessions (token_hash, staff_id, csrf_token, created_at, expires_at) VALUES (?1, 1, 'c', ?2, ?2)",
                params![tok, exp],
            )
            .unwrap();
        }
        c.execute(
            "INSERT INTO printers (id, name, address, width_mm, lang, created_at) VALUES (1, 'cuisine', '10.0.0.9:9100', 80, 'fr', 'now')",
            [],
        )
        .unwrap();
        for (status, at) in [("printed", &old), ("printed", &new), ("waiting", &old)] {
            c.execute(
                "INSERT INTO print_jobs (printer_id, kind, status, next_attempt_at, created_at, printed_at) \
                 VALUES (1, 'order', ?1, ?2, ?2, CASE WHEN ?1 = 'printed' THEN ?2 END)",
                params![status, at],
            )
            .unwrap();
        }
        let policy = RetentionPolicy {
            applied_events: Duration::days(14),
            message_statuses: Duration::days(30),
            inbound_messages: Duration::days(90),
            media: Duration::days(30),
        };
        let r = purge(&c, now, &policy).unwrap();
        assert_eq!(
            r,
            PurgeReport {
                applied_events: 1,
                message_statuses: 1,
                inbound_messages: 1,
                expired_sessions: 1,
                printed_tickets: 1,
                media_files: Vec::new(),
            }
        );
        let left: String = c
            .query_row(
                "SELECT group_concat(event_id) FROM applied_events",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(left, "e2");
        let tickets: i64 = c
            .query_row("SELECT count(*) FROM print_jobs", [], |r| r.get(0))
            .unwrap();
        assert_eq!(tickets, 2, "a waiting ticket is never purged, however old");
        std::fs::remove_dir_all(dir).ok();
    }
}
