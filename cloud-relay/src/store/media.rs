//! Customers' media on the relay: which attachments are still to fetch, what was fetched or
//! refused, and what the node has taken (issue 16, `docs/relay.md` § Media).

use super::{now_rfc3339, Store, StoreError};
use resto_sync::{InboundMessage, Provider};
use rusqlite::{params, Connection, OptionalExtension};

/// An attachment still to fetch.
#[derive(Debug, Clone)]
pub struct DueMedia {
    pub id: i64,
    pub provider: Provider,
    pub account_id: String,
    pub kind: String,
    pub media_id: Option<String>,
    pub url: Option<String>,
    pub mime_type: Option<String>,
    pub sha256: Option<String>,
    pub attempts: u32,
}

/// A media row as the node's download sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaRow {
    pub id: i64,
    pub state: String,
    pub mime_type: Option<String>,
    pub size: Option<u64>,
    pub error: Option<String>,
}

/// What one fetch attempt came to.
#[derive(Debug, Clone)]
pub enum FetchOutcome {
    Fetched { mime_type: String, size: u64 },
    Retry { error: String, at: String },
    Failed { error: String },
}

impl Store {
    /// Adds a row for every attachment of the inbound messages stored since the last scan.
    /// Returns how many were added.
    pub async fn scan_media(&self) -> Result<usize, StoreError> {
        self.with_connection(|c| {
            let tx = c.transaction()?;
            let added = scan(&tx)?;
            tx.commit()?;
            Ok(added)
        })
        .await
    }

    pub async fn due_media(&self, limit: u32) -> Result<Vec<DueMedia>, StoreError> {
        let now = now_rfc3339();
        self.read(move |c| {
            let mut st = c.prepare_cached(
                "SELECT id, provider, account_id, kind, media_id, url, mime_type, sha256, attempts \
                 FROM media WHERE state = 'pending' AND next_attempt_at <= ?1 \
                 ORDER BY next_attempt_at LIMIT ?2",
            )?;
            let rows = st.query_map(params![now, limit], |r| {
                let provider: String = r.get(1)?;
                Ok(DueMedia {
                    id: r.get(0)?,
                    provider: Provider::parse(&provider).unwrap_or(Provider::Wa),
                    account_id: r.get(2)?,
                    kind: r.get(3)?,
                    media_id: r.get(4)?,
                    url: r.get(5)?,
                    mime_type: r.get(6)?,
                    sha256: r.get(7)?,
                    attempts: r.get(8)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    pub async fn record_media(&self, id: i64, outcome: FetchOutcome) -> Result<(), StoreError> {
        self.with_connection(move |c| {
            let now = now_rfc3339();
            match outcome {
                FetchOutcome::Fetched { mime_type, size } => c.execute(
                    "UPDATE media SET state = 'fetched', attempts = attempts + 1, mime_type = ?2, \
                     size = ?3, error = NULL, fetched_at = ?4 WHERE id = ?1",
                    params![id, mime_type, size as i64, now],
                )?,
                FetchOutcome::Retry { error, at } => c.execute(
                    "UPDATE media SET attempts = attempts + 1, error = ?2, next_attempt_at = ?3 \
                     WHERE id = ?1",
                    params![id, error, at],
                )?,
                FetchOutcome::Failed { error } => c.execute(
                    "UPDATE media SET state = 'failed', attempts = attempts + 1, error = ?2 \
                     WHERE id = ?1",
                    params![id, error],
                )?,
            };
            Ok(())
        })
        .await
    }

    /// The node's attachment `idx` of message `msg_id`, if the relay has seen it.
    pub async fn media_for_node(
        &self,
        node_id: &str,
        msg_id: &str,
        idx: u32,
    ) -> Result<Option<MediaRow>, StoreError> {
        let (node_id, msg_id) = (node_id.to_string(), msg_id.to_string());
        self.read(move |c| {
            Ok(c.prepare_cached(
                "SELECT id, state, mime_type, size, error FROM media \
                 WHERE node_id = ?1 AND msg_id = ?2 AND idx = ?3",
            )?
            .query_row(params![node_id, msg_id, idx], |r| {
                Ok(MediaRow {
                    id: r.get(0)?,
                    state: r.get(1)?,
                    mime_type: r.get(2)?,
                    size: r.get::<_, Option<i64>>(3)?.map(|n| n as u64),
                    error: r.get(4)?,
                })
            })
            .optional()?)
        })
        .await
    }

    /// The node has every byte: the file may go once the grace period is over.
    pub async fn media_delivered(&self, id: i64) -> Result<(), StoreError> {
        self.with_connection(move |c| {
            c.execute(
                "UPDATE media SET state = 'delivered', delivered_at = ?2 \
                 WHERE id = ?1 AND state = 'fetched'",
                params![id, now_rfc3339()],
            )?;
            Ok(())
        })
        .await
    }

    /// Rows whose file may be deleted (delivered before `before`); marks them purged.
    pub async fn purge_delivered_media(&self, before: String) -> Result<Vec<i64>, StoreError> {
        self.with_connection(move |c| {
            let tx = c.transaction()?;
            let ids: Vec<i64> = tx
                .prepare("SELECT id FROM media WHERE state = 'delivered' AND delivered_at < ?1")?
                .query_map(params![before], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            for id in &ids {
                tx.execute(
                    "UPDATE media SET state = 'purged' WHERE id = ?1",
                    params![id],
                )?;
            }
            tx.commit()?;
            Ok(ids)
        })
        .await
    }
}

/// One pass over every node's new inbound messages.
fn scan(c: &Connection) -> Result<usize, StoreError> {
    let nodes: Vec<(String, i64)> = c
        .prepare(
            "SELECT n.id, COALESCE(s.last_seq, 0) FROM nodes n \
             LEFT JOIN media_scan s ON s.node_id = n.id WHERE n.last_seq > COALESCE(s.last_seq, 0)",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let now = now_rfc3339();
    let mut added = 0;
    for (node, after) in nodes {
        let events: Vec<(i64, String, String)> = c
            .prepare_cached(
                "SELECT seq, kind, payload FROM events WHERE node_id = ?1 AND seq > ?2 \
                 ORDER BY seq LIMIT 500",
            )?
            .query_map(params![node, after], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?
            .collect::<Result<_, _>>()?;
        let Some(last) = events.last().map(|e| e.0) else {
            continue;
        };
        for (_, kind, payload) in &events {
            if kind != "inbound_message" {
                continue;
            }
            let Ok(msg) = serde_json::from_str::<InboundMessage>(payload) else {
                continue;
            };
            for (idx, a) in msg.attachments.iter().enumerate() {
                if a.media_id.is_none() && a.url.is_none() {
                    continue;
                }
                added += c.execute(
                    "INSERT OR IGNORE INTO media (node_id, msg_id, idx, provider, account_id, kind, \
                     media_id, url, mime_type, sha256, next_attempt_at, created_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)",
                    params![
                        node,
                        msg.msg_id,
                        idx as i64,
                        msg.provider.as_str(),
                        msg.account_id,
                        a.kind,
                        a.media_id,
                        a.url,
                        a.mime_type,
                        a.sha256,
                        now
                    ],
                )?;
            }
        }
        c.execute(
            "INSERT INTO media_scan (node_id, last_seq) VALUES (?1, ?2) \
             ON CONFLICT(node_id) DO UPDATE SET last_seq = excluded.last_seq",
            params![node, last],
        )?;
    }
    Ok(added)
}
