//! Retention of the edge's high-churn tables. Orders, customers, conversations and the menu
//! are the restaurant's records and are never purged here. Delivered outbox rows need no
//! purge: they are deleted the moment the relay accepts them. Each DELETE walks an index on
//! its timestamp (see the `EXPLAIN QUERY PLAN` test).

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use rusqlite::{params, Connection};

#[derive(Debug, Clone, Copy)]
pub struct RetentionPolicy {
    pub applied_events: Duration,
    pub message_statuses: Duration,
    pub inbound_messages: Duration,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PurgeReport {
    pub applied_events: u64,
    pub message_statuses: u64,
    pub inbound_messages: u64,
}

pub const PURGE_APPLIED_EVENTS: &str = "DELETE FROM applied_events WHERE applied_at < ?1";
pub const PURGE_MESSAGE_STATUSES: &str = "DELETE FROM message_statuses WHERE at < ?1";
pub const PURGE_INBOUND_MESSAGES: &str = "DELETE FROM inbound_messages WHERE received_at < ?1";

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// One pass; each table in its own statement so the apply loop waits at most one DELETE.
pub fn purge(
    c: &Connection,
    now: DateTime<Utc>,
    p: &RetentionPolicy,
) -> rusqlite::Result<PurgeReport> {
    Ok(PurgeReport {
        applied_events: c.execute(PURGE_APPLIED_EVENTS, params![ts(now - p.applied_events)])?
            as u64,
        message_statuses: c.execute(
            PURGE_MESSAGE_STATUSES,
            params![ts(now - p.message_statuses)],
        )? as u64,
        inbound_messages: c.execute(
            PURGE_INBOUND_MESSAGES,
            params![ts(now - p.inbound_messages)],
        )? as u64,
    })
}
