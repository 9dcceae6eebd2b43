//! `resto-edge menu import|export`: the menu as a JSON file (format of
//! `shared/fixtures/menus/demo_menu.json`).

use crate::store::{self, menu};
use anyhow::Context;
use clap::Subcommand;
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum MenuAction {
    /// Replace the menu with FILE. A file with problems is refused whole, every problem
    /// listed, and the current menu stays as it was.
    Import { file: PathBuf },
    /// Write the current menu as JSON (to stdout, or to --out FILE).
    Export {
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

pub fn run(db_path: &Path, action: MenuAction) -> anyhow::Result<ExitCode> {
    let mut conn = store::open(db_path)?;
    match action {
        MenuAction::Import { file } => import(&mut conn, &file),
        MenuAction::Export { out } => export(&conn, out.as_deref()).map(|()| ExitCode::SUCCESS),
    }
}

/// A refused file is not an error of the tool: every problem is listed, then exit 1.
fn import(conn: &mut Connection, file: &Path) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let m = match menu::import_json(conn, &bytes, &store::now()) {
        Ok(m) => m,
        Err(menu::ImportError::Invalid(problems)) => {
            eprintln!(
                "{} was NOT imported; the current menu is unchanged. Fix these {} problem(s):",
                file.display(),
                problems.len()
            );
            for p in &problems {
                eprintln!("  {p}");
            }
            return Ok(ExitCode::FAILURE);
        }
        Err(e) => return Err(e.into()),
    };
    println!(
        "menu imported: {} categories, {} items, {} delivery zones, {} FAQ entries",
        m.categories.len(),
        m.items().count(),
        m.delivery.zones.len(),
        m.faq.len()
    );
    Ok(ExitCode::SUCCESS)
}

fn export(conn: &Connection, out: Option<&Path>) -> anyhow::Result<()> {
    let m =
        menu::load(conn)?.context("no menu yet; import one with `resto-edge menu import FILE`")?;
    let text = serde_json::to_string_pretty(&m)? + "\n";
    match out {
        Some(path) => std::fs::write(path, text)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => print!("{text}"),
    }
    Ok(())
}
