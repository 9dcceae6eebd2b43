//! The edge's sync status, for `resto-edge status`, `GET /status` and `GET /metrics`: connected
//! or offline since when, outbox backlog and oldest item age, last successful sync.

use rusqlite::Connection;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct SyncStatus {
    pub state: String,
    pub cursor: i64,
    pub last_sync_at: Option<String>,
    pub offline_since: Option<String>,
    pub outbox_backlog: i64,
    pub oldest_outbox_item: Option<String>,
}

pub fn read(c: &Connection) -> rusqlite::Result<SyncStatus> {
    let (cursor, last_sync_at, offline_since): (i64, Option<String>, Option<String>) = c
        .query_row(
            "SELECT cursor, last_sync_at, offline_since FROM sync_state WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
    let (outbox_backlog, oldest_outbox_item): (i64, Option<String>) =
        c.query_row("SELECT count(*), min(created_at) FROM outbox", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    let state = match (&offline_since, &last_sync_at) {
        (Some(since), _) => format!("offline since {since}"),
        (None, Some(_)) => "connected".into(),
        (None, None) => "never synced".into(),
    };
    Ok(SyncStatus {
        state,
        cursor,
        last_sync_at,
        offline_since,
        outbox_backlog,
        oldest_outbox_item,
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
    out.push_str(
        "# HELP resto_edge_cursor Last relay seq applied.\n# TYPE resto_edge_cursor gauge\n",
    );
    out.push_str(&format!("resto_edge_cursor {}\n", s.cursor));
    out
}
