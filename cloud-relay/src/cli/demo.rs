//! `resto-relay demo`: the options, handed to `crate::demo`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub(super) fn run(
    config: Option<&Path>,
    edge_bin: Option<PathBuf>,
    real_hours: bool,
) -> anyhow::Result<ExitCode> {
    let opts = crate::demo::DemoOptions {
        edge_bin,
        real_hours,
    };
    crate::demo::run(config, opts)?;
    Ok(ExitCode::SUCCESS)
}
