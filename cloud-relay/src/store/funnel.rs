//! The operator's view of each restaurant's top of funnel, from what the relay itself
//! carries: inbound messages, distinct senders, senders who came through a click-to-chat ad
//! or referral, and replies sent. Orders and their conversion live on the edge (its
//! `resto-edge funnel`); the relay never sees them, and does not need to.

use rusqlite::{params, Connection};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RelayFunnelRow {
    pub node_id: String,
    pub node_name: String,
    pub day: String,
    pub channel: String,
    pub messages: i64,
    pub senders: i64,
    pub referred_senders: i64,
    pub replies_sent: i64,
}

/// Per node, UTC day and channel since `since` (RFC 3339), within event retention.
pub fn relay_funnel(c: &Connection, since: &str) -> rusqlite::Result<Vec<RelayFunnelRow>> {
    let mut st = c.prepare(
        "WITH inbound AS ( \
            SELECT e.node_id, substr(e.received_at, 1, 10) AS day, json_extract(e.payload, '$.provider') AS channel, \
                   json_extract(e.payload, '$.user_id') AS sender, json_extract(e.payload, '$.referral') IS NOT NULL AS referred \
            FROM events e WHERE e.kind = 'inbound_message' AND e.received_at >= ?1), \
         replies AS ( \
            SELECT o.node_id, substr(o.received_at, 1, 10) AS day, json_extract(o.payload, '$.provider') AS channel, count(*) AS n \
            FROM outbox_items o WHERE o.state = 'sent' AND o.received_at >= ?1 GROUP BY 1, 2, 3) \
         SELECT i.node_id, n.name, i.day, i.channel, count(*), count(DISTINCT i.sender), \
                count(DISTINCT CASE WHEN i.referred THEN i.sender END), coalesce(max(r.n), 0) \
         FROM inbound i JOIN nodes n ON n.id = i.node_id \
         LEFT JOIN replies r ON r.node_id = i.node_id AND r.day = i.day AND r.channel = i.channel \
         GROUP BY i.node_id, i.day, i.channel ORDER BY n.name, i.day, i.channel",
    )?;
    let rows = st.query_map(params![since], |r| {
        Ok(RelayFunnelRow {
            node_id: r.get(0)?,
            node_name: r.get(1)?,
            day: r.get(2)?,
            channel: r.get(3)?,
            messages: r.get(4)?,
            senders: r.get(5)?,
            referred_senders: r.get(6)?,
            replies_sent: r.get(7)?,
        })
    })?;
    rows.collect()
}
