//! The edge's sync status, for `resto-edge status`, `GET /status` and `GET /metrics`: connected
//! or offline since when and when the next attempt is, outbox backlog and oldest item age,
//! last successful sync, customers the relay told while this node was away.

use rusqlite::Connection;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct SyncStatus {
    pub state: String,
    pub cursor: i64,
    pub last_sync_at: Option<String>,
    pub offline_since: Option<String>,
    /// After a failure: when the sync loops try the relay again.
    pub next_attempt_at: Option<String>,
    pub outbox_backlog: i64,
    pub oldest_outbox_item: Option<String>,
    /// Customers the relay told during an outage that their message is saved, not yet
    /// acknowledged in the console, and since when.
    pub away_told_customers: i64,
    pub away_told_since: Option<String>,
}

pub fn read(c: &Connection) -> rusqlite::Result<SyncStatus> {
    let (cursor, last_sync_at, offline_since, next_attempt_at): (
        i64,
        Option<String>,
        Option<String>,
        Option<String>,
    ) = c.query_row(
        "SELECT cursor, last_sync_at, offline_since, next_attempt_at FROM sync_state WHERE id = 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    let (outbox_backlog, oldest_outbox_item): (i64, Option<String>) =
        c.query_row("SELECT count(*), min(created_at) FROM outbox", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    let (away_told_customers, away_told_since) = crate::store::away_told::summary(c)?;
    let state = match (&offline_since, &last_sync_at) {
        (Some(since), _) => match &next_attempt_at {
            Some(next) => format!("offline since {since}, next attempt at {next}"),
            None => format!("offline since {since}"),
        },
        (None, Some(_)) => "connected".into(),
        (None, None) => "never synced".into(),
    };
    Ok(SyncStatus {
        state,
        cursor,
        last_sync_at,
        offline_since,
        next_attempt_at,
        outbox_backlog,
        oldest_outbox_item,
        away_told_customers,
        away_told_since,
    })
}

fn age_secs(t: &Option<String>) -> Option<f64> {
    let t = chrono::DateTime::parse_from_rfc3339(t.as_deref()?).ok()?;
    Some(
        (chrono::Utc::now() - t.with_timezone(&chrono::Utc))
            .num_milliseconds()
            .max(0) as f64
            / 1000.0,
    )
}

/// The relay was unreachable: remember since when (the first failure of the outage) and
/// when the next attempt is.
pub fn mark_offline(c: &Connection, at: &str, next_attempt_at: &str) -> rusqlite::Result<usize> {
    c.execute(
        "UPDATE sync_state SET offline_since = coalesce(offline_since, ?1), next_attempt_at = ?2 WHERE id = 1",
        rusqlite::params![at, next_attempt_at],
    )
}

/// How far behind the relay's clock our last applied event was, in ms (`None` before any).
pub fn relay_lag_ms(c: &Connection) -> rusqlite::Result<Option<i64>> {
    c.query_row(
        "SELECT relay_lag_ms FROM sync_state WHERE id = 1",
        [],
        |r| r.get(0),
    )
}

/// Prometheus text for the same facts.
pub fn metrics(s: &SyncStatus) -> String {
    let mut out = String::new();
    out.push_str("# HELP resto_edge_connected 1 when the last call to the relay succeeded.\n# TYPE resto_edge_connected gauge\n");
    out.push_str(&format!(
        "resto_edge_connected {}\n",
        u8::from(s.offline_since.is_none() && s.last_sync_at.is_some())
    ));
    out.push_str("# HELP resto_edge_outbox_backlog Items waiting to reach the relay.\n# TYPE resto_edge_outbox_backlog gauge\n");
    out.push_str(&format!("resto_edge_outbox_backlog {}\n", s.outbox_backlog));
    out.push_str("# HELP resto_edge_outbox_oldest_age_seconds Age of the oldest waiting item (0 when none).\n# TYPE resto_edge_outbox_oldest_age_seconds gauge\n");
    out.push_str(&format!(
        "resto_edge_outbox_oldest_age_seconds {}\n",
        age_secs(&s.oldest_outbox_item).unwrap_or(0.0)
    ));
    out.push_str("# HELP resto_edge_offline_seconds Seconds since the relay became unreachable (0 when connected).\n# TYPE resto_edge_offline_seconds gauge\n");
    out.push_str(&format!(
        "resto_edge_offline_seconds {}\n",
        age_secs(&s.offline_since).unwrap_or(0.0)
    ));
    if let Some(a) = age_secs(&s.last_sync_at) {
        out.push_str("# HELP resto_edge_last_sync_age_seconds Seconds since the last successful sync.\n# TYPE resto_edge_last_sync_age_seconds gauge\n");
        out.push_str(&format!("resto_edge_last_sync_age_seconds {a}\n"));
    }
    out.push_str("# HELP resto_edge_away_told_customers Customers the relay told, while this device was away, that their message is saved (until staff acknowledge it).\n# TYPE resto_edge_away_told_customers gauge\n");
    out.push_str(&format!(
        "resto_edge_away_told_customers {}\n",
        s.away_told_customers
    ));
    out.push_str(
        "# HELP resto_edge_cursor Last relay seq applied.\n# TYPE resto_edge_cursor gauge\n",
    );
    out.push_str(&format!("resto_edge_cursor {}\n", s.cursor));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_shows_the_next_attempt_while_offline_and_forgets_it_once_synced() {
        let dir = std::env::temp_dir().join(format!("edge-status-{}", ulid::Ulid::new()));
        let c = crate::store::open(&dir.join("edge.db")).unwrap();
        mark_offline(&c, "2026-12-04T10:00:00.000Z", "2026-12-04T10:00:00.150Z").unwrap();
        mark_offline(&c, "2026-12-04T10:00:03.000Z", "2026-12-04T10:00:07.500Z").unwrap();
        let s = read(&c).unwrap();
        assert_eq!(
            s.state,
            "offline since 2026-12-04T10:00:00.000Z, next attempt at 2026-12-04T10:00:07.500Z",
            "the outage keeps its start, the next attempt is the latest"
        );
        assert_eq!(
            s.next_attempt_at.as_deref(),
            Some("2026-12-04T10:00:07.500Z")
        );
        crate::store::applied::advance_cursor(&c, 0, "2026-12-04T10:00:08.000Z").unwrap();
        let s = read(&c).unwrap();
        assert_eq!(s.state, "connected");
        assert_eq!((s.offline_since, s.next_attempt_at), (None, None));
        std::fs::remove_dir_all(dir).ok();
    }
}
