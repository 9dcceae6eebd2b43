//! `store::media` on PostgreSQL: the same queue of attachments to fetch, with the bytes in
//! `media_bodies` so any relay can serve what another fetched. Due rows are claimed
//! (`next_attempt_at` moved past `LEASE`, `FOR UPDATE SKIP LOCKED`): two relays never fetch
//! one attachment at once, and a relay that dies mid-download leaves it to the others.

use super::super::media::{DueMedia, FetchOutcome, MediaRow};
use super::super::{now_rfc3339, StoreError};
use super::PgStore;
use chrono::{SecondsFormat, Utc};
use resto_sync::{InboundMessage, Provider};

/// Longer than a download may take (the media client's timeout is 60 s).
const LEASE: chrono::Duration = chrono::Duration::seconds(120);

impl PgStore {
    /// Adds a row for every attachment of the inbound messages stored since the last scan;
    /// returns how many were added. Safe when relays scan at once: rows are unique by
    /// (node, message, index) and the scan position only moves forward.
    pub async fn scan_media(&self) -> Result<usize, StoreError> {
        let mut client = self.pool().get().await?;
        // Each node's end is read before its events: everything up to it is committed (the
        // seq guarantee of `writer.rs`), so moving the scan position there skips nothing.
        let nodes: Vec<(String, i64, i64)> = client
            .query(
                "SELECT n.id, COALESCE(s.last_seq, 0), n.last_seq FROM nodes n \
                 LEFT JOIN media_scan s ON s.node_id = n.id WHERE n.last_seq > COALESCE(s.last_seq, 0)",
                &[],
            )
            .await?
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect();
        let now = now_rfc3339();
        let mut added = 0;
        for (node, after, end) in nodes {
            let tx = client.transaction().await?;
            let events = tx
                .query(
                    "SELECT seq, payload FROM events WHERE node_id = $1 AND seq > $2 AND seq <= $3 \
                     AND kind = 'inbound_message' ORDER BY seq LIMIT 500",
                    &[&node, &after, &end],
                )
                .await?;
            let last: i64 = match events.last() {
                Some(r) if events.len() == 500 => r.get(0),
                _ => end,
            };
            for r in &events {
                let payload: String = r.get(1);
                let Ok(msg) = serde_json::from_str::<InboundMessage>(&payload) else {
                    continue;
                };
                for (idx, a) in msg.attachments.iter().enumerate() {
                    if a.media_id.is_none() && a.url.is_none() {
                        continue;
                    }
                    added += tx
                        .execute(
                            "INSERT INTO media (node_id, msg_id, idx, provider, account_id, kind, \
                             media_id, url, mime_type, sha256, next_attempt_at, created_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) \
                             ON CONFLICT (node_id, msg_id, idx) DO NOTHING",
                            &[
                                &node,
                                &msg.msg_id,
                                &(idx as i32),
                                &msg.provider.as_str(),
                                &msg.account_id,
                                &a.kind,
                                &a.media_id,
                                &a.url,
                                &a.mime_type,
                                &a.sha256,
                                &now,
                            ],
                        )
                        .await? as usize;
                }
            }
            tx.execute(
                "INSERT INTO media_scan (node_id, last_seq) VALUES ($1, $2) \
                 ON CONFLICT (node_id) DO UPDATE SET last_seq = GREATEST(media_scan.last_seq, excluded.last_seq)",
                &[&node, &last],
            )
            .await?;
            tx.commit().await?;
        }
        Ok(added)
    }

