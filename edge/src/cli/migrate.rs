//! `resto-edge migrate`: create or update the schema, then say which migrations ran.

use crate::store;
use std::path::Path;

pub fn run(path: &Path) -> anyhow::Result<()> {
    let applied = store::migrate(path)?;
    if applied.is_empty() {
        println!("{}: schema is up to date", path.display());
    } else {
        println!("{}: applied {}", path.display(), applied.join(", "));
    }
    Ok(())
}
