//! Loading: the TOML file first, then the environment overrides (DESIGN §6b names). A value
//! that cannot be parsed is collected, not fatal on its own, so the operator sees every bad
//! variable in one run.

use super::{ConfigError, LogFormat, Profile, RelayConfig};
use std::path::{Path, PathBuf};

/// Where a setting's value comes from, so errors can name the variable to change.
pub trait EnvSource {
    fn get(&self, key: &str) -> Option<String>;
}

pub struct ProcessEnv;
impl EnvSource for ProcessEnv {
    fn get(&self, key: &str) -> Option<String> {
        std::env::var(key).ok()
    }
}

impl<const N: usize> EnvSource for [(&str, &str); N] {
    fn get(&self, key: &str) -> Option<String> {
        self.iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.to_string())
    }
}

impl RelayConfig {
    /// Loads the file (if any) and applies env overrides. Values that cannot be parsed are
    /// collected, not fatal one by one, so the operator sees all of them together.
    pub fn load(path: Option<&Path>, env: &dyn EnvSource) -> Result<Self, ConfigError> {
        let mut cfg = match path {
            Some(p) => read_file(p)?,
            None => RelayConfig::default(),
        };
        // The order is the order problems are listed in.
        let mut problems = Vec::new();
        cfg.apply_server_env(env, &mut problems);
        cfg.apply_database_env(env, &mut problems);
        cfg.meta.apply_env(env, &mut problems);
        cfg.send.apply_env(env, &mut problems);
        cfg.retention.apply_env(env, &mut problems);
        cfg.apply_log_files_env(env, &mut problems);
        cfg.backup.apply_env(env, &mut problems);
        cfg.payments.apply_env(env, &mut problems);
        cfg.media.apply_env(env, &mut problems);
        cfg.away.apply_env(env, &mut problems);
        cfg.read_receipts.apply_env(env, &mut problems);
        if problems.is_empty() {
            Ok(cfg)
        } else {
            Err(ConfigError::Invalid(problems))
        }
    }

    fn apply_server_env(&mut self, env: &dyn EnvSource, problems: &mut Vec<String>) {
        if let Some(v) = env.get("RELAY_LISTEN") {
            self.listen = v;
        }
        if let Some(v) = env.get("RELAY_PROFILE") {
            match v.trim() {
                "production" => self.profile = Profile::Production,
                "development" => self.profile = Profile::Development,
                _ => problems.push(format!(
                    "RELAY_PROFILE={v:?} must be production or development"
                )),
            }
        }
        if let Some(v) = env.get("RELAY_DATA_DIR") {
            self.data_dir = PathBuf::from(v);
        }
        if let Some(v) = env.get("RELAY_MAX_BODY_BYTES") {
            match v.trim().parse() {
                Ok(n) => self.max_body_bytes = n,
                Err(_) => problems.push(format!(
                    "RELAY_MAX_BODY_BYTES={v:?} is not a number of bytes (e.g. 3145728)"
                )),
            }
        }
        if let Some(v) = env.get("ALLOW_QUERY_TOKEN") {
            match parse_bool(&v) {
                Some(b) => self.allow_query_token = b,
                None => problems.push(format!("ALLOW_QUERY_TOKEN={v:?} must be true or false")),
            }
        }
        if let Some(v) = env.get("RELAY_LOG") {
            self.log = v;
        }
        if let Some(v) = env.get("RELAY_LOG_FORMAT") {
            match v.as_str() {
                "json" => self.log_format = LogFormat::Json,
                "text" => self.log_format = LogFormat::Text,
                _ => problems.push(format!("RELAY_LOG_FORMAT={v:?} must be json or text")),
            }
        }
    }

    fn apply_log_files_env(&mut self, env: &dyn EnvSource, problems: &mut Vec<String>) {
        let mut keep = self.log_keep_files as u64;
        env_number(env, "LOG_KEEP_FILES", &mut keep, problems);
        self.log_keep_files = keep as usize;
        if let Some(v) = env.get("LOG_DIR").filter(|v| !v.is_empty()) {
            self.log_dir = Some(PathBuf::from(v));
        }
    }
}

fn read_file(p: &Path) -> Result<RelayConfig, ConfigError> {
    let text = std::fs::read_to_string(p).map_err(|source| ConfigError::Read {
        path: p.to_path_buf(),
        source,
    })?;
    toml::from_str(&text).map_err(|e| ConfigError::Parse {
        path: p.to_path_buf(),
        message: e.message().to_string(),
    })
}

/// Sets `slot` from the whole number in `key`, if set; a value that is not one is a problem.
pub(super) fn env_number(
    env: &dyn EnvSource,
    key: &str,
    slot: &mut u64,
    problems: &mut Vec<String>,
) {
    if let Some(v) = env.get(key) {
        match v.trim().parse() {
            Ok(n) => *slot = n,
            Err(_) => problems.push(format!("{key}={v:?} is not a whole number")),
        }
    }
}

/// Sets `slot` from the yes/no in `key`, if set; anything else is a problem.
pub(super) fn env_bool(
    env: &dyn EnvSource,
    key: &str,
    slot: &mut bool,
    problems: &mut Vec<String>,
) {
    if let Some(v) = env.get(key) {
        match parse_bool(&v) {
            Some(b) => *slot = b,
            None => problems.push(format!("{key}={v:?} must be true or false")),
        }
    }
}

fn parse_bool(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}
