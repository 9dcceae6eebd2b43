//! The operator's funnel on PostgreSQL (`store::funnel` on SQLite, same rows): per node, UTC
//! day and channel, inbound messages, distinct senders, senders who came through an ad or a
//! referral, and replies sent.

use super::super::funnel::RelayFunnelRow;
use super::super::StoreError;
use super::PgStore;
use chrono::{DateTime, Utc};

impl PgStore {
    /// Since `since`, within event retention.
    pub async fn relay_funnel(
        &self,
        since: DateTime<Utc>,
    ) -> Result<Vec<RelayFunnelRow>, StoreError> {
        let client = self.pool().get().await?;
        // `->>` is NULL for a JSON null too, as SQLite's json_extract.
        let rows = client
            .query(
                "WITH inbound AS ( \
                    SELECT e.node_id, to_char(e.received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, \
                           e.payload::jsonb ->> 'provider' AS channel, e.payload::jsonb ->> 'user_id' AS sender, \
                           (e.payload::jsonb ->> 'referral') IS NOT NULL AS referred \
                    FROM events e WHERE e.kind = 'inbound_message' AND e.received_at >= $1), \
                 replies AS ( \
                    SELECT o.node_id, to_char(o.received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, \
                           o.payload::jsonb ->> 'provider' AS channel, count(*) AS n \
                    FROM outbox_items o WHERE o.state = 'sent' AND o.received_at >= $1 GROUP BY 1, 2, 3) \
                 SELECT i.node_id, n.name, i.day, i.channel, count(*), count(DISTINCT i.sender), \
                        count(DISTINCT CASE WHEN i.referred THEN i.sender END), coalesce(max(r.n), 0) \
                 FROM inbound i JOIN nodes n ON n.id = i.node_id \
                 LEFT JOIN replies r ON r.node_id = i.node_id AND r.day = i.day AND r.channel = i.channel \
                 GROUP BY i.node_id, n.name, i.day, i.channel ORDER BY n.name, i.day, i.channel",
                &[&since],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| RelayFunnelRow {
                node_id: r.get(0),
                node_name: r.get(1),
                day: r.get(2),
                channel: r.get::<_, Option<String>>(3).unwrap_or_default(),
                messages: r.get(4),
                senders: r.get(5),
                referred_senders: r.get(6),
                replies_sent: r.get(7),
            })
            .collect())
    }

    /// Events parked for lack of a route (the metrics page).
    pub async fn unrouted_count(&self) -> Result<u64, StoreError> {
        let client = self.pool().get().await?;
        let n: i64 = client
            .query_one("SELECT count(*) FROM unrouted_events", &[])
            .await?
            .get(0);
        Ok(n as u64)
    }
}
