//! The `resto-edge` command line: the clap types and `dispatch`; each subcommand lives in its
//! own file, and `main.rs` only parses the arguments and returns the exit code.
//!
//! May import: every other module (it is the top).

pub mod backup;
pub mod customer;
pub mod enroll;
pub mod funnel;
pub mod menu;
pub mod migrate;
pub mod preflight;
pub mod printer;
pub mod qr;
pub mod run;
pub mod staff;
pub mod status;
pub mod trust;

use crate::app::qr::QrError;
use crate::store::{self, faq::FaqError, trust::TrustError};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "resto-edge", version, about = "RestoBot edge daemon")]
pub struct Cli {
    /// Directory holding edge.db and edge.toml.
    #[arg(
        long,
        global = true,
        env = "EDGE_DATA_DIR",
        default_value = "./data/edge"
    )]
    data_dir: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create or update the database schema, then exit.
    Migrate {
        /// Database file (default: <data dir>/edge.db).
        #[arg(long, env = "EDGE_DB")]
        db: Option<PathBuf>,
    },
    /// Write this device's relay URL, node id and secret to <data dir>/edge.toml (mode 0600).
    Enroll {
        #[arg(long)]
        relay: String,
        #[arg(long)]
        node_id: String,
        /// File holding the node secret printed by `resto-relay node add`.
        #[arg(long)]
        secret_file: PathBuf,
    },
    /// Run the daemon: sync with the relay, drain the outbox.
    Run,
    /// Check enrollment, the data directory, the relay and the clock; print every problem;
    /// exit 1 if any (an unreachable relay is only a warning).
    Preflight,
    /// Copy the database to a file while the daemon runs (online, integrity-checked).
    Backup {
        /// Destination (default: <data dir>/backups/edge-<UTC time>.db).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Replace the database with a backup. The daemon must be stopped; the current file is
    /// kept aside as edge.db.before-restore-<time>; an older backup is migrated forward.
    Restore {
        file: PathBuf,
        /// Replace a database that already holds data.
        #[arg(long)]
        force: bool,
    },
    /// Print the sync status: connected or offline since when, outbox backlog, last sync.
    Status,
    /// Staff accounts for the console.
    Staff {
        #[command(subcommand)]
        action: staff::StaffAction,
    },
    /// The restaurant's menu (format of shared/fixtures/menus/demo_menu.json).
    Menu {
        #[command(subcommand)]
        action: menu::MenuAction,
    },
    /// Quarantine: list, set, release customers.
    Customer {
        #[command(subcommand)]
        action: customer::CustomerAction,
    },
    /// The anti-abuse and no-show policy, and the trust decisions taken.
    Trust {
        #[command(subcommand)]
        action: trust::TrustAction,
    },
    /// Conversion funnel per day, channel and source (text, --csv, --svg FILE).
    Funnel(funnel::FunnelArgs),
    /// Click-to-chat link + QR code (svg/png) or printable table card (--card, html).
    Qr(qr::QrArgs),
    /// Kitchen printers: add, list, remove, test.
    Printer {
        #[command(subcommand)]
        action: printer::PrinterAction,
    },
}

/// Runs one subcommand. An `Err` is printed by `main` and exits 1; commands that report
/// their own problems (preflight, a refused menu) return the failure code instead.
pub fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    let data_dir = &cli.data_dir;
    let db_path = data_dir.join("edge.db");
    match cli.command {
        Command::Migrate { db } => migrate::run(&db.unwrap_or(db_path))?,
        Command::Enroll {
            relay,
            node_id,
            secret_file,
        } => enroll::run(data_dir, &relay, &node_id, &secret_file)?,
        Command::Run => run::run(data_dir, &db_path)?,
        Command::Preflight => return preflight::run(data_dir),
        Command::Backup { out } => backup::backup(data_dir, &db_path, out)?,
        Command::Restore { file, force } => backup::restore(data_dir, &db_path, &file, force)?,
        Command::Status => status::run(&db_path)?,
        Command::Staff { action } => staff::run(&db_path, action)?,
        Command::Menu { action } => return menu::run(&db_path, action),
        Command::Customer { action } => println!("{}", customer::run(&db_path, action)?),
        Command::Trust { action } => println!("{}", trust::run(&db_path, action)?),
        Command::Funnel(a) => println!("{}", funnel::run(&db_path, a)?),
        Command::Qr(a) => println!("{}", qr::run(&db_path, a)?),
        Command::Printer { action } => println!("{}", printer::run(&db_path, action)?),
    }
    Ok(ExitCode::SUCCESS)
}

/// The growth subcommands (customer, trust, funnel, qr) return what to print, or one of
/// these, each saying what to do.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error(transparent)]
    Trust(#[from] TrustError),
    #[error(transparent)]
    Qr(#[from] QrError),
    #[error(transparent)]
    Faq(#[from] FaqError),
    #[error("cannot write {0}: {1}")]
    Write(String, std::io::Error),
    #[error("{0}")]
    Usage(String),
}
