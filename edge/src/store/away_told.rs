//! Customers the relay told, while this node was away, that their message is saved (events
//! flagged `away_notice`): counted for the console until staff acknowledge it.

use crate::store::Cached;
use rusqlite::{params, Connection};

/// Remembers the customer; false when already counted.
pub fn remember(c: &Connection, provider: &str, user_id: &str, at: &str) -> rusqlite::Result<bool> {
    let n = c.run(
        "INSERT OR IGNORE INTO away_told (provider, user_id, told_seen) VALUES (?1, ?2, ?3)",
        params![provider, user_id, at],
    )?;
    Ok(n == 1)
}

/// How many customers were told, and since when (the first one this edge learnt of).
pub fn summary(c: &Connection) -> rusqlite::Result<(i64, Option<String>)> {
    c.row("SELECT count(*), min(told_seen) FROM away_told", [], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })
}

/// Staff saw the notice: start counting afresh.
pub fn acknowledge(c: &Connection) -> rusqlite::Result<usize> {
    c.run("DELETE FROM away_told", [])
}