    /// Claims up to `limit` attachments whose fetch is due.
    pub async fn due_media(&self, limit: u32) -> Result<Vec<DueMedia>, StoreError> {
        let now = Utc::now();
        let ts = |t: chrono::DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Millis, true);
        let client = self.pool().get().await?;
        let rows = client
            .query(
                "WITH due AS ( \
                     SELECT id FROM media WHERE state = 'pending' AND next_attempt_at <= $1 \
                     ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED) \
                 UPDATE media m SET next_attempt_at = $3 FROM due WHERE m.id = due.id \
                 RETURNING m.id, m.provider, m.account_id, m.kind, m.media_id, m.url, m.mime_type, m.sha256, m.attempts",
                &[&ts(now), &(limit as i64), &ts(now + LEASE)],
            )
            .await?;
        let mut due: Vec<DueMedia> = rows
            .iter()
            .map(|r| DueMedia {
                id: r.get(0),
                provider: Provider::parse(r.get(1)).unwrap_or(Provider::Wa),
                account_id: r.get(2),
                kind: r.get(3),
                media_id: r.get(4),
                url: r.get(5),
                mime_type: r.get(6),
                sha256: r.get(7),
                attempts: r.get::<_, i32>(8) as u32,
            })
            .collect();
        due.sort_by_key(|d| d.id);
        Ok(due)
    }

    /// Records a fetch attempt; a fetched attachment's bytes are stored in the same
    /// transaction, so `fetched` always has its body.
    pub async fn record_media(
        &self,
        id: i64,
        outcome: FetchOutcome,
        body: Option<Vec<u8>>,
    ) -> Result<(), StoreError> {
        let now = now_rfc3339();
        let mut client = self.pool().get().await?;
        let tx = client.transaction().await?;
        match outcome {
            FetchOutcome::Fetched { mime_type, size } => {
                let body = body.ok_or_else(|| {
                    StoreError::Invalid(format!("media {id} fetched without its bytes"))
                })?;
                tx.execute(
                    "INSERT INTO media_bodies (media_id, body) VALUES ($1, $2) \
                     ON CONFLICT (media_id) DO UPDATE SET body = excluded.body",
                    &[&id, &body],
                )
                .await?;
                tx.execute(
                    "UPDATE media SET state = 'fetched', attempts = attempts + 1, mime_type = $2, \
                     size = $3, error = NULL, fetched_at = $4 WHERE id = $1",
                    &[&id, &mime_type, &(size as i64), &now],
                )
                .await?
            }
            FetchOutcome::Retry { error, at } => {
                tx.execute(
                    "UPDATE media SET attempts = attempts + 1, error = $2, next_attempt_at = $3 WHERE id = $1",
                    &[&id, &error, &at],
                )
                .await?
            }
            FetchOutcome::Failed { error } => {
                tx.execute(
                    "UPDATE media SET state = 'failed', attempts = attempts + 1, error = $2 WHERE id = $1",
                    &[&id, &error],
                )
                .await?
            }
        };
        tx.commit().await?;
        Ok(())
    }

    /// The node's attachment `idx` of message `msg_id`, if the relay has seen it.
    pub async fn media_for_node(
        &self,
        node_id: &str,
        msg_id: &str,
        idx: u32,
    ) -> Result<Option<MediaRow>, StoreError> {
        let client = self.pool().get().await?;
        Ok(client
            .query_opt(
                "SELECT id, state, mime_type, size, error FROM media \
                 WHERE node_id = $1 AND msg_id = $2 AND idx = $3",
                &[&node_id, &msg_id, &(idx as i32)],
            )
            .await?
            .map(|r| MediaRow {
                id: r.get(0),
                state: r.get(1),
                mime_type: r.get(2),
                size: r.get::<_, Option<i64>>(3).map(|n| n as u64),
                error: r.get(4),
            }))
    }

    /// The bytes of a fetched attachment from `from` on, with its whole length.
    pub async fn media_bytes(
        &self,
        id: i64,
        from: u64,
    ) -> Result<Option<(u64, Vec<u8>)>, StoreError> {
        let client = self.pool().get().await?;
        Ok(client
            .query_opt(
                "SELECT length(body)::int8, substring(body FROM $2::int8::int + 1) FROM media_bodies WHERE media_id = $1",
                &[&id, &(from as i64)],
            )
            .await?
            .map(|r| (r.get::<_, i64>(0) as u64, r.get(1))))
    }

    /// The node has every byte: they may go once the grace period is over.
    pub async fn media_delivered(&self, id: i64) -> Result<(), StoreError> {
        let client = self.pool().get().await?;
        client
            .execute(
                "UPDATE media SET state = 'delivered', delivered_at = $2 WHERE id = $1 AND state = 'fetched'",
                &[&id, &now_rfc3339()],
            )
            .await?;
        Ok(())
    }

    /// Forgets the bytes of media delivered before `before`; returns the rows purged.
    pub async fn purge_delivered_media(&self, before: String) -> Result<Vec<i64>, StoreError> {
        let mut client = self.pool().get().await?;
        let tx = client.transaction().await?;
        let ids: Vec<i64> = tx
            .query(
                "UPDATE media SET state = 'purged' WHERE state = 'delivered' AND delivered_at < $1 RETURNING id",
                &[&before],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        tx.execute("DELETE FROM media_bodies WHERE media_id = ANY($1)", &[&ids])
            .await?;
        tx.commit().await?;
        Ok(ids)
    }
}
