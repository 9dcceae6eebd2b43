//! Setting up kitchen printers (CLI `resto-edge printer …`, console settings): add or change,
//! remove, and each printer with its queue of waiting tickets.

use crate::app::kitchen_tickets::test_page_bytes;
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

/// The test page for the printer named: where to send it and its bytes (CLI `printer test`,
/// console "Page de test").
pub fn test_page(
    c: &Connection,
    name: &str,
    now: DateTime<Utc>,
) -> Result<(PrinterSettings, Vec<u8>), SetupError> {
    let p = find(c, name)?;
    let bytes = test_page_bytes(c, &p, now)?;
    Ok((p, bytes))
}

/// A printer the kitchen is waiting on: tickets queued and the last try failed. The board
/// shows it to every staff member until its queue is empty.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Offline {
    pub name: String,
    pub waiting: i64,
    /// Why the oldest waiting ticket did not print, in words the staff can act on.
    pub error: String,
}

/// The printers with waiting tickets whose last try failed, by name. A queue whose oldest
/// ticket was never tried yet is not shown: the worker tries it within a second.
pub fn offline(c: &Connection) -> rusqlite::Result<Vec<Offline>> {
    Ok(with_queues(c)?
        .into_iter()
        .filter_map(|(p, q)| match q.last_error {
            Some(error) if q.waiting > 0 => Some(Offline {
                name: p.settings.name,
                waiting: q.waiting,
                error,
            }),
            _ => None,
        })
        .collect())
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

/// Each printer's waiting tickets and whether its last try failed, for `/metrics`: a
/// kitchen printer off for an hour is worth an alert.
pub fn metrics(c: &Connection) -> rusqlite::Result<String> {
    let mut out = String::from(
        "# HELP resto_edge_print_jobs_waiting Kitchen tickets waiting for their printer.\n# TYPE resto_edge_print_jobs_waiting gauge\n",
    );
    let all = with_queues(c)?;
    for (p, q) in &all {
        out.push_str(&format!(
            "resto_edge_print_jobs_waiting{{printer=\"{}\"}} {}\n",
            label(&p.settings.name),
            q.waiting
        ));
    }
    out.push_str("# HELP resto_edge_printer_failing 1 when the printer's oldest waiting ticket failed its last try.\n# TYPE resto_edge_printer_failing gauge\n");
    for (p, q) in &all {
        out.push_str(&format!(
            "resto_edge_printer_failing{{printer=\"{}\"}} {}\n",
            label(&p.settings.name),
            u8::from(q.last_error.is_some())
        ));
    }
    Ok(out)
}

/// A Prometheus label value: backslash, quote and newline escaped.
fn label(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::printer::JobKind;
    use crate::store::print_jobs;

    fn form(name: &str) -> PrinterForm {
        PrinterForm {
            name: name.into(),
            address: Some("127.0.0.1:9100".into()),
            ..PrinterForm::default()
        }
    }

    #[test]
    fn offline_lists_only_printers_with_waiting_tickets_that_failed() {
        let now = Utc::now();
        // The order comes before the printers: its jobs are written by hand below.
        let (c, order_id) =
            crate::app::counter_order::demo_shop_with_order("offline", &["PZ-MARG"], now);
        let cuisine = save(&c, &form("cuisine"), now).unwrap().id;
        let bar = save(&c, &form("bar"), now).unwrap().id;
        assert!(offline(&c).unwrap().is_empty());
        let at = fmt_ts(now);
        let first = print_jobs::insert(&c, cuisine, order_id, JobKind::Order, &at).unwrap();
        print_jobs::insert(&c, cuisine, order_id, JobKind::Reprint, &at).unwrap();
        print_jobs::insert(&c, bar, order_id, JobKind::Order, &at).unwrap();
        assert!(offline(&c).unwrap().is_empty(), "never tried yet");
        print_jobs::mark_failed(&c, first, "printer 127.0.0.1:9100 does not answer", &at).unwrap();
        assert_eq!(
            offline(&c).unwrap(),
            vec![Offline {
                name: "cuisine".into(),
                waiting: 2,
                error: "printer 127.0.0.1:9100 does not answer".into()
            }]
        );
        print_jobs::mark_printed(&c, first, &at).unwrap();
        assert!(
            offline(&c).unwrap().is_empty(),
            "the next ticket goes out now"
        );
    }

    #[test]
    fn test_page_of_an_unknown_printer_says_how_to_list_them() {
        let (_, c) = crate::store::demo_shop_db("testpage");
        let e = test_page(&c, "grill", Utc::now()).unwrap_err();
        assert!(e.to_string().contains("printer list"), "{e}");
        save(&c, &form("grill"), Utc::now()).unwrap();
        let (p, bytes) = test_page(&c, "grill", Utc::now()).unwrap();
        assert_eq!(p.name, "grill");
        assert_eq!(&bytes[..2], b"\x1b@", "a test page starts with ESC @");
    }
}
