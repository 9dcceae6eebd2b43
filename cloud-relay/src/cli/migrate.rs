//! `resto-relay migrate`.

use crate::store;
use std::path::Path;
use std::process::ExitCode;

pub(super) fn run(config: Option<&Path>) -> anyhow::Result<ExitCode> {
    let cfg = super::load(config)?;
    let applied = store::migrate(&cfg.db_path())?;
    if applied.is_empty() {
        println!("{}: schema is up to date", cfg.db_path().display());
    } else {
        println!(
            "{}: applied {}",
            cfg.db_path().display(),
            applied.join(", ")
        );
    }
    Ok(ExitCode::SUCCESS)
}
