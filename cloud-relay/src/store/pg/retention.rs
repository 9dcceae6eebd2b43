//! Retention on PostgreSQL, with `store::retention`'s policies and reports. The event log:
//! acknowledged events go after a grace period; unacknowledged ones are kept `keep_unacked`
//! and counted (reported loudly) if they expire unread; dedupe keys outlive Meta's 7 days of
//! retries. `nodes.last_seq` is never touched, so purged seqs are never handed out again.
//!
//! Several relays may purge at once: the deletes are idempotent, and a second relay finds
//! nothing left (an event expired unread is reported by the relay that deleted it).

use super::super::retention::{
    HousekeepingPolicy, HousekeepingReport, PurgeReport, RetentionPolicy,
};
use super::super::StoreError;
use super::PgStore;
use chrono::{DateTime, Utc};

impl PgStore {
    /// One pass; each node in its own statement (no transaction held across nodes), so
    /// ingest is never held up for long.
    pub async fn purge(&self, policy: RetentionPolicy) -> Result<PurgeReport, StoreError> {
        self.purge_at(Utc::now(), policy).await
    }

    pub async fn purge_at(
        &self,
        now: DateTime<Utc>,
        policy: RetentionPolicy,
    ) -> Result<PurgeReport, StoreError> {
        let client = self.pool().get().await?;
        let mut report = PurgeReport::default();
        let acked_before = now - policy.acked_grace;
        let unacked_before = now - policy.keep_unacked;
        let nodes = client.query("SELECT id, acked_seq FROM nodes", &[]).await?;
        let acked_purge = client
            .prepare_cached(
                "DELETE FROM events WHERE node_id = $1 AND seq <= $2 AND received_at < $3",
            )
            .await?;
        let expired_purge = client
            .prepare_cached(
                "DELETE FROM events WHERE node_id = $1 AND seq > $2 AND received_at < $3",
            )
            .await?;
        for row in nodes {
            let (node, acked): (String, i64) = (row.get(0), row.get(1));
            report.acked_purged += client
                .execute(&acked_purge, &[&node, &acked, &acked_before])
                .await?;
            let expired = client
                .execute(&expired_purge, &[&node, &acked, &unacked_before])
                .await?;
            if expired > 0 {
                report.expired_unread.push((node, expired));
            }
        }
        report.dedupe_keys_purged = client
            .execute(
                "DELETE FROM seen_messages WHERE seen_at < $1",
                &[&(now - policy.keep_dedupe_keys)],
            )
            .await?;
        Ok(report)
    }

    /// The scheduled purges of everything but the event log (`store::retention::housekeeping`):
    /// old security events, old sent replies and who was told during old outages; dead
    /// letters stay until retried.
    pub async fn housekeeping(
        &self,
        policy: HousekeepingPolicy,
    ) -> Result<HousekeepingReport, StoreError> {
        let now = Utc::now();
        let client = self.pool().get().await?;
        // Who was told during an outage is kept as long as the notices themselves.
        client
            .execute(
                "DELETE FROM away_notices WHERE told_at < $1",
                &[&(now - policy.sent_outbox)],
            )
            .await?;
        Ok(HousekeepingReport {
            security_events: client
                .execute(
                    "DELETE FROM security_events WHERE at < $1",
                    &[&(now - policy.security_events)],
                )
                .await?,
            sent_outbox: client
                .execute(
                    "DELETE FROM outbox_items WHERE state = 'sent' AND received_at < $1",
                    &[&(now - policy.sent_outbox)],
                )
                .await?,
        })
    }
}
