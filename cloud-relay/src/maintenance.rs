//! The relay's upkeep: scheduled online backups with rotation, the cron-scheduled purges of
//! security events and sent replies, and the watchdog heartbeat that proves to systemd that
//! the runtime and the database writer still work.

use crate::config::RelayConfig;
use crate::http::AppState;
use resto_ops::schedule::Schedule;
use serde::Deserialize;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct BackupConfig {
    /// `RELAY_BACKUP_SCHEDULE`: cron (five fields, local time); empty turns it off.
    pub schedule: String,
    /// `RELAY_BACKUP_KEEP`
    pub keep: usize,
    /// `RELAY_BACKUP_DIR`: default `<data_dir>/backups`.
    pub dir: Option<PathBuf>,
}

impl Default for BackupConfig {
    fn default() -> Self {
        BackupConfig {
            schedule: "0 3 * * *".into(),
            keep: 7,
            dir: None,
        }
    }
}

impl BackupConfig {
    pub fn dir(&self, cfg: &RelayConfig) -> PathBuf {
        self.dir
            .clone()
            .unwrap_or_else(|| cfg.data_dir.join("backups"))
    }
}

/// Schedules that do not parse, named by their variable.
pub fn schedule_problems(cfg: &RelayConfig) -> Vec<String> {
    let mut p = Vec::new();
    if !cfg.backup.schedule.trim().is_empty() {
        if let Err(e) = Schedule::parse(&cfg.backup.schedule) {
            p.push(format!("RELAY_BACKUP_SCHEDULE (backup.schedule): {e}"));
        }
    }
    if cfg.backup.keep == 0 {
        p.push("RELAY_BACKUP_KEEP must be at least 1".into());
    }
    if let Err(e) = Schedule::parse(&cfg.retention.schedule) {
        p.push(format!(
            "RELAY_RETENTION_SCHEDULE (retention.schedule): {e}"
        ));
    }
    p
}

pub async fn backup_job(app: Arc<AppState>) {
    let cfg = &app.config;
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
