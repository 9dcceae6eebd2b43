//! The relay's one typed configuration: TOML file (`--config`) first, then environment
//! overrides (DESIGN §6b names), then validation that reports every problem at once.
//!
//! Owns every setting of the relay, including those only one subsystem reads (`payments`,
//! `maintenance`): a new option is added here, next to its environment variable.
//! May import: nothing else in this crate (only `resto_ops` for `Secret` and schedules), so
//! every other module can depend on it.

mod away;
mod database;
mod env;
#[cfg(test)]
mod example_file;
mod maintenance;
mod media;
mod meta;
mod payments;
mod read_receipts;
#[cfg(test)]
mod tests;

pub use away::{AwayConfig, AwayRoute, NoticeLang};
pub use database::{Backend, DEMO_ON_SQLITE, POSTGRES_BACKUP};
pub use env::{EnvSource, ProcessEnv};
pub use maintenance::{BackupConfig, RetentionConfig};
pub use media::MediaConfig;
pub use meta::{MetaConfig, SendConfig, SignatureMode};
pub use payments::PaymentsConfig;
pub use read_receipts::ReadReceiptsConfig;

use resto_ops::Secret;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::PathBuf;

/// `RELAY_PROFILE`: production (the default) is strict about what only tests may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    #[default]
    Production,
    Development,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Json,
    Text,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RelayConfig {
    /// `RELAY_PROFILE`: `production` or `development`.
    pub profile: Profile,
    /// `RELAY_LISTEN`
    pub listen: String,
    /// `RELAY_DATA_DIR`: holds `relay.db` and `master.key`.
    pub data_dir: PathBuf,
    /// `RELAY_MAX_BODY_BYTES`: Meta documents WhatsApp payloads of up to 3 MB.
    pub max_body_bytes: usize,
    /// `ALLOW_QUERY_TOKEN`: accept secrets in query strings (legacy senders only).
    pub allow_query_token: bool,
    /// `RELAY_LOG`: a tracing filter such as `info` or `resto_relay=debug`.
    pub log: String,
    /// `RELAY_LOG_FORMAT`: `json` (default) or `text`.
    pub log_format: LogFormat,
    /// `LOG_DIR`: also write rolling daily JSON log files there (under systemd:
    /// `/var/log/resto-relay`, the unit's `LogsDirectory=`). Off by default: journald has it.
    pub log_dir: Option<PathBuf>,
    /// `LOG_KEEP_FILES`: daily log files kept in `log_dir`.
    pub log_keep_files: usize,
    pub backup: BackupConfig,
    pub meta: MetaConfig,
    pub send: SendConfig,
    pub retention: RetentionConfig,
    pub payments: PaymentsConfig,
    pub media: MediaConfig,
    pub away: AwayConfig,
    pub read_receipts: ReadReceiptsConfig,
    /// `RELAY_DATABASE_URL` (environment only: it holds a password): PostgreSQL instead of
    /// SQLite (`database.rs`).
    #[serde(skip)]
    pub database_url: Option<Secret>,
}

impl Default for RelayConfig {
    fn default() -> Self {
        RelayConfig {
            profile: Profile::Production,
            listen: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./data"),
            max_body_bytes: 3 * 1024 * 1024,
            allow_query_token: false,
            log: "info".into(),
            log_format: LogFormat::Json,
            log_dir: None,
            log_keep_files: 14,
            backup: Default::default(),
            meta: MetaConfig::default(),
            send: SendConfig::default(),
            retention: RetentionConfig::default(),
            payments: Default::default(),
            media: MediaConfig::default(),
            away: AwayConfig::default(),
            read_receipts: ReadReceiptsConfig::default(),
            database_url: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}. Check the --config path.")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "config file {path} is not valid: {message}. See config.example.toml for every option."
    )]
    Parse { path: PathBuf, message: String },
    #[error("configuration problems:\n{}", .0.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<String>),
}

impl RelayConfig {
    pub fn db_path(&self) -> PathBuf {
        self.data_dir.join("relay.db")
    }

    pub fn master_key_path(&self) -> PathBuf {
        self.data_dir.join("master.key")
    }

    /// Problems that stop `serve` from starting. Everything `preflight` adds on top is in
    /// `preflight.rs`; these are the ones no relay may run with.
    pub fn fatal_problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.listen.parse::<SocketAddr>().is_err() {
            problems.push(format!(
                "RELAY_LISTEN={:?} is not an address:port such as 127.0.0.1:8080",
                self.listen
            ));
        }
        if self.meta.signature_required == SignatureMode::Enforce && self.meta.app_secret.is_empty()
        {
            problems.push(
                "META_APP_SECRET is not set but META_SIGNATURE_REQUIRED=enforce: set META_APP_SECRET \
                 to the App Secret from Meta's App Dashboard (App settings › Basic)"
                    .into(),
            );
        }
        problems.extend(self.payments.problems());
        problems.extend(self.away.problems());
        problems.extend(self.read_receipts.problems());
        problems.extend(maintenance::schedule_problems(self));
        if self.max_body_bytes < 64 * 1024 {
            problems.push(format!(
                "RELAY_MAX_BODY_BYTES={} is too small for Meta's batches; use at least 65536 (default 3145728)",
                self.max_body_bytes
            ));
        }
        problems
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        let problems = self.fatal_problems();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ConfigError::Invalid(problems))
        }
    }

    /// The Meta secrets webhooks may be signed with (Instagram-Login apps use their own).
    pub fn meta_secrets(&self) -> Vec<Secret> {
        [&self.meta.app_secret, &self.meta.instagram_app_secret]
            .into_iter()
            .filter(|s| !s.is_empty())
            .cloned()
            .collect()
    }
}
