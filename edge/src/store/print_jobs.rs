//! Print jobs: one row per ticket a printer owes the kitchen, written in the caller's
//! transaction (the one that confirms, accepts, cancels or changes the order) and marked
//! printed only once the printer took every byte. A printer's jobs go out oldest first.

use super::Cached;
use crate::domain::printer::JobKind;
use rusqlite::{params, Connection, OptionalExtension};

/// A job the worker may send now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: i64,
    pub printer_id: i64,
    pub order_id: i64,
    pub kind: JobKind,
    pub attempts: u32,
}

pub fn insert(
    c: &Connection,
    printer_id: i64,
    order_id: i64,
    kind: JobKind,
    at: &str,
) -> rusqlite::Result<i64> {
    c.row(
        "INSERT INTO print_jobs (printer_id, order_id, kind, next_attempt_at, created_at) VALUES (?1, ?2, ?3, ?4, ?4) RETURNING id",
        params![printer_id, order_id, kind.as_str(), at],
        |r| r.get(0),
    )
}

/// Printers that were sent (or still owe) a ticket of this order, with whether the order's
/// own ticket has come out: what a cancellation or a change must reach.
pub fn printers_of_order(c: &Connection, order_id: i64) -> rusqlite::Result<Vec<(i64, bool)>> {
    let mut st = c.prepare_cached(
        "SELECT printer_id, max(status = 'printed') FROM print_jobs WHERE order_id = ?1 \
         GROUP BY printer_id ORDER BY printer_id",
    )?;
    let rows = st.query_map(params![order_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

/// Drops the tickets of this order a printer has not printed yet (the order was cancelled
/// before the kitchen saw it).
pub fn drop_waiting(c: &Connection, printer_id: i64, order_id: i64) -> rusqlite::Result<usize> {
    c.run(
        "DELETE FROM print_jobs WHERE printer_id = ?1 AND order_id = ?2 AND status = 'waiting'",
        params![printer_id, order_id],
    )
}

/// The printer's oldest waiting job, if its time has come. Later jobs wait behind it: the
/// kitchen reads tickets in the order the orders came.
pub fn due(c: &Connection, printer_id: i64, now: &str) -> rusqlite::Result<Option<Job>> {
    c.row(
        "SELECT id, printer_id, order_id, kind, attempts, next_attempt_at FROM print_jobs \
         WHERE printer_id = ?1 AND status = 'waiting' ORDER BY id LIMIT 1",
        params![printer_id],
        |r| {
            let next: String = r.get(5)?;
            Ok((next.as_str() <= now).then(|| Job {
                id: r.get(0).unwrap_or_default(),
                printer_id: r.get(1).unwrap_or_default(),
                order_id: r.get(2).unwrap_or_default(),
                kind: r
                    .get::<_, String>(3)
                    .ok()
                    .and_then(|k| JobKind::parse(&k))
                    .unwrap_or(JobKind::Order),
                attempts: r.get(4).unwrap_or_default(),
            }))
        },
    )
    .optional()
    .map(Option::flatten)
}

pub fn mark_printed(c: &Connection, job_id: i64, at: &str) -> rusqlite::Result<()> {
    c.run(
        "UPDATE print_jobs SET status = 'printed', printed_at = ?2, attempts = attempts + 1, last_error = NULL WHERE id = ?1",
        params![job_id, at],
    )?;
    Ok(())
}

pub fn mark_failed(
    c: &Connection,
    job_id: i64,
    error: &str,
    next_at: &str,
) -> rusqlite::Result<()> {
    c.run(
        "UPDATE print_jobs SET attempts = attempts + 1, last_error = ?2, next_attempt_at = ?3 WHERE id = ?1",
        params![job_id, error, next_at],
    )?;
    Ok(())
}

/// Every waiting job of every printer (or of the one named) due now: the retry button.
pub fn retry_now(c: &Connection, printer: Option<&str>, now: &str) -> rusqlite::Result<usize> {
    c.run(
        "UPDATE print_jobs SET next_attempt_at = ?1 WHERE status = 'waiting' \
         AND (?2 IS NULL OR printer_id = (SELECT id FROM printers WHERE name = ?2))",
        params![now, printer],
    )
}

/// A printer's queue as the console shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queue {
    pub printer_id: i64,
    pub waiting: i64,
    /// Why the oldest waiting ticket did not print last time (none while it was never tried).
    pub last_error: Option<String>,
    pub last_printed_at: Option<String>,
}

pub fn queues(c: &Connection) -> rusqlite::Result<Vec<Queue>> {
    let mut st = c.prepare_cached(
        "SELECT p.id, \
           (SELECT count(*) FROM print_jobs j WHERE j.printer_id = p.id AND j.status = 'waiting'), \
           (SELECT last_error FROM print_jobs j WHERE j.printer_id = p.id AND j.status = 'waiting' ORDER BY id LIMIT 1), \
           (SELECT max(printed_at) FROM print_jobs j WHERE j.printer_id = p.id AND j.status = 'printed') \
         FROM printers p ORDER BY p.name",
    )?;
    let rows = st.query_map([], |r| {
        Ok(Queue {
            printer_id: r.get(0)?,
            waiting: r.get(1)?,
            last_error: r.get(2)?,
            last_printed_at: r.get(3)?,
        })
    })?;
    rows.collect()
}

/// The kinds of ticket printed for an order on a printer, oldest first (tests, order card).
pub fn printed_kinds(c: &Connection, order_id: i64) -> rusqlite::Result<Vec<(i64, JobKind)>> {
    let mut st = c.prepare_cached(
        "SELECT printer_id, kind FROM print_jobs WHERE order_id = ?1 AND status = 'printed' ORDER BY id",
    )?;
    let rows = st.query_map(params![order_id], |r| {
        let k: String = r.get(1)?;
        Ok((r.get(0)?, JobKind::parse(&k).unwrap_or(JobKind::Order)))
    })?;
    rows.collect()
}
