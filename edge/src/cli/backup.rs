//! `resto-edge backup` (online, while the daemon runs) and `resto-edge restore` (daemon
//! stopped), both through `resto_ops::backup` like the relay's.

use crate::{config, store};
use resto_ops::backup as ops_backup;
use std::path::{Path, PathBuf};

pub fn backup(data_dir: &Path, db_path: &Path, out: Option<PathBuf>) -> anyhow::Result<()> {
    let dest = match out {
        Some(p) => p,
        None => {
            // A broken edge.toml must not prevent a backup: fall back to the default folder.
            let dir = config::EdgeConfig::load_unchecked(data_dir)
                .map(|(c, _)| c.backup.dir(data_dir))
                .unwrap_or_else(|_| data_dir.join("backups"));
            ops_backup::scheduled_name(&dir, "edge", chrono::Utc::now())
        }
    };
    let r = ops_backup::backup(db_path, &dest)?;
    println!(
        "backup written and verified: {} ({} bytes)",
        r.path.display(),
        r.bytes
    );
    Ok(())
}

pub fn restore(data_dir: &Path, db_path: &Path, file: &Path, force: bool) -> anyhow::Result<()> {
    // The daemon holds this lock while it runs; replacing the file under it would lose writes.
    let _lock = resto_ops::lock::DataDirLock::acquire(data_dir, "resto-edge")?;
    let r = ops_backup::restore(file, db_path, force, store::SINGLETON_TABLES, |p| {
        store::migrate(p).map_err(|e| e.to_string())
    })?;
    if let Some(prev) = &r.previous {
        println!("previous database kept as {}", prev.display());
    }
    if !r.migrated.is_empty() {
        println!("backup was older: applied {}", r.migrated.join(", "));
    }
    println!(
        "{} restored from {}; start the service again",
        db_path.display(),
        file.display()
    );
    Ok(())
}
