//! `resto-edge status`: the sync status as one JSON line, for the technician and scripts.

use crate::store::{self, sync_status};
use std::path::Path;

pub fn run(db_path: &Path) -> anyhow::Result<()> {
    let c = store::open(db_path)?;
    println!("{}", serde_json::to_string(&sync_status::read(&c)?)?);
    Ok(())
}
