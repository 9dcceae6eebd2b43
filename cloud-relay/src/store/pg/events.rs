//! Reading a node's event log for the long-poll (DESIGN §3), as `store::events` on SQLite.

use super::super::events::NodeAuthInfo;
use super::super::{NodeGauge, StoreError};
use super::PgStore;
use chrono::{DateTime, SecondsFormat, Utc};
use resto_sync::{Event, EventKind};

impl PgStore {
    pub async fn node_auth_info(&self, node_id: &str) -> Result<Option<NodeAuthInfo>, StoreError> {
        let client = self.pool().get().await?;
        let row = client
            .query_opt(
                "SELECT secret_generation FROM nodes WHERE id = $1",
                &[&node_id],
            )
            .await?;
        Ok(row.map(|r| NodeAuthInfo {
            secret_generation: r.get::<_, i32>(0) as u32,
        }))
    }

    /// Events with `seq > after`, oldest first, at most `limit`. Never skips one: see the
    /// seq guarantee in `writer.rs`.
    pub async fn events_after(
        &self,
        node_id: &str,
        after: u64,
        limit: u32,
    ) -> Result<Vec<Event>, StoreError> {
        let client = self.pool().get().await?;
        // Every long-poll runs it: prepared once per pooled connection.
        let statement = client
            .prepare_cached(
                "SELECT seq, id, kind, received_at, payload, away_notice FROM events \
                 WHERE node_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
            )
            .await?;
        let rows = client
            .query(&statement, &[&node_id, &(after as i64), &(limit as i64)])
            .await?;
        rows.iter()
            .map(|r| {
                let seq: i64 = r.get(0);
                let kind: String = r.get(2);
                let received_at: DateTime<Utc> = r.get(3);
                let payload: String = r.get(4);
                Ok(Event {
                    seq: seq as u64,
                    id: r.get(1),
                    kind: EventKind::parse(&kind).ok_or_else(|| {
                        StoreError::Invalid(format!("event {seq} has unknown kind {kind}"))
                    })?,
                    received_at: received_at.to_rfc3339_opts(SecondsFormat::Millis, true),
                    payload: serde_json::from_str(&payload)
                        .map_err(|e| StoreError::Invalid(format!("event {seq}: {e}")))?,
                    away_notice: r.get(5),
                })
            })
            .collect()
    }

    /// The node's acknowledged seq and highest seq (for tests and the metrics page).
    pub async fn node_seqs(&self, node_id: &str) -> Result<Option<(u64, u64)>, StoreError> {
        let client = self.pool().get().await?;
        let row = client
            .query_opt(
                "SELECT acked_seq, last_seq FROM nodes WHERE id = $1",
                &[&node_id],
            )
            .await?;
        Ok(row.map(|r| (r.get::<_, i64>(0) as u64, r.get::<_, i64>(1) as u64)))
    }

    /// Per-node health for the metrics page (`Store::node_gauges`).
    pub async fn node_gauges(&self) -> Result<Vec<NodeGauge>, StoreError> {
        let client = self.pool().get().await?;
        let rows = client
            .query(
                "SELECT n.id, n.last_seq - n.acked_seq, \
                        (SELECT e.received_at FROM events e WHERE e.node_id = n.id AND e.seq > n.acked_seq ORDER BY e.seq LIMIT 1), \
                        n.last_seen_at FROM nodes n",
                &[],
            )
            .await?;
        let shown =
            |t: Option<DateTime<Utc>>| t.map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true));
        Ok(rows
            .iter()
            .map(|r| NodeGauge {
                node_id: r.get(0),
                backlog: r.get::<_, i64>(1).max(0) as u64,
                oldest_unacked_at: shown(r.get(2)),
                last_seen_at: shown(r.get(3)),
            })
            .collect())
    }
}

/// Appends one event to a node's log inside `tx` (a payment update, written with the change
/// it reports): the node row is locked `FOR NO KEY UPDATE` and the seq taken from
/// `last_seq`, as the group writer does, so the seq guarantee of `writer.rs` holds; the
/// NOTIFY reaches other relays at commit. The caller holds no node lock yet (lock order).
pub(crate) async fn append_event(
    tx: &deadpool_postgres::Transaction<'_>,
    node_id: &str,
    kind: EventKind,
    payload: &str,
) -> Result<u64, StoreError> {
    let last: i64 = tx
        .query_opt(
            "SELECT last_seq FROM nodes WHERE id = $1 FOR NO KEY UPDATE",
            &[&node_id],
        )
        .await?
        .ok_or_else(|| StoreError::Invalid(format!("node {node_id} does not exist")))?
        .get(0);
    let seq = last + 1;
    tx.execute(
        "INSERT INTO events (node_id, seq, id, kind, received_at, payload) VALUES ($1, $2, $3, $4, now(), $5)",
        &[&node_id, &seq, &super::super::new_event_id(), &kind.as_str(), &payload],
    )
    .await?;
    tx.execute(
        "UPDATE nodes SET last_seq = $2 WHERE id = $1",
        &[&node_id, &seq],
    )
    .await?;
    tx.execute(
        "SELECT pg_notify($1, $2)",
        &[&super::writer::CHANNEL, &format!("{node_id} {seq}")],
    )
    .await?;
    Ok(seq as u64)
}
