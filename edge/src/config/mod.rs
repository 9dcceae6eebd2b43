//! The edge's one typed configuration: `<data dir>/edge.toml` (written by `enroll`), then
//! environment overrides (DESIGN §6b names).

pub mod upkeep;

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub use resto_ops::Secret;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EdgeConfig {
    /// `RELAY_URL`
    pub relay_url: String,
    /// `NODE_ID`
    pub node_id: String,
    /// `NODE_SECRET` (or `NODE_SECRET_FILE`)
    pub node_secret: Secret,
    /// Long-poll wait in seconds (0..60).
    pub poll_wait_secs: u64,
    /// `EDGE_RETRY_MAX_MS`: the longest wait between two tries to reach the relay after a
    /// failure (with jitter, the wait is between half of it and it), so a relay that comes
    /// back is found within seconds.
    pub retry_max_ms: u64,
    /// `EDGE_CONSOLE_LISTEN`: the staff console's LAN address (also /status, /metrics).
    pub console_listen: String,
    pub backup: upkeep::BackupSettings,
    pub retention: upkeep::RetentionSettings,
    pub log: upkeep::LogSettings,
    /// `EDGE_LATE_AFTER_MINUTES`: an unfinished order older than this shows late on the board.
    pub late_after_minutes: u32,
}

impl Default for EdgeConfig {
    fn default() -> Self {
        EdgeConfig {
            relay_url: String::new(),
            node_id: String::new(),
            node_secret: Secret::default(),
            poll_wait_secs: 25,
            retry_max_ms: 5000,
            console_listen: "0.0.0.0:8090".into(),
            backup: Default::default(),
            retention: Default::default(),
            log: Default::default(),
            late_after_minutes: 45,
        }
    }
}

pub fn config_path(data_dir: &Path) -> PathBuf {
    data_dir.join("edge.toml")
}

impl EdgeConfig {
    pub fn load(data_dir: &Path) -> Result<EdgeConfig, String> {
        let (cfg, problems) = Self::load_unchecked(data_dir)?;
        if problems.is_empty() {
            Ok(cfg)
        } else {
            Err(problems.join("\n"))
        }
    }

    /// The file and env overrides, with every problem listed but not fatal (for `preflight`).
    /// `Err` only when the file itself cannot be read as TOML.
    pub fn load_unchecked(data_dir: &Path) -> Result<(EdgeConfig, Vec<String>), String> {
        let path = config_path(data_dir);
        let mut cfg: EdgeConfig = match std::fs::read_to_string(&path) {
            Ok(t) => toml::from_str(&t)
                .map_err(|e| format!("{} is not valid: {}", path.display(), e.message()))?,
            Err(_) => EdgeConfig::default(),
        };
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        if let Some(v) = env("RELAY_URL") {
            cfg.relay_url = v;
        }
        if let Some(v) = env("NODE_ID") {
            cfg.node_id = v;
        }
        if let Some(v) = env("NODE_SECRET") {
            cfg.node_secret = Secret::new(v);
        }
        if let Some(f) = env("NODE_SECRET_FILE") {
            let s = std::fs::read_to_string(&f)
                .map_err(|e| format!("cannot read NODE_SECRET_FILE {f}: {e}"))?;
            cfg.node_secret = Secret::new(s.trim());
        }
        if let Some(v) = env("EDGE_POLL_WAIT_SECS") {
            cfg.poll_wait_secs = v
                .parse()
                .map_err(|_| format!("EDGE_POLL_WAIT_SECS={v:?} is not a number of seconds"))?;
        }
        if let Some(v) = env("EDGE_RETRY_MAX_MS") {
            cfg.retry_max_ms = v
                .parse()
                .map_err(|_| format!("EDGE_RETRY_MAX_MS={v:?} is not a number of milliseconds"))?;
        }
        if let Some(v) = env("EDGE_CONSOLE_LISTEN") {
            cfg.console_listen = v;
        }
        if let Some(v) = env("EDGE_LATE_AFTER_MINUTES") {
            cfg.late_after_minutes = v
                .parse()
                .map_err(|_| format!("EDGE_LATE_AFTER_MINUTES={v:?} is not a number of minutes"))?;
        }
        let mut problems = Vec::new();
        let env_fn = |k: &str| env(k);
        cfg.backup.apply_env(&env_fn, &mut problems);
        cfg.retention.apply_env(&env_fn, &mut problems);
        cfg.log.apply_env(&env_fn, &mut problems);
        if !(1..=1440).contains(&cfg.late_after_minutes) {
            problems.push(format!(
                "late_after_minutes = {} must be 1..1440",
                cfg.late_after_minutes
            ));
        }
        if cfg.relay_url.is_empty() {
            problems.push(
                "RELAY_URL is not set: run `resto-edge enroll --relay URL …` first".to_string(),
            );
        }
        if cfg.node_id.is_empty() || cfg.node_secret.is_empty() {
            problems.push("the node id or secret is missing: run `resto-edge enroll` with the values from `resto-relay node add`".to_string());
        }
        if !(500..=60_000).contains(&cfg.retry_max_ms) {
            problems.push(format!(
                "retry_max_ms / EDGE_RETRY_MAX_MS = {} must be 500..60000 (default 5000)",
                cfg.retry_max_ms
            ));
        }
        if cfg.poll_wait_secs > 60 {
            problems.push(format!(
                "poll_wait_secs = {} must be 0..60",
                cfg.poll_wait_secs
            ));
        }
        Ok((cfg, problems))
    }
}
