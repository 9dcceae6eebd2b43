//! `[read_receipts]` (`RELAY_READ_RECEIPTS*`): when a node takes a customer's WhatsApp
//! message, the relay marks it read with a typing indicator (docs/relay.md § Read receipts).

use super::env::{env_bool, env_number, EnvSource};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ReadReceiptsConfig {
    /// `RELAY_READ_RECEIPTS`: off sends none.
    pub enabled: bool,
    /// `RELAY_READ_RECEIPTS_TIMEOUT_MS`: one call's timeout. Never retried: a late read
    /// receipt is worth nothing, and replies never wait for it.
    pub timeout_ms: u64,
}

impl Default for ReadReceiptsConfig {
    fn default() -> Self {
        ReadReceiptsConfig {
            enabled: true,
            timeout_ms: 5000,
        }
    }
}

impl ReadReceiptsConfig {
    pub(super) fn apply_env(&mut self, env: &dyn EnvSource, problems: &mut Vec<String>) {
        env_bool(env, "RELAY_READ_RECEIPTS", &mut self.enabled, problems);
        env_number(
            env,
            "RELAY_READ_RECEIPTS_TIMEOUT_MS",
            &mut self.timeout_ms,
            problems,
        );
    }

    pub(super) fn problems(&self) -> Vec<String> {
        if (100..=60_000).contains(&self.timeout_ms) {
            Vec::new()
        } else {
            vec![format!(
                "[read_receipts] timeout_ms / RELAY_READ_RECEIPTS_TIMEOUT_MS = {} must be 100..60000 (default 5000)",
                self.timeout_ms
            )]
        }
    }
}
