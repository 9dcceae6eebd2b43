//! Kitchen printers as the owner set them up (`resto-edge printer …`, console settings).

use super::Cached;
use crate::domain::menu::Lang;
use crate::domain::printer::{PrinterSettings, PrinterTarget};
use rusqlite::{params, Connection, OptionalExtension, Row};

/// A stored printer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Printer {
    pub id: i64,
    pub settings: PrinterSettings,
}

const COLUMNS: &str = "id, name, address, device, width_mm, lang, categories, copies";

fn printer(r: &Row<'_>) -> rusqlite::Result<Printer> {
    let address: Option<String> = r.get(2)?;
    let device: Option<String> = r.get(3)?;
    let target = match (address, device) {
        (Some(a), _) => {
            let (host, port) = crate::domain::printer::parse_address(&a).unwrap_or((a, 9100));
            PrinterTarget::Tcp { host, port }
        }
        (None, d) => PrinterTarget::Device(d.unwrap_or_default()),
    };
    let categories: String = r.get(6)?;
    Ok(Printer {
        id: r.get(0)?,
        settings: PrinterSettings {
            name: r.get(1)?,
            target,
            width_mm: r.get(4)?,
            lang: Lang::parse(&r.get::<_, String>(5)?).unwrap_or(Lang::Fr),
            categories: serde_json::from_str(&categories).unwrap_or_default(),
            copies: r.get(7)?,
        },
    })
}

fn target_columns(t: &PrinterTarget) -> (Option<String>, Option<&str>) {
    match t {
        PrinterTarget::Tcp { .. } => (Some(t.describe()), None),
        PrinterTarget::Device(d) => (None, Some(d.as_str())),
    }
}

/// Adds the printer, or replaces the settings of the one with that name (its waiting tickets
/// stay queued for it). Returns its id.
pub fn save(c: &Connection, s: &PrinterSettings, at: &str) -> rusqlite::Result<i64> {
    let (address, device) = target_columns(&s.target);
    let categories = serde_json::to_string(&s.categories).unwrap_or_else(|_| "[]".into());
    c.row(
        "INSERT INTO printers (name, address, device, width_mm, lang, categories, copies, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
         ON CONFLICT (name) DO UPDATE SET address = ?2, device = ?3, width_mm = ?4, lang = ?5, categories = ?6, copies = ?7 \
         RETURNING id",
        params![s.name, address, device, s.width_mm, s.lang.as_str(), categories, s.copies, at],
        |r| r.get(0),
    )
}

pub fn list(c: &Connection) -> rusqlite::Result<Vec<Printer>> {
    let mut st = c.prepare_cached(&format!("SELECT {COLUMNS} FROM printers ORDER BY name"))?;
    let rows = st.query_map([], printer)?;
    rows.collect()
}

pub fn by_name(c: &Connection, name: &str) -> rusqlite::Result<Option<Printer>> {
    c.row(
        &format!("SELECT {COLUMNS} FROM printers WHERE name = ?1"),
        params![name],
        printer,
    )
    .optional()
}

pub fn by_id(c: &Connection, id: i64) -> rusqlite::Result<Option<Printer>> {
    c.row(
        &format!("SELECT {COLUMNS} FROM printers WHERE id = ?1"),
        params![id],
        printer,
    )
    .optional()
}

/// Removes the printer and its waiting tickets; false when there was none of that name.
pub fn remove(c: &Connection, name: &str) -> rusqlite::Result<bool> {
    Ok(c.run("DELETE FROM printers WHERE name = ?1", params![name])? == 1)
}

/// The menu's category ids, for validating a station's categories.
pub fn menu_categories(c: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut st = c.prepare_cached("SELECT id FROM menu_categories ORDER BY position")?;
    let rows = st.query_map([], |r| r.get(0))?;
    rows.collect()
}
