//! The relay's one typed configuration: TOML file (`--config`) first, then environment
//! overrides (DESIGN §6b names), then validation that reports every problem at once.

use serde::Deserialize;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// A secret string that never shows up in `Debug`/`Display` output or logs.
#[derive(Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("Secret(<unset>)")
        } else {
            f.write_str("Secret(<redacted>)")
        }
    }
}

/// `META_SIGNATURE_REQUIRED`: how strictly `X-Hub-Signature-256` is enforced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SignatureMode {
    Off,
    Warn,
    #[default]
    Enforce,
}

impl SignatureMode {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "off" => Some(SignatureMode::Off),
            "warn" => Some(SignatureMode::Warn),
            "enforce" => Some(SignatureMode::Enforce),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            SignatureMode::Off => "off",
            SignatureMode::Warn => "warn",
            SignatureMode::Enforce => "enforce",
        }
    }
}

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
    pub backup: crate::maintenance::BackupConfig,
    pub meta: MetaConfig,
    pub send: SendConfig,
    pub retention: RetentionConfig,
    pub payments: crate::payments::config::PaymentsConfig,
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

/// How queued replies are sent to the Graph API.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct SendConfig {
    /// `RELAY_SEND_MAX_ATTEMPTS`: attempts before an item goes to the dead-letter queue.
    pub max_attempts: u32,
    /// `RELAY_SEND_RETRY_BASE_MS`: first retry delay; doubles each attempt, with jitter.
    pub retry_base_ms: u64,
    /// `RELAY_SEND_RETRY_MAX_MS`: longest delay between attempts.
    pub retry_max_ms: u64,
    /// `RELAY_SEND_TIMEOUT_MS`: timeout of one Graph API call.
    pub timeout_ms: u64,
    /// `RELAY_SEND_LEASE_SECS`: a reply being sent when the relay died is retried after this.
    pub lease_secs: u64,
}

