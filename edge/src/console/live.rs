//! The live board: one server-sent event with the whole board whenever it changes (a console
//! action wakes it at once; changes from the sync worker are seen within a second).

use super::auth::{require, ApiError, Change};
use super::Console;
use crate::store::staff::Scope;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::IntoResponse;
use rusqlite::Connection;
use serde_json::{json, Value};
use std::time::Duration;

/// Sync status for the status bar: connected or offline since, backlog, last sync, relay lag.
pub fn status(c: &Connection) -> rusqlite::Result<Value> {
    let s = crate::store::sync_status::read(c)?;
    let lag = crate::store::sync_status::relay_lag_ms(c)?;
    Ok(json!({
        "connected": s.offline_since.is_none() && s.last_sync_at.is_some(),
        "state": s.state,
        "offline_since": s.offline_since,
        "next_attempt_at": s.next_attempt_at,
        "last_sync_at": s.last_sync_at,
        "outbox_backlog": s.outbox_backlog,
        "oldest_outbox_item": s.oldest_outbox_item,
        "relay_lag_ms": lag,
        "away_told_customers": s.away_told_customers,
        "away_told_since": s.away_told_since,
    }))
}

/// Everything the board page shows.
pub fn snapshot(c: &Connection, sla_minutes: u32) -> rusqlite::Result<Value> {
    let orders = crate::app::move_order::board(c, chrono::Utc::now(), sla_minutes)?;
    let alerts: Vec<Value> = crate::app::handoff::list(c, 200)?
        .into_iter()
        .filter(|r| r.handoff_requested)
        .map(|r| json!({"customer_id": r.customer_id, "name": r.name, "since": r.last_activity}))
        .collect();
    let unread = crate::store::conversations::unread_total(c)?;
    let quarantined = crate::store::trust::active_quarantines(c, chrono::Utc::now())?.len();
    // Every staff member sees a printer the kitchen is waiting on, with its retry button.
    let printers_offline = crate::app::printer_setup::offline(c)?;
    Ok(json!({
        "orders": orders,
        "handoff_alerts": alerts,
        "unread": unread,
        "quarantined": quarantined,
        "printers_offline": printers_offline,
        "sla_minutes": sla_minutes,
        "status": status(c)?,
    }))
}

pub async fn events(
    State(c): State<Console>,
    headers: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    require(&c, &headers, Scope::Service, Change::Read).await?;
    let stream = futures_util::stream::unfold((c, String::new()), |(c, last)| async move {
        loop {
            let sla = c.sla_minutes;
            let snap = c
                .with_db(move |db| snapshot(db, sla).map(|v| v.to_string()))
                .await;
            if let Ok(s) = snap {
                if s != last {
                    let ev = Event::default().event("board").data(s.clone());
                    return Some((Ok::<_, std::convert::Infallible>(ev), (c, s)));
                }
            }
            tokio::select! {
                _ = c.changed.notified() => {}
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
