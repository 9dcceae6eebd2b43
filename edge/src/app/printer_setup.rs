//! Setting up kitchen printers (CLI `resto-edge printer …`, console settings): add or change,
//! remove, and each printer with its queue of waiting tickets.

use crate::domain::printer::{PrinterForm, PrinterSettings};
use crate::store::print_jobs::{self, Queue};
use crate::store::printers::{self, Printer};
use crate::store::{fmt_ts, menu::default_language};
use chrono::{DateTime, Utc};
use rusqlite::Connection;

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// Every problem of the form, each saying what to type instead.
    #[error("{}", .0.join("\n"))]
    Invalid(Vec<String>),
    #[error("there is no printer named {0:?}; `resto-edge printer list` shows them")]
    Unknown(String),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// Adds the printer or changes the one with that name.
pub fn save(c: &Connection, form: &PrinterForm, now: DateTime<Utc>) -> Result<Printer, SetupError> {
    let lang = crate::domain::menu::Lang::parse(&default_language(c)?)
        .unwrap_or(crate::domain::menu::Lang::Fr);
    let settings = form
        .validate(lang, &printers::menu_categories(c)?)
        .map_err(SetupError::Invalid)?;
    let id = printers::save(c, &settings, &fmt_ts(now))?;
    tracing::info!(printer = %settings.name, target = %settings.target.describe(), "printer saved");
    Ok(Printer { id, settings })
}

/// Removes the printer; its waiting tickets go with it (say so to the user).
pub fn remove(c: &Connection, name: &str) -> Result<i64, SetupError> {
    let waiting = with_queues(c)?
        .into_iter()
        .find(|(p, _)| p.settings.name == name)
        .map(|(_, q)| q.waiting)
        .ok_or_else(|| SetupError::Unknown(name.to_string()))?;
    printers::remove(c, name)?;
    Ok(waiting)
}

pub fn find(c: &Connection, name: &str) -> Result<PrinterSettings, SetupError> {
    printers::by_name(c, name)?
        .map(|p| p.settings)
        .ok_or_else(|| SetupError::Unknown(name.to_string()))
}

/// Every printer with its queue, by name.
pub fn with_queues(c: &Connection) -> rusqlite::Result<Vec<(Printer, Queue)>> {
    let mut queues = print_jobs::queues(c)?;
    Ok(printers::list(c)?
        .into_iter()
        .map(|p| {
            let at = queues.iter().position(|q| q.printer_id == p.id);
            let q = at.map(|i| queues.swap_remove(i)).unwrap_or(Queue {
                printer_id: p.id,
                waiting: 0,
                last_error: None,
                last_printed_at: None,
            });
            (p, q)
        })
        .collect())
}
