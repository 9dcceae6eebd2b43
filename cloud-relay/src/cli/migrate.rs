//! `resto-relay migrate`: applies the pending schema migrations to the relay's database,
//! SQLite (`relay.db` in RELAY_DATA_DIR) or PostgreSQL (RELAY_DATABASE_URL; under an
//! advisory lock, so it is safe while relays start).

use crate::config::Backend;
use crate::store;
use anyhow::Context;
use std::path::Path;
use std::process::ExitCode;

pub(super) fn run(config: Option<&Path>) -> anyhow::Result<ExitCode> {
    let cfg = super::load(config)?;
    let (shown, applied) = match cfg.backend() {
        Backend::Sqlite(path) => (path.display().to_string(), store::migrate(&path)?),
        Backend::Postgres(url) => {
            let target = store::pg::PgTarget::parse(url.expose())?;
            let shown = target.shown();
            let rt = super::runtime()?;
            let applied = rt
                .block_on(store::pg::migrate::migrate(&target))
                .with_context(|| format!("cannot migrate {shown}"))?;
            (shown, applied)
        }
    };
    if applied.is_empty() {
        println!("{shown}: schema is up to date");
    } else {
        println!("{shown}: applied {}", applied.join(", "));
    }
    Ok(ExitCode::SUCCESS)
}