impl Default for SendConfig {
    fn default() -> Self {
        SendConfig {
            max_attempts: 8,
            retry_base_ms: 1000,
            retry_max_ms: 300_000,
            timeout_ms: 10_000,
            lease_secs: 60,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetaConfig {
    /// `META_APP_SECRET`: signs WhatsApp, Messenger and (Facebook Login) Instagram webhooks.
    pub app_secret: Secret,
    /// `META_INSTAGRAM_APP_SECRET`: Instagram-Login apps sign with their own secret.
    pub instagram_app_secret: Secret,
    /// `META_VERIFY_TOKEN`: the token typed in the App Dashboard for the GET handshake.
    pub verify_token: Secret,
    /// `META_SIGNATURE_REQUIRED`
    pub signature_required: SignatureMode,
    /// `META_GRAPH_URL`: base URL including the version, used for sending (sync issue).
    pub graph_url: String,
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
        }
    }
}

impl Default for MetaConfig {
    fn default() -> Self {
        MetaConfig {
            app_secret: Secret::default(),
            instagram_app_secret: Secret::default(),
            verify_token: Secret::default(),
            signature_required: SignatureMode::Enforce,
            graph_url: "https://graph.facebook.com/v25.0".into(),
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
            Some(p) => {
                let text = std::fs::read_to_string(p).map_err(|source| ConfigError::Read {
                    path: p.to_path_buf(),
                    source,
                })?;
                toml::from_str(&text).map_err(|e| ConfigError::Parse {
                    path: p.to_path_buf(),
                    message: e.message().to_string(),
                })?
            }
            None => RelayConfig::default(),
        };
        let mut problems = Vec::new();
        if let Some(v) = env.get("RELAY_LISTEN") {
            cfg.listen = v;
        }
        if let Some(v) = env.get("RELAY_PROFILE") {
            match v.trim() {
                "production" => cfg.profile = Profile::Production,
                "development" => cfg.profile = Profile::Development,
                _ => problems.push(format!(
                    "RELAY_PROFILE={v:?} must be production or development"
                )),
            }
        }
        if let Some(v) = env.get("RELAY_DATA_DIR") {
            cfg.data_dir = PathBuf::from(v);
        }
        if let Some(v) = env.get("RELAY_MAX_BODY_BYTES") {
            match v.trim().parse() {
                Ok(n) => cfg.max_body_bytes = n,
                Err(_) => problems.push(format!(
                    "RELAY_MAX_BODY_BYTES={v:?} is not a number of bytes (e.g. 3145728)"
                )),
            }
        }
        if let Some(v) = env.get("ALLOW_QUERY_TOKEN") {
            match parse_bool(&v) {
                Some(b) => cfg.allow_query_token = b,
                None => problems.push(format!("ALLOW_QUERY_TOKEN={v:?} must be true or false")),
            }
        }
        if let Some(v) = env.get("RELAY_LOG") {
            cfg.log = v;
        }
        if let Some(v) = env.get("RELAY_LOG_FORMAT") {
            match v.as_str() {
                "json" => cfg.log_format = LogFormat::Json,
                "text" => cfg.log_format = LogFormat::Text,
                _ => problems.push(format!("RELAY_LOG_FORMAT={v:?} must be json or text")),
            }
        }
        if let Some(v) = env.get("META_APP_SECRET") {
            cfg.meta.app_secret = Secret(v);
        }
        if let Some(v) = env.get("META_INSTAGRAM_APP_SECRET") {
            cfg.meta.instagram_app_secret = Secret(v);
        }
        if let Some(v) = env.get("META_VERIFY_TOKEN") {
            cfg.meta.verify_token = Secret(v);
        }
        if let Some(v) = env.get("META_SIGNATURE_REQUIRED") {
            match SignatureMode::parse(&v) {
                Some(m) => cfg.meta.signature_required = m,
                None => problems.push(format!(
                    "META_SIGNATURE_REQUIRED={v:?} must be off, warn or enforce"
                )),
            }
        }
        if let Some(v) = env.get("META_GRAPH_URL") {
            cfg.meta.graph_url = v;
        }
        let mut number = |key: &str, slot: &mut u64| {
            if let Some(v) = env.get(key) {
                match v.trim().parse() {
                    Ok(n) => *slot = n,
                    Err(_) => problems.push(format!("{key}={v:?} is not a whole number")),
                }
            }
        };
        let mut attempts = u64::from(cfg.send.max_attempts);
        number("RELAY_SEND_MAX_ATTEMPTS", &mut attempts);
        cfg.send.max_attempts = attempts.clamp(1, 100) as u32;
        number("RELAY_SEND_RETRY_BASE_MS", &mut cfg.send.retry_base_ms);
        number("RELAY_SEND_RETRY_MAX_MS", &mut cfg.send.retry_max_ms);
        number("RELAY_SEND_TIMEOUT_MS", &mut cfg.send.timeout_ms);
        number("RELAY_SEND_LEASE_SECS", &mut cfg.send.lease_secs);
        number(
            "RELAY_RETENTION_ACKED_HOURS",
            &mut cfg.retention.acked_hours,
        );
        number(
            "RELAY_RETENTION_UNACKED_DAYS",
            &mut cfg.retention.unacked_days,
        );
        number(
            "RELAY_RETENTION_INTERVAL_SECS",
            &mut cfg.retention.interval_secs,
        );
        number(
            "RELAY_RETENTION_SECURITY_EVENTS_DAYS",
            &mut cfg.retention.security_events_days,
        );
        number(
            "RELAY_RETENTION_SENT_OUTBOX_DAYS",
            &mut cfg.retention.sent_outbox_days,
        );
        let mut keep_logs = cfg.log_keep_files as u64;
        number("LOG_KEEP_FILES", &mut keep_logs);
        cfg.log_keep_files = keep_logs as usize;
        let mut keep_backups = cfg.backup.keep as u64;
        number("RELAY_BACKUP_KEEP", &mut keep_backups);
        cfg.backup.keep = keep_backups as usize;
        if let Some(v) = env.get("RELAY_RETENTION_SCHEDULE") {
            cfg.retention.schedule = v;
        }
        if let Some(v) = env.get("RELAY_BACKUP_SCHEDULE") {
            cfg.backup.schedule = v;
        }
        if let Some(v) = env.get("RELAY_BACKUP_DIR") {
            cfg.backup.dir = Some(PathBuf::from(v));
        }
        if let Some(v) = env.get("LOG_DIR").filter(|v| !v.is_empty()) {
            cfg.log_dir = Some(PathBuf::from(v));
        }
        cfg.payments.apply_env(env, &mut problems);
        if problems.is_empty() {
            Ok(cfg)
        } else {
            Err(ConfigError::Invalid(problems))
        }
    }

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
        problems.extend(crate::maintenance::schedule_problems(self));
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

fn parse_bool(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_enforce_signatures_and_listen_on_loopback() {
        let cfg = RelayConfig::load(None, &[("X", "y")]).unwrap();
        assert_eq!(cfg.meta.signature_required, SignatureMode::Enforce);
        assert_eq!(cfg.listen, "127.0.0.1:8080");
        assert!(!cfg.allow_query_token);
    }

    #[test]
    fn enforce_without_secret_names_the_variable_to_set() {
        let cfg = RelayConfig::load(None, &[("X", "y")]).unwrap();
        let err = cfg.validate().unwrap_err().to_string();
        assert!(err.contains("META_APP_SECRET"), "{err}");
    }

    #[test]
    fn every_bad_env_value_is_reported_at_once() {
        let env = [
            ("META_SIGNATURE_REQUIRED", "maybe"),
            ("ALLOW_QUERY_TOKEN", "perhaps"),
            ("RELAY_MAX_BODY_BYTES", "big"),
        ];
        let err = RelayConfig::load(None, &env).unwrap_err().to_string();
        assert!(err.contains("META_SIGNATURE_REQUIRED"), "{err}");
        assert!(err.contains("ALLOW_QUERY_TOKEN"), "{err}");
        assert!(err.contains("RELAY_MAX_BODY_BYTES"), "{err}");
    }

    #[test]
    fn secrets_never_appear_in_debug_output() {
        let env = [
            ("META_APP_SECRET", "s3cr3t-app"),
            ("META_VERIFY_TOKEN", "s3cr3t-verify"),
        ];
        let cfg = RelayConfig::load(None, &env).unwrap();
        let dbg = format!("{cfg:?}");
        assert!(!dbg.contains("s3cr3t"), "{dbg}");
        assert!(dbg.contains("redacted"));
    }

    #[test]
    fn env_overrides_the_file() {
        let dir = std::env::temp_dir().join(format!("relay-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("relay.toml");
        std::fs::write(
            &file,
            "listen = \"0.0.0.0:9000\"\n[meta]\nsignature_required = \"warn\"\n",
        )
        .unwrap();
        let cfg = RelayConfig::load(Some(&file), &[("RELAY_LISTEN", "127.0.0.1:9001")]).unwrap();
        assert_eq!(cfg.listen, "127.0.0.1:9001");
        assert_eq!(cfg.meta.signature_required, SignatureMode::Warn);
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn unknown_keys_in_the_file_are_an_error_not_silently_ignored() {
        let dir = std::env::temp_dir().join(format!("relay-cfg-unk-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("relay.toml");
        std::fs::write(&file, "lisen = \"0.0.0.0:9000\"\n").unwrap();
        let err = RelayConfig::load(Some(&file), &[("X", "y")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("lisen"), "{err}");
        std::fs::remove_dir_all(dir).ok();
    }
}

#[cfg(test)]
mod example_file {
    use super::*;

    /// The example file documents every option with its default; if a field is added or a
    /// default changes without the example following, this fails.
    #[test]
    fn config_example_lists_every_option_with_its_default() {
        let text = include_str!("../config.example.toml");
        let parsed: RelayConfig = toml::from_str(text).expect("example parses");
        let default = RelayConfig::default();
        assert_eq!(format!("{parsed:?}"), format!("{default:?}"));
        let table: toml::Table = toml::from_str(text).unwrap();
        let meta = table["meta"].as_table().unwrap();
        for key in [
            "profile",
            "listen",
            "data_dir",
            "max_body_bytes",
            "allow_query_token",
            "log",
            "log_format",
        ] {
            assert!(
                table.contains_key(key),
                "{key} missing from config.example.toml"
            );
        }
        let payments = table["payments"].as_table().unwrap();
        for key in [
            "secret_key",
            "api_url",
            "public_url",
            "reconcile_cron",
            "reconcile_after_secs",
            "expire_secs",
            "give_up_secs",
            "timeout_ms",
        ] {
            assert!(
                payments.contains_key(key),
                "payments.{key} missing from config.example.toml"
            );
        }
        let retention = table["retention"].as_table().unwrap();
        for key in ["acked_hours", "unacked_days", "interval_secs"] {
            assert!(
                retention.contains_key(key),
                "retention.{key} missing from config.example.toml"
            );
        }
        let send = table["send"].as_table().unwrap();
        for key in [
            "max_attempts",
            "retry_base_ms",
            "retry_max_ms",
            "timeout_ms",
        ] {
            assert!(
                send.contains_key(key),
                "send.{key} missing from config.example.toml"
            );
        }
        for key in [
            "app_secret",
            "instagram_app_secret",
            "verify_token",
            "signature_required",
            "graph_url",
        ] {
            assert!(
                meta.contains_key(key),
                "meta.{key} missing from config.example.toml"
            );
        }
    }
}
