//! Reading a node's event log for the long-poll (DESIGN §3).

use super::{Store, StoreError};
use resto_sync::{Event, EventKind};
use rusqlite::{params, OptionalExtension};

/// What the relay knows about a node when it authenticates a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeAuthInfo {
    pub secret_generation: u32,
}

impl Store {
    pub async fn node_auth_info(&self, node_id: &str) -> Result<Option<NodeAuthInfo>, StoreError> {
        let node_id = node_id.to_string();
        self.read(move |c| {
            Ok(
                c.prepare_cached("SELECT secret_generation FROM nodes WHERE id = ?1")?
                    .query_row(params![node_id], |r| {
                        Ok(NodeAuthInfo {
                            secret_generation: r.get(0)?,
                        })
                    })
                    .optional()?,
            )
        })
        .await
    }

    /// Events with `seq > after`, oldest first, at most `limit`.
    pub async fn events_after(
        &self,
        node_id: &str,
        after: u64,
        limit: u32,
    ) -> Result<Vec<Event>, StoreError> {
        let node_id = node_id.to_string();
        self.read(move |c| {
            let mut st = c.prepare_cached(
                "SELECT seq, id, kind, received_at, payload, away_notice FROM events \
                 WHERE node_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
            )?;
            let rows = st.query_map(params![node_id, after as i64, limit], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, bool>(5)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (seq, id, kind, received_at, payload, away_notice) = row?;
                out.push(Event {
                    seq: seq as u64,
                    id,
                    kind: EventKind::parse(&kind).ok_or_else(|| {
                        StoreError::Invalid(format!("event {seq} has unknown kind {kind}"))
                    })?,
                    received_at,
                    payload: serde_json::from_str(&payload)
                        .map_err(|e| StoreError::Invalid(format!("event {seq}: {e}")))?,
                    away_notice,
                });
            }
            Ok(out)
        })
        .await
    }
}
