//! The edge's watchdog heartbeat: pings systemd (`WATCHDOG=1`) only while the daemon really
//! works — both sync loops turned recently and the database answers within seconds. A hung
//! loop or a stuck database lock stops the pings, and systemd restarts the service.

use crate::relay_link::sync_worker::{DRAIN_TURNED_AT, POLL_TURNED_AT};
use crate::store::Db;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// Longest a loop may legitimately take for one turn: a long-poll (≤ 60 s wait plus the
/// request timeout) or the longest backoff (30 s), with margin.
pub const STALL_SECS: i64 = 120;

/// Why the daemon is not healthy, or `None`. Pure: the caller reads the clock and atomics.
pub fn stalled(now: i64, poll_turned: i64, drain_turned: i64) -> Option<String> {
    let mut why = Vec::new();
    if now - poll_turned > STALL_SECS {
        why.push(format!(
            "the sync poll loop has not turned for {} s",
            now - poll_turned
        ));
    }
    if now - drain_turned > STALL_SECS {
        why.push(format!(
            "the outbox drain loop has not turned for {} s",
            now - drain_turned
        ));
    }
    (!why.is_empty()).then(|| why.join("; "))
}

async fn database_answers(db: &Db) -> Result<(), String> {
    let db = db.clone();
    let q = tokio::task::spawn_blocking(move || {
        let c = db.lock().unwrap_or_else(|p| p.into_inner());
        crate::store::applied::cursor(&c)
    });
    match tokio::time::timeout(Duration::from_secs(10), q).await {
        Ok(Ok(Ok(_))) => Ok(()),
        Ok(Ok(Err(e))) => Err(format!("the database fails: {e}")),
        Ok(Err(e)) => Err(format!("the database check crashed: {e}")),
        Err(_) => Err("the database did not answer within 10 s".into()),
    }
}

pub async fn run(db: Db) {
    // The loops start with the daemon; count from now, not from 1970.
    let start = chrono::Utc::now().timestamp();
    POLL_TURNED_AT.fetch_max(start, Ordering::Relaxed);
    DRAIN_TURNED_AT.fetch_max(start, Ordering::Relaxed);
    let every = resto_ops::notify::watchdog_interval().unwrap_or(Duration::from_secs(10));
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        let now = chrono::Utc::now().timestamp();
        let loops = stalled(
            now,
            POLL_TURNED_AT.load(Ordering::Relaxed),
            DRAIN_TURNED_AT.load(Ordering::Relaxed),
        );
        match (loops, database_answers(&db).await) {
            (None, Ok(())) => resto_ops::notify::watchdog(),
            (loops, db) => {
                let why = [loops, db.err()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join("; ");
                tracing::error!(reason = %why, "NOT HEALTHY: withholding the watchdog ping; systemd will restart the service if this lasts");
                resto_ops::notify::status(&format!("unhealthy: {why}"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loops_that_turned_recently_are_healthy() {
        assert_eq!(stalled(1000, 990, 999), None);
    }

    #[test]
    fn a_loop_stuck_for_minutes_is_named() {
        let why = stalled(1000, 500, 999).unwrap();
        assert!(why.contains("poll loop"), "{why}");
        assert!(!why.contains("drain"), "{why}");
    }
}
