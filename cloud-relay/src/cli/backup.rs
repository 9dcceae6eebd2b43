//! `resto-relay backup`: an online copy of relay.db, while the relay runs.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub(super) fn run(config: Option<&Path>, out: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let cfg = super::load(config)?;
    let dest = out.unwrap_or_else(|| {
        resto_ops::backup::scheduled_name(&cfg.backup.dir(&cfg), "relay", chrono::Utc::now())
    });
    let r = resto_ops::backup::backup(&cfg.db_path(), &dest)?;
    println!(
        "backup written and verified: {} ({} bytes)",
        r.path.display(),
        r.bytes
    );
    if !cfg.master_key_path().exists() {
        println!(
            "note: {} does not exist yet",
            cfg.master_key_path().display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
