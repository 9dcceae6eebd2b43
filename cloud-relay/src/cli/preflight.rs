//! `resto-relay preflight`: configuration that does not even load is reported in the same
//! shape as what `crate::preflight` finds in one that does.

use crate::config::{ConfigError, ProcessEnv, RelayConfig};
use anyhow::bail;
use std::path::Path;
use std::process::ExitCode;

pub(super) fn run(config: Option<&Path>) -> anyhow::Result<ExitCode> {
    match RelayConfig::load(config, &ProcessEnv) {
        Ok(cfg) => Ok(crate::preflight::report(&cfg)),
        Err(ConfigError::Invalid(problems)) => {
            println!("preflight: {} problem(s)", problems.len());
            for p in problems {
                println!("  problem: {p}");
            }
            Ok(ExitCode::FAILURE)
        }
        Err(e) => bail!(e),
    }
}
