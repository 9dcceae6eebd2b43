//! The relay's upkeep: scheduled online backups with rotation, the interval purge of the
//! event log, the cron-scheduled purges of security events and sent replies, and the
//! watchdog heartbeat that proves to systemd that the runtime and the database writer still
//! work.
//!
//! Every background job that is not a subsystem's own worker (Graph sender, payment
//! worker) lives here; `server` only spawns them. Their settings are in `config`.
//!
//! May import: `config`, `store`, `metrics`, `state`.

use crate::state::AppState;
use resto_ops::schedule::Schedule;
use std::sync::Arc;
use std::time::Duration;

pub async fn backup_job(app: Arc<AppState>) {
    let cfg = &app.config;
    if cfg.database_url.is_some() {
        tracing::info!("scheduled backups copy relay.db only: back the PostgreSQL database up with pg_dump or base backups (docs/RUNBOOK.md)");
        return;
    }
    if cfg.backup.schedule.trim().is_empty() {
        tracing::warn!("scheduled backups are OFF (backup.schedule is empty)");
        return;
    }
    let Ok(schedule) = Schedule::parse(&cfg.backup.schedule) else {
        return;
    };
    let (db, dir, keep) = (cfg.db_path(), cfg.backup.dir(cfg), cfg.backup.keep);
    resto_ops::schedule::every(schedule, "backup", || {
        let (db, dir) = (db.clone(), dir.clone());
        let app = app.clone();
        async move {
            let res = tokio::task::spawn_blocking(move || {
                resto_ops::backup::backup_and_rotate(&db, &dir, "relay", keep)
            })
            .await;
            match res {
                Ok(Ok((r, removed))) => {
                    app.metrics.backup_done(true);
                    tracing::info!(file = %r.path.display(), bytes = r.bytes, rotated_out = removed.len(), "backup written and verified")
                }
                Ok(Err(e)) => {
                    app.metrics.backup_done(false);
                    tracing::error!(error = %e, "BACKUP FAILED")
                }
                Err(e) => {
                    app.metrics.backup_done(false);
                    tracing::error!(error = %e, "BACKUP FAILED (task)")
                }
            }
        }
    })
    .await;
}

/// Purges the event log on an interval rather than a cron schedule: the unread-expiry alarm
/// (`resto_events_expired_unread_total`) must fire within minutes, not at the next night.
/// The other purges are nightly cron jobs (`housekeeping_job`).
pub async fn retention_job(app: Arc<AppState>) {
    let r = &app.config.retention;
    let policy = crate::store::retention::RetentionPolicy {
        acked_grace: chrono::Duration::hours(r.acked_hours as i64),
        keep_unacked: chrono::Duration::days(r.unacked_days as i64),
        keep_dedupe_keys: chrono::Duration::days(r.unacked_days.max(7) as i64 + 1),
    };
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(r.interval_secs.max(1)));
    loop {
        tick.tick().await;
        match app.store.purge(policy).await {
            Ok(report) => {
                for (node, n) in &report.expired_unread {
                    app.metrics.expired_unread(node, *n);
                    tracing::error!(node_id = %node, expired = n, "events EXPIRED UNREAD: the node did not poll for longer than the retention; these customer messages were never delivered");
                }
                if report.acked_purged > 0 || report.dedupe_keys_purged > 0 {
                    tracing::info!(
                        acked_purged = report.acked_purged,
                        dedupe_keys_purged = report.dedupe_keys_purged,
                        "retention pass"
                    );
                }
            }
            Err(e) => tracing::error!(error = %e, "retention pass failed; will retry"),
        }
    }
}

/// Purges of security events and sent replies, on `retention.schedule`.
pub async fn housekeeping_job(app: Arc<AppState>) {
    let r = app.config.retention.clone();
    let Ok(schedule) = Schedule::parse(&r.schedule) else {
        return;
    };
    let policy = crate::store::retention::HousekeepingPolicy {
        security_events: chrono::Duration::days(r.security_events_days as i64),
        sent_outbox: chrono::Duration::days(r.sent_outbox_days as i64),
    };
    resto_ops::schedule::every(schedule, "retention", || {
        let app = app.clone();
        async move {
            match app.store.housekeeping(policy).await {
                Ok(rep) => tracing::info!(
                    security_events = rep.security_events,
                    sent_outbox = rep.sent_outbox,
                    "housekeeping retention pass"
                ),
                Err(e) => tracing::error!(error = %e, "housekeeping retention pass failed; will retry at the next run"),
            }
        }
    })
    .await;
}

/// WATCHDOG=1 only after a round trip through the database writer (an empty commit) and a
/// read both succeed within 10 s: a wedged writer or runtime stops the pings.
pub async fn heartbeat(app: Arc<AppState>) {
    let every = resto_ops::notify::watchdog_interval().unwrap_or(Duration::from_secs(10));
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        let check = async {
            app.store
                .ingest(crate::store::IngestBatch::default())
                .await?;
            app.store.health().await
        };
        match tokio::time::timeout(Duration::from_secs(10), check).await {
            Ok(Ok(())) => resto_ops::notify::watchdog(),
            Ok(Err(e)) => {
                tracing::error!(error = %e, "NOT HEALTHY: the database fails; withholding the watchdog ping");
                resto_ops::notify::status(&format!("unhealthy: {e}"));
            }
            Err(_) => {
                tracing::error!("NOT HEALTHY: the database writer did not answer within 10 s; withholding the watchdog ping");
                resto_ops::notify::status("unhealthy: database writer stuck");
            }
        }
    }
}
