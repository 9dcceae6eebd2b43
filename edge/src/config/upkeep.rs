//! The upkeep sections of `edge.toml` (`[backup]`, `[retention]`, `[log]`) with their
//! environment overrides and checks. The jobs that use them live in `crate::upkeep`.

use resto_ops::schedule::Schedule;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct BackupSettings {
    /// `EDGE_BACKUP_SCHEDULE`: cron, device local time; empty turns scheduled backups off.
    pub schedule: String,
    /// `EDGE_BACKUP_KEEP`: scheduled backups kept (one a day by default: a week).
    pub keep: usize,
    /// `EDGE_BACKUP_DIR`: default `<data dir>/backups`.
    pub dir: Option<PathBuf>,
}

impl Default for BackupSettings {
    fn default() -> Self {
        BackupSettings {
            schedule: "15 3 * * *".into(),
            keep: 7,
            dir: None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RetentionSettings {
    /// `EDGE_RETENTION_SCHEDULE`: cron for the purge (device local time).
    pub schedule: String,
    /// `EDGE_RETENTION_APPLIED_EVENTS_DAYS`: ids of applied relay events (dedupe only).
    pub applied_events_days: u32,
    /// `EDGE_RETENTION_MESSAGE_STATUSES_DAYS`: delivery receipts (sent/delivered/read).
    pub message_statuses_days: u32,
    /// `EDGE_RETENTION_INBOUND_MESSAGES_DAYS`: raw customer messages (conversation state,
    /// customers and orders are kept regardless).
    pub inbound_messages_days: u32,
    /// `EDGE_RETENTION_MEDIA_DAYS`: customers' voice notes, photos and documents kept on the
    /// device (files under `<data_dir>/media`, not in backups: the relay fetched them from
    /// Meta and cannot again after 7 days, so a restored device shows a placeholder).
    pub media_days: u32,
}

impl Default for RetentionSettings {
    fn default() -> Self {
        RetentionSettings {
            schedule: "45 3 * * *".into(),
            applied_events_days: 14,
            message_statuses_days: 30,
            inbound_messages_days: 90,
            media_days: 30,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    /// `LOG_DIR`: also write rolling daily JSON files there (under systemd:
    /// `/var/log/resto-edge`, the unit's `LogsDirectory=`). Off by default: journald has it.
    pub dir: Option<PathBuf>,
    /// `LOG_KEEP_FILES`: daily files kept (default 14).
    pub keep_files: Option<usize>,
}

type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

fn number<T: std::str::FromStr>(env: Env, key: &str, slot: &mut T, problems: &mut Vec<String>) {
    if let Some(v) = env(key) {
        match v.trim().parse() {
            Ok(n) => *slot = n,
            Err(_) => problems.push(format!("{key}={v:?} is not a whole number")),
        }
    }
}

impl BackupSettings {
    pub fn apply_env(&mut self, env: Env, problems: &mut Vec<String>) {
        if let Some(v) = env("EDGE_BACKUP_SCHEDULE") {
            self.schedule = v;
        }
        number(env, "EDGE_BACKUP_KEEP", &mut self.keep, problems);
        if let Some(v) = env("EDGE_BACKUP_DIR") {
            self.dir = Some(PathBuf::from(v));
        }
        if !self.schedule.trim().is_empty() {
            if let Err(e) = Schedule::parse(&self.schedule) {
                problems.push(format!("backup schedule (EDGE_BACKUP_SCHEDULE): {e}"));
            }
        }
        if self.keep == 0 {
            problems.push("EDGE_BACKUP_KEEP must be at least 1".into());
        }
    }

    pub fn dir(&self, data_dir: &Path) -> PathBuf {
        self.dir.clone().unwrap_or_else(|| data_dir.join("backups"))
    }
}

impl RetentionSettings {
    pub fn apply_env(&mut self, env: Env, problems: &mut Vec<String>) {
        if let Some(v) = env("EDGE_RETENTION_SCHEDULE") {
            self.schedule = v;
        }
        number(
            env,
            "EDGE_RETENTION_APPLIED_EVENTS_DAYS",
            &mut self.applied_events_days,
            problems,
        );
        number(
            env,
            "EDGE_RETENTION_MESSAGE_STATUSES_DAYS",
            &mut self.message_statuses_days,
            problems,
        );
        number(
            env,
            "EDGE_RETENTION_INBOUND_MESSAGES_DAYS",
            &mut self.inbound_messages_days,
            problems,
        );
        number(
            env,
            "EDGE_RETENTION_MEDIA_DAYS",
            &mut self.media_days,
            problems,
        );
        if let Err(e) = Schedule::parse(&self.schedule) {
            problems.push(format!("retention schedule (EDGE_RETENTION_SCHEDULE): {e}"));
        }
        if self.applied_events_days < 8 {
            // The relay keeps unread events 7 days; their ids must outlive any redelivery.
            problems.push(format!(
                "retention.applied_events_days = {} must be at least 8 (the relay may redeliver for 7 days)",
                self.applied_events_days
            ));
        }
    }
}

impl LogSettings {
    pub fn apply_env(&mut self, env: Env, problems: &mut Vec<String>) {
        if let Some(v) = env("LOG_DIR") {
            self.dir = Some(PathBuf::from(v));
        }
        let mut keep = self.keep_files.unwrap_or(14);
        number(env, "LOG_KEEP_FILES", &mut keep, problems);
        self.keep_files = Some(keep);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(pk, _)| *pk == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn environment_overrides_the_schedules_and_counts() {
        let env = env_of(&[
            ("EDGE_BACKUP_SCHEDULE", "0 2 * * *"),
            ("EDGE_BACKUP_KEEP", "3"),
            ("EDGE_RETENTION_MESSAGE_STATUSES_DAYS", "10"),
            ("LOG_DIR", "/var/log/resto-edge"),
        ]);
        let mut problems = Vec::new();
        let (mut b, mut r, mut l) = (
            BackupSettings::default(),
            RetentionSettings::default(),
            LogSettings::default(),
        );
        b.apply_env(&env, &mut problems);
        r.apply_env(&env, &mut problems);
        l.apply_env(&env, &mut problems);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!((b.schedule.as_str(), b.keep), ("0 2 * * *", 3));
        assert_eq!(r.message_statuses_days, 10);
        assert_eq!(l.dir, Some(PathBuf::from("/var/log/resto-edge")));
        assert_eq!(l.keep_files, Some(14));
    }

    #[test]
    fn every_bad_setting_is_reported_at_once() {
        let env = env_of(&[
            ("EDGE_BACKUP_SCHEDULE", "nightly"),
            ("EDGE_BACKUP_KEEP", "many"),
            ("EDGE_RETENTION_APPLIED_EVENTS_DAYS", "2"),
        ]);
        let mut problems = Vec::new();
        BackupSettings::default().apply_env(&env, &mut problems);
        RetentionSettings::default().apply_env(&env, &mut problems);
        let all = problems.join("\n");
        assert!(all.contains("EDGE_BACKUP_SCHEDULE"), "{all}");
        assert!(all.contains("EDGE_BACKUP_KEEP"), "{all}");
        assert!(all.contains("at least 8"), "{all}");
    }
}
