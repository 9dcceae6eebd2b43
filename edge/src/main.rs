//! resto-edge: skeleton until the edge store and ordering issue lands.
#![forbid(unsafe_code)]

use clap::{Parser, Subcommand};

mod embedded {
    refinery::embed_migrations!("../migrations/edge");
}

#[derive(Parser)]
#[command(name = "resto-edge", version, about = "RestoBot edge daemon")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Apply the edge database migrations to DB_FILE.
    Migrate {
        #[arg(long, env = "EDGE_DB", default_value = "./data/edge.db")]
        db: std::path::PathBuf,
    },
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Migrate { db } => {
            if let Some(dir) = db.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let mut conn = rusqlite::Connection::open(&db)?;
            let report = embedded::migrations::runner().run(&mut conn)?;
            println!(
                "applied {} migration(s) to {}",
                report.applied_migrations().len(),
                db.display()
            );
            Ok(())
        }
    }
}
