//! The edge's SQLite store: WAL with `synchronous=FULL` (an order confirmed to a customer
//! must survive a power cut, DESIGN §4), migrations embedded.

use rusqlite::Connection;
use std::path::Path;

mod embedded {
    refinery::embed_migrations!("../migrations/edge");
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("cannot apply database migrations: {0}")]
    Migration(#[from] refinery::Error),
    #[error("cannot create {path}: {source}. Check EDGE_DATA_DIR and its permissions.")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
}

pub fn open(path: &Path) -> Result<Connection, StoreError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::DataDir {
            path: dir.display().to_string(),
            source,
        })?;
    }
    let mut conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // The daemon and a CLI command (e.g. `menu import` right after start) may both migrate
    // a fresh file: refinery does not re-read its history under SQLite's lock, so the loser
    // fails on a migration the winner just applied. Running again sees it applied.
    let mut attempt = 0;
    loop {
        match embedded::migrations::runner().run(&mut conn) {
            Ok(_) => return Ok(conn),
            Err(_) if attempt < 3 => {
                attempt += 1;
                std::thread::sleep(std::time::Duration::from_millis(300));
            }
            Err(e) => return Err(e.into()),
        }
    }
}

pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Opens (creating if needed) and migrates; returns the names of the migrations applied now.
pub fn migrate(path: &Path) -> Result<Vec<String>, StoreError> {
    let mut conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    let report = embedded::migrations::runner().run(&mut conn)?;
    Ok(report
        .applied_migrations()
        .iter()
        .map(|m| m.to_string())
        .collect())
}
