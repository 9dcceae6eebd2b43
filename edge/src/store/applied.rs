//! The relay's event stream as the edge applied it: the ids of applied events (a resent event
//! is never applied twice), the cursor, and what events carried that is kept as it came
//! (customer messages, delivery statuses of what the edge sent).

use crate::store::Cached;
use resto_sync::{InboundMessage, MessageStatus};
use rusqlite::{params, Connection};

/// Records the event as applied; false when it already was.
pub fn mark_applied(c: &Connection, event_id: &str, seq: u64, at: &str) -> rusqlite::Result<bool> {
    let n = c.run(
        "INSERT OR IGNORE INTO applied_events (event_id, seq, applied_at) VALUES (?1, ?2, ?3)",
        params![event_id, seq as i64, at],
    )?;
    Ok(n == 1)
}

/// Moves the cursor forward (never back: batches may be re-polled) and notes the sync.
pub fn advance_cursor(c: &Connection, next_after: u64, at: &str) -> rusqlite::Result<()> {
    c.run(
        "UPDATE sync_state SET cursor = max(cursor, ?1), last_sync_at = ?2, offline_since = NULL, next_attempt_at = NULL WHERE id = 1",
        params![next_after as i64, at],
    )?;
    Ok(())
}

/// How far behind the relay the edge was when it applied its latest event.
pub fn set_relay_lag(c: &Connection, lag_ms: i64) -> rusqlite::Result<()> {
    c.run(
        "UPDATE sync_state SET relay_lag_ms = ?1 WHERE id = 1",
        params![lag_ms],
    )?;
    Ok(())
}

pub fn cursor(c: &Connection) -> rusqlite::Result<u64> {
    c.row("SELECT cursor FROM sync_state WHERE id = 1", [], |r| {
        r.get::<_, i64>(0)
    })
    .map(|c| c as u64)
}

/// Keeps a customer's message as it came; false when the same message (provider, msg_id)
/// was already kept under another event.
pub fn keep_inbound(
    c: &Connection,
    event_id: &str,
    msg: &InboundMessage,
) -> rusqlite::Result<bool> {
    let n = c.run(
        "INSERT OR IGNORE INTO inbound_messages (provider, msg_id, event_id, user_id, kind, received_at, payload) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            msg.provider.as_str(),
            msg.msg_id,
            event_id,
            msg.user_id,
            msg.kind.as_str(),
            msg.timestamp,
            serde_json::to_string(msg).unwrap_or_default()
        ],
    )?;
    Ok(n == 1)
}

/// Keeps a delivery status (sent, delivered, read, failed) of a message the edge sent;
/// `payload` is the event's payload as received.
pub fn keep_status(c: &Connection, st: &MessageStatus, payload: &str) -> rusqlite::Result<()> {
    c.run(
        "INSERT OR REPLACE INTO message_statuses (msg_id, status, outbox_id, at, payload) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![st.msg_id, st.status, st.outbox_id, st.timestamp, payload],
    )?;
    Ok(())
}

#[cfg(test)]
pub(crate) fn inbound_count(c: &Connection) -> rusqlite::Result<i64> {
    c.row("SELECT count(*) FROM inbound_messages", [], |r| r.get(0))
}

/// The outbox item whose send Graph answered with `msg_id` (from its `sent` status).
pub fn outbox_of(c: &Connection, msg_id: &str) -> rusqlite::Result<Option<String>> {
    use rusqlite::OptionalExtension;
    c.prepare_cached(
        "SELECT outbox_id FROM message_statuses WHERE msg_id = ?1 AND outbox_id IS NOT NULL LIMIT 1",
    )?
    .query_row(params![msg_id], |r| r.get(0))
    .optional()
}
