//! `resto-relay` subcommands: the clap types and the dispatch here, one file per subcommand.
//! `anyhow` lives at this top of the binary (and in `server` and `demo`, which only it calls).
//!
//! May import: any module of the crate; nothing imports `cli` except `main.rs`.

mod backup;
mod demo;
mod dlq;
mod funnel;
mod migrate;
mod node;
mod preflight;
mod restore;
mod route;
mod serve;

use crate::config::{ProcessEnv, RelayConfig};
use clap::{Parser, Subcommand, ValueEnum};
use resto_sync::Provider;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "resto-relay",
    version,
    about = "RestoBot cloud relay: Meta webhook intake and delivery to restaurant devices"
)]
struct Cli {
    /// TOML config file (see config.example.toml); environment variables override it.
    #[arg(long, global = true, env = "RELAY_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server (applies pending migrations first).
    Serve,
    /// Create or update the database schema, then exit.
    Migrate,
    /// Check the configuration and environment; print every problem; exit 1 if any.
    Preflight,
    /// Run the whole product locally: relay + edge (demo menu) + a stand-in for Meta + a chat
    /// page that talks to the bot through the real webhook path. Loopback only.
    Demo {
        /// The resto-edge program (default: RESTO_EDGE_BIN, else beside this executable).
        #[arg(long)]
        edge_bin: Option<PathBuf>,
        /// Keep the demo menu's opening hours (default: open around the clock for the demo).
        #[arg(long)]
        real_hours: bool,
    },
    /// Manage restaurant devices (nodes).
    #[command(subcommand)]
    Node(NodeCommand),
    /// Manage which node receives which Meta account's messages.
    #[command(subcommand)]
    Route(RouteCommand),
    /// Copy relay.db to a file while the relay runs (online, integrity-checked). master.key
    /// is not included: keep your own copy of it (docs/RUNBOOK.md).
    Backup {
        /// Destination (default: <backup dir>/relay-<UTC time>.db).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Replace relay.db with a backup. The relay must be stopped; the current file is kept
    /// aside as relay.db.before-restore-<time>; an older backup is migrated forward.
    Restore {
        file: PathBuf,
        /// Replace a database that already holds data.
        #[arg(long)]
        force: bool,
    },
    /// Replies that could not be sent (the dead-letter queue).
    #[command(subcommand)]
    Dlq(DlqCommand),
    /// Per restaurant (node), day and channel: messages, senders, ad/referral senders,
    /// replies sent (the operator's view; conversions are on each edge: `resto-edge funnel`).
    Funnel {
        /// How many days back (UTC), within event retention.
        #[arg(long, default_value_t = 7)]
        days: i64,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum DlqCommand {
    /// List dead-lettered replies with their last error.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Queue dead-lettered replies again (a running relay sends them within a second).
    Retry {
        /// The outbox item id to retry.
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        id: Option<String>,
        /// Retry every dead-lettered reply.
        #[arg(long)]
        all: bool,
    },
}

#[derive(Subcommand)]
enum NodeCommand {
    /// Enroll a device: prints its id and secret once.
    Add {
        name: String,
        /// Print exactly {"node_id":…,"node_secret":…} for scripts.
        #[arg(long)]
        json: bool,
    },
    /// List nodes.
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ProviderArg {
    Wa,
    Ig,
    Msg,
}

impl From<ProviderArg> for Provider {
    fn from(p: ProviderArg) -> Provider {
        match p {
            ProviderArg::Wa => Provider::Wa,
            ProviderArg::Ig => Provider::Ig,
            ProviderArg::Msg => Provider::Msg,
        }
    }
}

#[derive(Subcommand)]
enum RouteCommand {
    /// Route a Meta account (WA phone_number_id, Page id, IG account id) to a node.
    Add {
        #[arg(long, value_enum)]
        provider: ProviderArg,
        #[arg(long)]
        account: String,
        #[arg(long)]
        node: String,
        /// File holding the Meta access token used to reply from this account.
        #[arg(long)]
        access_token_file: Option<PathBuf>,
    },
    /// List routes.
    List {
        #[arg(long)]
        json: bool,
    },
    /// The approved WhatsApp utility template (one body parameter, in French `fr` and Arabic
    /// `ar`) that carries a notice to a customer whose last message is more than 24 h old.
    Template {
        #[arg(long, value_enum)]
        provider: ProviderArg,
        #[arg(long)]
        account: String,
        /// Template name as approved in WhatsApp Manager.
        #[arg(long, required_unless_present = "clear")]
        name: Option<String>,
        /// Remove the template: late notices are held and shown to staff.
        #[arg(long, conflicts_with = "name")]
        clear: bool,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// A runtime for the commands that talk to PostgreSQL (async client).
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| anyhow::anyhow!("cannot start the async runtime: {e}"))
}

fn load(cli_config: Option<&Path>) -> anyhow::Result<RelayConfig> {
    RelayConfig::load(cli_config, &ProcessEnv).map_err(|e| anyhow::anyhow!(e))
}

/// Commands that only know SQLite refuse to run when RELAY_DATABASE_URL selects PostgreSQL,
/// instead of quietly working on a `relay.db` nobody serves from. Every other command knows
/// both backends.
fn sqlite_only(command: &Command) -> Option<&'static str> {
    match command {
        Command::Serve
        | Command::Migrate
        | Command::Preflight
        | Command::Node(_)
        | Command::Route(_)
        | Command::Dlq(_)
        | Command::Funnel { .. } => None,
        Command::Demo { .. } => Some("demo"),
        Command::Backup { .. } => Some("backup"),
        Command::Restore { .. } => Some("restore"),
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let config = cli.config.as_deref();
    if let Some(name) = sqlite_only(&cli.command) {
        load(config)?
            .require_sqlite(name)
            .map_err(|e| anyhow::anyhow!(e))?;
    }
    match cli.command {
        Command::Serve => serve::run(config),
        Command::Demo {
            edge_bin,
            real_hours,
        } => demo::run(config, edge_bin, real_hours),
        Command::Migrate => migrate::run(config),
        Command::Preflight => preflight::run(config),
        Command::Node(cmd) => node::run(config, cmd),
        Command::Funnel { days, json } => funnel::run(config, days, json),
        Command::Backup { out } => backup::run(config, out),
        Command::Restore { file, force } => restore::run(config, &file, force),
        Command::Dlq(cmd) => dlq::run(config, cmd),
        Command::Route(cmd) => route::run(config, cmd),
    }
}
