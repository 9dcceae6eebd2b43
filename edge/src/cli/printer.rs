//! `resto-edge printer add|list|remove|test`: the kitchen's printers, set up by the
//! technician from the device. `test` prints at once, without the daemon, and says what went
//! wrong in words the technician can act on.

use crate::app::printer_setup::{self, SetupError};
use crate::domain::printer::PrinterForm;
use crate::store;
use clap::Subcommand;
use std::path::Path;

#[derive(Subcommand)]
pub enum PrinterAction {
    /// Add a printer, or change the settings of the one with that name.
    Add {
        name: String,
        /// Network printer: its IP as on its self-test page, port 9100 unless given.
        #[arg(long, value_name = "HOST[:PORT]")]
        address: Option<String>,
        /// USB printer: its device file.
        #[arg(long, value_name = "PATH")]
        device: Option<String>,
        /// Paper width in mm: 58 or 80.
        #[arg(long, default_value_t = 80)]
        width: u16,
        /// Menu category ids this station prints, comma-separated (default: all).
        #[arg(long, value_delimiter = ',')]
        categories: Vec<String>,
        /// Copies of each ticket (1 to 5).
        #[arg(long, default_value_t = 1)]
        copies: u8,
        /// Staff's language on this printer: fr or ar (default: the restaurant's).
        #[arg(long)]
        lang: Option<String>,
    },
    /// Every printer with its waiting tickets.
    List,
    /// Remove a printer (its waiting tickets are dropped).
    Remove { name: String },
    /// Print a test page in French and Arabic now.
    Test { name: String },
}

pub fn run(db_path: &Path, action: PrinterAction) -> anyhow::Result<String> {
    let c = store::open(db_path)?;
    let now = chrono::Utc::now();
    Ok(match action {
        PrinterAction::Add {
            name,
            address,
            device,
            width,
            categories,
            copies,
            lang,
        } => {
            let form = PrinterForm {
                name,
                address,
                device,
                width_mm: Some(width),
                lang,
                categories,
                copies: Some(copies),
            };
            let p = printer_setup::save(&c, &form, now).map_err(explain)?;
            format!(
                "printer {} saved: {}; `resto-edge printer test {}` prints a test page",
                p.settings.name,
                describe(&p.settings),
                p.settings.name
            )
        }
        PrinterAction::List => {
            let all = printer_setup::with_queues(&c)?;
            if all.is_empty() {
                return Ok("no printer yet; add one with `resto-edge printer add cuisine --address 192.168.1.50`".into());
            }
            all.iter()
                .map(|(p, q)| {
                    let state = match (&q.last_error, q.waiting) {
                        (Some(e), n) => format!("OFFLINE, {n} ticket(s) waiting: {e}"),
                        (None, 0) => "ok".to_string(),
                        (None, n) => format!("{n} ticket(s) waiting"),
                    };
                    format!("{}\t{}\t{state}", p.settings.name, describe(&p.settings))
                })
                .collect::<Vec<_>>()
                .join("\n")
        }
        PrinterAction::Remove { name } => {
            let dropped = printer_setup::remove(&c, &name).map_err(explain)?;
            format!("printer {name} removed ({dropped} waiting ticket(s) dropped)")
        }
        PrinterAction::Test { name } => {
            let (p, bytes) = printer_setup::test_page(&c, &name, now).map_err(explain)?;
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            rt.block_on(crate::printer_link::send(&p.target, &bytes))?;
            format!(
                "test page sent to {} ({}): check that the Arabic and the French accents read right",
                p.name,
                p.target.describe()
            )
        }
    })
}

fn explain(e: SetupError) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

fn describe(s: &crate::domain::printer::PrinterSettings) -> String {
    let cats = if s.categories.is_empty() {
        "all categories".to_string()
    } else {
        s.categories.join(",")
    };
    format!(
        "{}, {} mm, {}, {cats}, {} cop{}",
        s.target.describe(),
        s.width_mm,
        s.lang.as_str(),
        s.copies,
        if s.copies == 1 { "y" } else { "ies" }
    )
}
