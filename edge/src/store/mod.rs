//! The edge's SQLite store: WAL with `synchronous=FULL` (an order confirmed to a customer
//! must survive a power cut, DESIGN §4), migrations embedded.
//!
//! All SQL lives under this module, one file per group of tables.
//! May import: `config`, `domain`.

pub mod applied;
pub mod away_told;
pub mod conversations;
pub mod customer_orders;
pub mod customers;
pub mod delivery;
pub mod faq;
pub mod funnel;
pub mod learning;
pub mod media;
pub mod menu;
pub mod orders;
pub mod outbox;
pub mod payments;
pub mod print_jobs;
pub mod printers;
pub mod qr;
pub mod retention;
pub mod staff;
pub mod sync_status;
pub mod tickets;
pub mod transcript;
pub mod trust;

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
    open_and_migrate(path).map(|(conn, _)| conn)
}

/// Opens (creating if needed) and migrates; returns the names of the migrations applied now.
pub fn migrate(path: &Path) -> Result<Vec<String>, StoreError> {
    open_and_migrate(path).map(|(_, applied)| applied)
}

fn open_and_migrate(path: &Path) -> Result<(Connection, Vec<String>), StoreError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::DataDir {
            path: dir.display().to_string(),
            source,
        })?;
    }
    // The daemon and a CLI command (`menu import`) may open the same fresh file at once.
    // The lock covers the switch to WAL too: SQLite answers BUSY at once, without waiting,
    // when two connections race to change the journal mode of a new database.
    let _serial = migration_lock(path)?;
    let mut conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    // Plans must not depend on bound values: otherwise SQLite re-prepares a cached statement
    // each time a value changes, which cost as much as not caching it (perf).
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    let report = embedded::migrations::runner().run(&mut conn)?;
    let applied = report
        .applied_migrations()
        .iter()
        .map(|m| m.to_string())
        .collect();
    Ok((conn, applied))
}

fn migration_lock(path: &Path) -> Result<resto_ops::lock::MigrationLock, StoreError> {
    resto_ops::lock::MigrationLock::wait(path).map_err(|source| StoreError::DataDir {
        path: format!("{}.migrate-lock", path.display()),
        source,
    })
}

/// `execute` and `query_row` through the connection's statement cache. The apply path runs
/// the same few dozen statements for every message; parsing them again each time was a third
/// of its CPU (perf over `scripts/bench-edge.sh`).
pub trait Cached {
    fn run(&self, sql: &str, params: impl rusqlite::Params) -> rusqlite::Result<usize>;
    fn row<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        f: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T>;
}

impl Cached for Connection {
    fn run(&self, sql: &str, params: impl rusqlite::Params) -> rusqlite::Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }
    fn row<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        f: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        self.prepare_cached(sql)?.query_row(params, f)
    }
}

/// Statements kept prepared per connection: every distinct one the apply path uses, with room.
pub const STATEMENT_CACHE: usize = 128;

/// The one timestamp format of every column the edge writes: RFC 3339 UTC with milliseconds,
/// so text order is time order.
pub fn fmt_ts(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub fn now() -> String {
    fmt_ts(chrono::Utc::now())
}

/// The write connection, shared by the daemon's tasks (sync loops, console, jobs).
pub type Db = std::sync::Arc<std::sync::Mutex<Connection>>;

/// Tables that a fresh, migrated edge database already has a row in.
// FTS5 keeps its own bookkeeping rows (`faq_fts_data`, `faq_fts_config`) even when empty.
pub const SINGLETON_TABLES: &[&str] = &["sync_state", "faq_fts_data", "faq_fts_config"];

/// For tests: a fresh database in a temporary folder with the demo restaurant's menu imported
/// (`shared/fixtures/menus/demo_menu.json`), so customers are answered. Returns the folder
/// (remove it when done) and a connection.
#[cfg(test)]
pub(crate) fn demo_shop_db(tag: &str) -> (std::path::PathBuf, Connection) {
    let dir = std::env::temp_dir().join(format!("edge-{tag}-{}", ulid::Ulid::new()));
    let mut c = open(&dir.join("edge.db")).unwrap();
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/fixtures/menus/demo_menu.json"
    ))
    .unwrap();
    let m =
        crate::domain::menu::validate::parse_menu(&bytes, &crate::domain::places::PLACES).unwrap();
    let tx = c.transaction().unwrap();
    menu::import(&tx, &m, "2026-11-23T10:00:00.000Z").unwrap();
    tx.commit().unwrap();
    (dir, c)
}
