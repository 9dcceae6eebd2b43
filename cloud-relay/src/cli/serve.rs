//! `resto-relay serve`.

use std::path::Path;
use std::process::ExitCode;

pub(super) fn run(config: Option<&Path>) -> anyhow::Result<ExitCode> {
    let cfg = super::load(config)?;
    cfg.validate().map_err(|e| anyhow::anyhow!(e))?;
    crate::server::run(cfg)?;
    Ok(ExitCode::SUCCESS)
}
