//! The relay's outbox: items waiting to be sent to Meta, and the dead-letter queue.

use super::{now_rfc3339, Store, StoreError};
use resto_sync::Provider;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

/// A queued item whose next attempt is due.
#[derive(Debug, Clone)]
pub struct DueItem {
    pub node_id: String,
    pub id: String,
    pub payload: String,
    /// Attempts made before this one.
    pub attempts: u32,
}

/// A change to one outbox item, committed by the writer.
#[derive(Debug, Clone, PartialEq)]
pub enum OutboxChange {
    /// About to send: counts the attempt and leases the item until `until`, so a relay killed
    /// mid-send retries it after the lease instead of never or at once.
    Claim {
        until: String,
    },
    Sent {
        provider_msg_id: String,
    },
    Retry {
        at: String,
        error: String,
    },
    Dead {
        error: String,
    },
}

#[derive(Debug, Clone)]
pub struct OutboxUpdate {
    pub node_id: String,
    pub id: String,
    pub change: OutboxChange,
    /// A `message_status` event to append to the node's log in the same transaction.
    pub status_event: Option<String>,
}

impl Store {
    pub async fn due_outbox(&self, limit: u32) -> Result<Vec<DueItem>, StoreError> {
        self.read(move |c| {
            let mut st = c.prepare_cached(
                "SELECT node_id, id, payload, attempts FROM outbox_items \
                 WHERE state = 'queued' AND next_attempt_at <= ?1 \
                 ORDER BY next_attempt_at LIMIT ?2",
            )?;
            let rows = st.query_map(params![now_rfc3339(), limit], |r| {
                Ok(DueItem {
                    node_id: r.get(0)?,
                    id: r.get(1)?,
                    payload: r.get(2)?,
                    attempts: r.get(3)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    /// The Meta access token of a route (tokens live only on the relay).
    pub async fn access_token(
        &self,
        provider: Provider,
        account_id: &str,
    ) -> Result<Option<String>, StoreError> {
        let account_id = account_id.to_string();
        self.read(move |c| {
            Ok(c.prepare_cached(
                "SELECT access_token FROM routes WHERE provider = ?1 AND account_id = ?2",
            )?
            .query_row(params![provider.as_str(), account_id], |r| {
                r.get::<_, Option<String>>(0)
            })
            .optional()?
            .flatten())
        })
        .await
    }
}

/// Applies one change inside the writer's transaction.
pub(super) fn apply_change(conn: &Connection, u: &OutboxUpdate) -> Result<(), StoreError> {
    let (sql, a, b): (&str, Option<&str>, Option<&str>) = match &u.change {
        OutboxChange::Claim { until } => (
            "UPDATE outbox_items SET attempts = attempts + 1, next_attempt_at = ?3 \
             WHERE node_id = ?1 AND id = ?2 AND state = 'queued'",
            Some(until),
            None,
        ),
        OutboxChange::Sent { provider_msg_id } => (
            "UPDATE outbox_items SET state = 'sent', provider_msg_id = ?3, last_error = NULL \
             WHERE node_id = ?1 AND id = ?2",
            Some(provider_msg_id),
            None,
        ),
        OutboxChange::Retry { at, error } => (
            "UPDATE outbox_items SET next_attempt_at = ?3, last_error = ?4 \
             WHERE node_id = ?1 AND id = ?2 AND state = 'queued'",
            Some(at),
            Some(error),
        ),
        OutboxChange::Dead { error } => (
            "UPDATE outbox_items SET state = 'dead', last_error = ?3 WHERE node_id = ?1 AND id = ?2",
            Some(error),
            None,
        ),
    };
    let mut st = conn.prepare_cached(sql)?;
    match b {
        Some(b) => st.execute(params![u.node_id, u.id, a, b])?,
        None => st.execute(params![u.node_id, u.id, a])?,
    };
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
pub struct DeadLetter {
    pub node_id: String,
    pub id: String,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub received_at: String,
}

pub fn list_dead(conn: &Connection) -> Result<Vec<DeadLetter>, StoreError> {
    let mut st = conn.prepare(
        "SELECT node_id, id, attempts, last_error, received_at FROM outbox_items \
         WHERE state = 'dead' ORDER BY received_at, id",
    )?;
    let rows = st.query_map([], |r| {
        Ok(DeadLetter {
            node_id: r.get(0)?,
            id: r.get(1)?,
            attempts: r.get(2)?,
            last_error: r.get(3)?,
            received_at: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Puts dead items (one id, or all when `id` is None) back in the queue, due now, with a
/// fresh attempt budget. Returns how many were requeued.
pub fn retry_dead(conn: &Connection, id: Option<&str>) -> Result<usize, StoreError> {
    let n = conn.execute(
        "UPDATE outbox_items SET state = 'queued', attempts = 0, next_attempt_at = ?1 \
         WHERE state = 'dead' AND (?2 IS NULL OR id = ?2)",
        params![now_rfc3339(), id],
    )?;
    Ok(n)
}
