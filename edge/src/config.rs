//! The edge's one typed configuration: `<data dir>/edge.toml` (written by `enroll`), then
//! environment overrides (DESIGN §6b names).

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_empty() {
            "<unset>"
        } else {
            "<redacted>"
        })
    }
}

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
    /// `EDGE_CONSOLE_LISTEN` (the console arrives with its issue).
    pub console_listen: String,
    pub backup: crate::maintenance::BackupSettings,
    pub retention: crate::maintenance::RetentionSettings,
    pub log: crate::maintenance::LogSettings,
}

impl Default for EdgeConfig {
    fn default() -> Self {
        EdgeConfig {
            relay_url: String::new(),
            node_id: String::new(),
            node_secret: Secret::default(),
            poll_wait_secs: 25,
            console_listen: "0.0.0.0:8090".into(),
            backup: Default::default(),
            retention: Default::default(),
            log: Default::default(),
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
            cfg.node_secret = Secret(v);
        }
        if let Some(f) = env("NODE_SECRET_FILE") {
            let s = std::fs::read_to_string(&f)
                .map_err(|e| format!("cannot read NODE_SECRET_FILE {f}: {e}"))?;
            cfg.node_secret = Secret(s.trim().to_string());
        }
        if let Some(v) = env("EDGE_POLL_WAIT_SECS") {
            cfg.poll_wait_secs = v
                .parse()
                .map_err(|_| format!("EDGE_POLL_WAIT_SECS={v:?} is not a number of seconds"))?;
        }
        if let Some(v) = env("EDGE_CONSOLE_LISTEN") {
            cfg.console_listen = v;
        }
        let mut problems = Vec::new();
        let env_fn = |k: &str| env(k);
        cfg.backup.apply_env(&env_fn, &mut problems);
        cfg.retention.apply_env(&env_fn, &mut problems);
        cfg.log.apply_env(&env_fn, &mut problems);
        if cfg.relay_url.is_empty() {
            problems.push(
                "RELAY_URL is not set: run `resto-edge enroll --relay URL …` first".to_string(),
            );
        }
        if cfg.node_id.is_empty() || cfg.node_secret.0.is_empty() {
            problems.push("the node id or secret is missing: run `resto-edge enroll` with the values from `resto-relay node add`".to_string());
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
