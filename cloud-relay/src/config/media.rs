//! How the relay fetches customers' media from Meta and hands it to the device (`[media]`,
//! `RELAY_MEDIA_*`).

use super::env::{env_number, EnvSource};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct MediaConfig {
    /// `RELAY_MEDIA_HOSTS`: extra download hosts (`host` or `host:port`, comma-separated),
    /// allowed over plain http and on private addresses. For tests and the demo on 127.0.0.1
    /// only: production fetches from Meta's CDN list alone.
    pub extra_hosts: Vec<String>,
    /// `RELAY_MEDIA_MAX_ATTEMPTS`: fetch attempts before an item is recorded as failed.
    pub max_attempts: u32,
    /// `RELAY_MEDIA_RETRY_BASE_MS`: first retry delay; doubles each attempt.
    pub retry_base_ms: u64,
    /// `RELAY_MEDIA_KEEP_HOURS`: how long a file stays on the relay after its device has it.
    pub keep_after_delivery_hours: u64,
}

impl Default for MediaConfig {
    fn default() -> Self {
        MediaConfig {
            extra_hosts: Vec::new(),
            max_attempts: 6,
            retry_base_ms: 2_000,
            keep_after_delivery_hours: 24,
        }
    }
}

impl MediaConfig {
    pub(super) fn apply_env(&mut self, env: &dyn EnvSource, problems: &mut Vec<String>) {
        if let Some(v) = env.get("RELAY_MEDIA_HOSTS") {
            self.extra_hosts = v
                .split(',')
                .map(|h| h.trim().to_ascii_lowercase())
                .filter(|h| !h.is_empty())
                .collect();
        }
        let mut attempts = u64::from(self.max_attempts);
        env_number(env, "RELAY_MEDIA_MAX_ATTEMPTS", &mut attempts, problems);
        self.max_attempts = attempts.clamp(1, 50) as u32;
        env_number(
            env,
            "RELAY_MEDIA_RETRY_BASE_MS",
            &mut self.retry_base_ms,
            problems,
        );
        env_number(
            env,
            "RELAY_MEDIA_KEEP_HOURS",
            &mut self.keep_after_delivery_hours,
            problems,
        );
    }
}
