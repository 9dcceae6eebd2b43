//! Payment settings (`[payments]` in the relay's TOML, `CHARGILY_*` in the environment).
//! Here rather than in `payments` so the configuration depends on nothing else in the crate.

use super::env::{env_number, EnvSource};
use resto_ops::Secret;
use serde::Deserialize;
use std::str::FromStr;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PaymentsConfig {
    /// `CHARGILY_SECRET_KEY`: the gateway's API secret key; also signs its webhooks. Empty:
    /// online payments are off and nodes are told so when they ask for a checkout.
    pub secret_key: Secret,
    /// `CHARGILY_API_URL`: `https://pay.chargily.net/test/api/v2` (test mode) or
    /// `https://pay.chargily.net/api/v2` (live).
    pub api_url: String,
    /// `RELAY_PUBLIC_URL`: how the gateway and the customer's browser reach this relay
    /// (`https://relay.example.com`); the webhook and return URLs are built from it.
    pub public_url: String,
    /// `CHARGILY_RECONCILE_CRON`: when pending checkouts are re-checked (seconds field first).
    pub reconcile_cron: String,
    /// `CHARGILY_RECONCILE_AFTER_SECS`: a checkout still pending this long is asked about.
    pub reconcile_after_secs: u64,
    /// `CHARGILY_EXPIRE_SECS`: a checkout not paid after this is expired (the gateway's
    /// checkouts live 30 minutes).
    pub expire_secs: u64,
    /// `CHARGILY_GIVE_UP_SECS`: how long the relay keeps trying to create a checkout while
    /// the gateway is down before telling the node it is unavailable.
    pub give_up_secs: u64,
    /// `CHARGILY_TIMEOUT_MS`: timeout of one gateway call.
    pub timeout_ms: u64,
}

impl Default for PaymentsConfig {
    fn default() -> Self {
        PaymentsConfig {
            secret_key: Secret::default(),
            api_url: "https://pay.chargily.net/api/v2".into(),
            public_url: String::new(),
            reconcile_cron: "0 * * * * *".into(),
            reconcile_after_secs: 300,
            expire_secs: 1800,
            give_up_secs: 600,
            timeout_ms: 10_000,
        }
    }
}

impl PaymentsConfig {
    pub fn enabled(&self) -> bool {
        !self.secret_key.is_empty()
    }

    pub fn webhook_url(&self) -> String {
        format!(
            "{}/webhooks/payments/chargily",
            self.public_url.trim_end_matches('/')
        )
    }

    pub fn return_url(&self, outcome: &str) -> String {
        format!(
            "{}/payments/return?outcome={outcome}",
            self.public_url.trim_end_matches('/')
        )
    }

    pub fn schedule(&self) -> Result<cron::Schedule, String> {
        cron::Schedule::from_str(&self.reconcile_cron).map_err(|e| {
            format!(
                "CHARGILY_RECONCILE_CRON={:?} is not a cron expression ({e}); e.g. \"0 * * * * *\" for every minute",
                self.reconcile_cron
            )
        })
    }

    /// Environment overrides; problems are added to `problems`, not returned one by one.
    pub fn apply_env(&mut self, env: &dyn EnvSource, problems: &mut Vec<String>) {
        if let Some(v) = env.get("CHARGILY_SECRET_KEY") {
            self.secret_key = Secret::new(v.trim());
        }
        if let Some(v) = env.get("CHARGILY_API_URL") {
            self.api_url = v.trim().trim_end_matches('/').to_string();
        }
        if let Some(v) = env.get("RELAY_PUBLIC_URL") {
            self.public_url = v.trim().trim_end_matches('/').to_string();
        }
        if let Some(v) = env.get("CHARGILY_RECONCILE_CRON") {
            self.reconcile_cron = v;
        }
        for (key, slot) in [
            (
                "CHARGILY_RECONCILE_AFTER_SECS",
                &mut self.reconcile_after_secs,
            ),
            ("CHARGILY_EXPIRE_SECS", &mut self.expire_secs),
            ("CHARGILY_GIVE_UP_SECS", &mut self.give_up_secs),
            ("CHARGILY_TIMEOUT_MS", &mut self.timeout_ms),
        ] {
            env_number(env, key, slot, problems);
        }
    }

    /// Every problem with the payment settings, for start-up and `preflight`.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Err(e) = self.schedule() {
            out.push(e);
        }
        if !self.enabled() {
            return out;
        }
        if !(self.api_url.starts_with("https://") || self.api_url.starts_with("http://")) {
            out.push(format!(
                "CHARGILY_API_URL={:?} must be the gateway's http(s) base URL, e.g. https://pay.chargily.net/api/v2",
                self.api_url
            ));
        }
        if self.public_url.is_empty() {
            out.push("RELAY_PUBLIC_URL is not set: the gateway needs it to send payment webhooks (e.g. https://relay.example.com)".into());
        }
        if self.expire_secs == 0 || self.give_up_secs == 0 {
            out.push("CHARGILY_EXPIRE_SECS and CHARGILY_GIVE_UP_SECS must be at least 1".into());
        }
        out
    }
}
