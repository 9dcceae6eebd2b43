//! `resto-relay restore FILE`: the relay must be stopped (the data directory lock says so).

use crate::store;
use std::path::Path;
use std::process::ExitCode;

pub(super) fn run(config: Option<&Path>, file: &Path, force: bool) -> anyhow::Result<ExitCode> {
    let cfg = super::load(config)?;
    let _lock = resto_ops::lock::DataDirLock::acquire(&cfg.data_dir, "resto-relay")?;
    let r = resto_ops::backup::restore(file, &cfg.db_path(), force, &[], |p| {
        store::migrate(p).map_err(|e| e.to_string())
    })?;
    if let Some(prev) = &r.previous {
        println!("previous database kept as {}", prev.display());
    }
    if !r.migrated.is_empty() {
        println!("backup was older: applied {}", r.migrated.join(", "));
    }
    println!(
        "{} restored from {}; start the relay again",
        cfg.db_path().display(),
        file.display()
    );
    if !cfg.master_key_path().exists() {
        println!(
            "WARNING: {} is missing: node secrets derive from it, so no device can sync. \
             Put back the master.key that belongs with this database (docs/RUNBOOK.md)",
            cfg.master_key_path().display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
