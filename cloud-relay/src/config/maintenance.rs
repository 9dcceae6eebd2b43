//! Settings of the relay's upkeep: scheduled backups (`[backup]`, `RELAY_BACKUP_*`) and the
//! purges of the event log and older records (`[retention]`, `RELAY_RETENTION_*`).

use super::env::{env_number, EnvSource};
use super::RelayConfig;
use resto_ops::schedule::Schedule;
use serde::Deserialize;
use std::path::PathBuf;

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

    pub(super) fn apply_env(&mut self, env: &dyn EnvSource, problems: &mut Vec<String>) {
        let mut keep = self.keep as u64;
        env_number(env, "RELAY_BACKUP_KEEP", &mut keep, problems);
        self.keep = keep as usize;
        if let Some(v) = env.get("RELAY_BACKUP_SCHEDULE") {
            self.schedule = v;
        }
        if let Some(v) = env.get("RELAY_BACKUP_DIR") {
            self.dir = Some(PathBuf::from(v));
        }
    }
}

/// How long the event log keeps what it delivered, and what nobody read.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RetentionConfig {
    /// `RELAY_RETENTION_ACKED_HOURS`: acknowledged events are purged after this.
    pub acked_hours: u64,
    /// `RELAY_RETENTION_UNACKED_DAYS`: unread events expire after this, counted and logged.
    pub unacked_days: u64,
    /// `RELAY_RETENTION_INTERVAL_SECS`: how often the event-log purge runs.
    pub interval_secs: u64,
    /// `RELAY_RETENTION_SCHEDULE`: cron for the other purges (security events, sent replies).
    pub schedule: String,
    /// `RELAY_RETENTION_SECURITY_EVENTS_DAYS`
    pub security_events_days: u64,
    /// `RELAY_RETENTION_SENT_OUTBOX_DAYS`: sent replies (dead-lettered ones are kept).
    pub sent_outbox_days: u64,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        RetentionConfig {
            acked_hours: 24,
            unacked_days: 7,
            interval_secs: 600,
            schedule: "30 4 * * *".into(),
            security_events_days: 90,
            sent_outbox_days: 14,
        }
    }
}

impl RetentionConfig {
    pub(super) fn apply_env(&mut self, env: &dyn EnvSource, problems: &mut Vec<String>) {
        for (key, slot) in [
            ("RELAY_RETENTION_ACKED_HOURS", &mut self.acked_hours),
            ("RELAY_RETENTION_UNACKED_DAYS", &mut self.unacked_days),
            ("RELAY_RETENTION_INTERVAL_SECS", &mut self.interval_secs),
            (
                "RELAY_RETENTION_SECURITY_EVENTS_DAYS",
                &mut self.security_events_days,
            ),
            (
                "RELAY_RETENTION_SENT_OUTBOX_DAYS",
                &mut self.sent_outbox_days,
            ),
        ] {
            env_number(env, key, slot, problems);
        }
        if let Some(v) = env.get("RELAY_RETENTION_SCHEDULE") {
            self.schedule = v;
        }
    }
}

/// Schedules that do not parse, named by their variable.
pub(super) fn schedule_problems(cfg: &RelayConfig) -> Vec<String> {
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
