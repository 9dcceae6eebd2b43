//! Settings for Meta's side of the relay: how webhooks are verified (`[meta]`, `META_*`) and
//! how replies are sent to the Graph API (`[send]`, `RELAY_SEND_*`).

use super::env::{env_number, EnvSource};
use resto_ops::Secret;
use serde::Deserialize;

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

impl MetaConfig {
    pub(super) fn apply_env(&mut self, env: &dyn EnvSource, problems: &mut Vec<String>) {
        if let Some(v) = env.get("META_APP_SECRET") {
            self.app_secret = Secret::new(v);
        }
        if let Some(v) = env.get("META_INSTAGRAM_APP_SECRET") {
            self.instagram_app_secret = Secret::new(v);
        }
        if let Some(v) = env.get("META_VERIFY_TOKEN") {
            self.verify_token = Secret::new(v);
        }
        if let Some(v) = env.get("META_SIGNATURE_REQUIRED") {
            match SignatureMode::parse(&v) {
                Some(m) => self.signature_required = m,
                None => problems.push(format!(
                    "META_SIGNATURE_REQUIRED={v:?} must be off, warn or enforce"
                )),
            }
        }
        if let Some(v) = env.get("META_GRAPH_URL") {
            self.graph_url = v;
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
    /// `RELAY_SEND_LEASE_SECS`: a claimed reply whose outcome was never recorded is retried
    /// after this (a relay's start releases the leases of its dead predecessor at once).
    pub lease_secs: u64,
    /// `RELAY_SEND_CONCURRENCY`: Graph calls in flight at most, all accounts together.
    pub concurrency: usize,
    /// `RELAY_SEND_ACCOUNT_CONCURRENCY`: Graph calls in flight at most per channel account.
    pub account_concurrency: usize,
    /// `RELAY_SEND_ACCOUNT_RATE`: sends per second at most per channel account (Meta allows
    /// 80 per WhatsApp number by default); 0 = not paced.
    pub account_rate: u32,
}

impl Default for SendConfig {
    fn default() -> Self {
        SendConfig {
            max_attempts: 8,
            retry_base_ms: 1000,
            retry_max_ms: 300_000,
            timeout_ms: 10_000,
            lease_secs: 60,
            concurrency: 256,
            account_concurrency: 32,
            account_rate: 80,
        }
    }
}

impl SendConfig {
    pub(super) fn apply_env(&mut self, env: &dyn EnvSource, problems: &mut Vec<String>) {
        let mut attempts = u64::from(self.max_attempts);
        env_number(env, "RELAY_SEND_MAX_ATTEMPTS", &mut attempts, problems);
        self.max_attempts = attempts.clamp(1, 100) as u32;
        env_number(
            env,
            "RELAY_SEND_RETRY_BASE_MS",
            &mut self.retry_base_ms,
            problems,
        );
        env_number(
            env,
            "RELAY_SEND_RETRY_MAX_MS",
            &mut self.retry_max_ms,
            problems,
        );
        env_number(env, "RELAY_SEND_TIMEOUT_MS", &mut self.timeout_ms, problems);
        env_number(env, "RELAY_SEND_LEASE_SECS", &mut self.lease_secs, problems);
        let mut n = self.concurrency as u64;
        env_number(env, "RELAY_SEND_CONCURRENCY", &mut n, problems);
        self.concurrency = n.clamp(1, 10_000) as usize;
        let mut n = self.account_concurrency as u64;
        env_number(env, "RELAY_SEND_ACCOUNT_CONCURRENCY", &mut n, problems);
        self.account_concurrency = n.clamp(1, 10_000) as usize;
        let mut n = u64::from(self.account_rate);
        env_number(env, "RELAY_SEND_ACCOUNT_RATE", &mut n, problems);
        self.account_rate = n.min(100_000) as u32;
    }
}
