//! The edge's upkeep jobs: scheduled backups with rotation and retention of the high-churn
//! tables. Their settings (`[backup]`, `[retention]`, `[log]` of `edge.toml`, with
//! environment overrides) live in `config::upkeep`.

use crate::config::upkeep::{BackupSettings, RetentionSettings};
use crate::store::retention;
use crate::store::Db;
use resto_ops::schedule::Schedule;
use std::path::PathBuf;

/// The nightly backup job: online backup, integrity check, rotation. Never stops the daemon.
pub async fn backup_job(db_path: PathBuf, dir: PathBuf, settings: BackupSettings) {
    if settings.schedule.trim().is_empty() {
        tracing::warn!("scheduled backups are OFF (backup.schedule is empty)");
        return;
    }
    let Ok(schedule) = Schedule::parse(&settings.schedule) else {
        return;
    };
    resto_ops::schedule::every(schedule, "backup", || {
        let (db, dir, keep) = (db_path.clone(), dir.clone(), settings.keep);
        async move {
            let res = tokio::task::spawn_blocking(move || {
                resto_ops::backup::backup_and_rotate(&db, &dir, "edge", keep)
            })
            .await;
            match res {
                Ok(Ok((r, removed))) => tracing::info!(
                    file = %r.path.display(),
                    bytes = r.bytes,
                    rotated_out = removed.len(),
                    "backup written and verified"
                ),
                Ok(Err(e)) => tracing::error!(error = %e, "BACKUP FAILED"),
                Err(e) => tracing::error!(error = %e, "BACKUP FAILED (task)"),
            }
        }
    })
    .await;
}

/// The retention job: short purges of the high-churn tables on the daemon's connection.
pub async fn retention_job(db: Db, settings: RetentionSettings) {
    let Ok(schedule) = Schedule::parse(&settings.schedule) else {
        return;
    };
    let policy = retention::RetentionPolicy::from_settings(&settings);
    resto_ops::schedule::every(schedule, "retention", || {
        let db = db.clone();
        async move {
            let res = tokio::task::spawn_blocking(move || {
                let c = db.lock().unwrap_or_else(|p| p.into_inner());
                retention::purge(&c, chrono::Utc::now(), &policy)
            })
            .await;
            match res {
                Ok(Ok(r)) => {
                    for f in &r.media_files {
                        if let Err(e) = std::fs::remove_file(f) {
                            tracing::warn!(file = %f, error = %e, "cannot delete an expired media file");
                        }
                    }
                    tracing::info!(
                        applied_events = r.applied_events,
                        message_statuses = r.message_statuses,
                        inbound_messages = r.inbound_messages,
                        media_files = r.media_files.len(),
                        printed_tickets = r.printed_tickets,
                        "retention pass"
                    )
                }
                Ok(Err(e)) => {
                    tracing::error!(error = %e, "retention pass failed; will retry at the next run")
                }
                Err(e) => tracing::error!(error = %e, "retention pass failed (task)"),
            }
        }
    })
    .await;
}
