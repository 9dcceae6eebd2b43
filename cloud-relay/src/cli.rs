//! `resto-relay` subcommands. `anyhow` lives here, at the top of the binary, and nowhere else.

use crate::config::{ConfigError, ProcessEnv, RelayConfig};
use crate::nodes::{write_private, MasterKey};
use crate::store::{self, admin};
use anyhow::{bail, Context};
use clap::{Parser, Subcommand, ValueEnum};
use resto_sync::Provider;
use std::path::PathBuf;
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

fn load(cli_config: Option<&std::path::Path>) -> anyhow::Result<RelayConfig> {
    RelayConfig::load(cli_config, &ProcessEnv).map_err(|e| anyhow::anyhow!(e))
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let config_path = cli.config.as_deref();
    match cli.command {
        Command::Serve => {
            let cfg = load(config_path)?;
            cfg.validate().map_err(|e| anyhow::anyhow!(e))?;
            crate::server::run(cfg)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo {
            edge_bin,
            real_hours,
        } => {
            let opts = crate::demo::DemoOptions {
                edge_bin,
                real_hours,
            };
            crate::demo::run(config_path, opts)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            let cfg = load(config_path)?;
            let applied = store::migrate(&cfg.db_path())?;
            if applied.is_empty() {
                println!("{}: schema is up to date", cfg.db_path().display());
            } else {
                println!(
                    "{}: applied {}",
                    cfg.db_path().display(),
                    applied.join(", ")
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Preflight => match RelayConfig::load(config_path, &ProcessEnv) {
            Ok(cfg) => Ok(crate::preflight::report(&cfg)),
            Err(ConfigError::Invalid(problems)) => {
                println!("preflight: {} problem(s)", problems.len());
                for p in problems {
                    println!("  problem: {p}");
                }
                Ok(ExitCode::FAILURE)
            }
            Err(e) => bail!(e),
        },
        Command::Node(cmd) => {
            let cfg = load(config_path)?;
            store::migrate(&cfg.db_path())?;
            let mut conn = store::open_connection(&cfg.db_path())?;
            match cmd {
                NodeCommand::Add { name, json } => {
                    let key = MasterKey::load_or_create(&cfg.master_key_path())?;
                    let node = admin::add_node(&mut conn, &name)?;
                    let secret = key.node_secret(&node.id, node.secret_generation);
                    if json {
                        println!(
                            "{}",
                            serde_json::json!({"node_id": node.id, "node_secret": secret})
                        );
                    } else {
                        println!("node added: {} ({})", node.name, node.id);
                        println!("node_id:     {}", node.id);
                        println!("node_secret: {secret}");
                        println!("The secret is shown once: write it to the device with `resto-edge enroll --secret-file` (mode 0600).");
                    }
                }
                NodeCommand::List { json } => {
                    let nodes = admin::list_nodes(&conn)?;
                    if json {
                        println!("{}", serde_json::to_string_pretty(&nodes)?);
                    } else if nodes.is_empty() {
                        println!("no nodes yet: add one with `resto-relay node add NAME`");
                    } else {
                        println!(
                            "{:<32} {:<24} {:>6} {:>10}  last seen",
                            "id", "name", "routes", "last seq"
                        );
                        for n in nodes {
                            println!(
                                "{:<32} {:<24} {:>6} {:>10}  {}",
                                n.id,
                                n.name,
                                n.routes,
                                n.last_seq,
                                n.last_seen_at.as_deref().unwrap_or("never")
                            );
                        }
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Funnel { days, json } => {
            let cfg = load(config_path)?;
            store::migrate(&cfg.db_path())?;
            let conn = store::open_connection(&cfg.db_path())?;
            let since = (chrono::Utc::now() - chrono::Duration::days(days.max(0)))
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            let rows = store::funnel::relay_funnel(&conn, &since)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&rows)?);
            } else if rows.is_empty() {
                println!("no inbound messages in the last {days} day(s)");
            } else {
                println!(
                    "{:<24} {:<10} {:<4} {:>8} {:>8} {:>9} {:>8}",
                    "restaurant", "day", "ch", "messages", "senders", "ad/ref", "replies"
                );
                for r in rows {
                    println!(
                        "{:<24} {:<10} {:<4} {:>8} {:>8} {:>9} {:>8}",
                        r.node_name,
                        r.day,
                        r.channel,
                        r.messages,
                        r.senders,
                        r.referred_senders,
                        r.replies_sent
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Backup { out } => {
            let cfg = load(config_path)?;
            let dest = out.unwrap_or_else(|| {
                resto_ops::backup::scheduled_name(
                    &cfg.backup.dir(&cfg),
                    "relay",
                    chrono::Utc::now(),
                )
            });
            let r = resto_ops::backup::backup(&cfg.db_path(), &dest)?;
            println!(
                "backup written and verified: {} ({} bytes)",
                r.path.display(),
                r.bytes
            );
            if !cfg.master_key_path().exists() {
                println!(
                    "note: {} does not exist yet",
                    cfg.master_key_path().display()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore { file, force } => {
            let cfg = load(config_path)?;
            let _lock = resto_ops::lock::DataDirLock::acquire(&cfg.data_dir, "resto-relay")?;
            let r = resto_ops::backup::restore(&file, &cfg.db_path(), force, &[], |p| {
                store::migrate(p).map_err(|e| e.to_string())
            })?;
            if let Some(prev) = &r.previous {
                println!("previous database kept as {}", prev.display());
            }
            if !r.migrated.is_empty() {
                println!("backup was older: applied {}", r.migrated.join(", "));
            }
            println!(
                "{} restored from {}; start the relay again",
                cfg.db_path().display(),
                file.display()
            );
            if !cfg.master_key_path().exists() {
                println!(
                    "WARNING: {} is missing: node secrets derive from it, so no device can sync. \
                     Put back the master.key that belongs with this database (docs/RUNBOOK.md)",
                    cfg.master_key_path().display()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Dlq(cmd) => {
            let cfg = load(config_path)?;
            store::migrate(&cfg.db_path())?;
            let conn = store::open_connection(&cfg.db_path())?;
            match cmd {
                DlqCommand::List { json } => {
                    let dead = store::outbox::list_dead(&conn)?;
                    if json {
                        println!("{}", serde_json::to_string_pretty(&dead)?);
                    } else if dead.is_empty() {
                        println!("the dead-letter queue is empty");
                    } else {
                        for d in dead {
                            println!(
                                "{}  node {}  {} attempt(s)  since {}  {}",
                                d.id,
                                d.node_id,
                                d.attempts,
                                d.received_at,
                                d.last_error.as_deref().unwrap_or("-")
                            );
                        }
                    }
                }
                DlqCommand::Retry { id, all } => {
                    let n =
                        store::outbox::retry_dead(&conn, if all { None } else { id.as_deref() })?;
                    if n == 0 {
                        bail!("nothing to retry: no dead-lettered item matches (see `resto-relay dlq list`)");
                    }
                    println!("{n} item(s) queued again");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Route(cmd) => {
            let cfg = load(config_path)?;
            store::migrate(&cfg.db_path())?;
            let mut conn = store::open_connection(&cfg.db_path())?;
            match cmd {
                RouteCommand::Add {
                    provider,
                    account,
                    node,
                    access_token_file,
                } => {
                    let token = match access_token_file {
                        Some(f) => {
                            let t = std::fs::read_to_string(&f).with_context(|| {
                                format!("cannot read --access-token-file {}", f.display())
                            })?;
                            let t = t.trim().to_string();
                            if t.is_empty() {
                                bail!("--access-token-file {} is empty", f.display());
                            }
                            Some(t)
                        }
                        None => None,
                    };
                    let provider: Provider = provider.into();
                    let added =
                        admin::add_route(&mut conn, provider, &account, &node, token.as_deref())?;
                    println!(
                        "route {} {} -> {}{}{}",
                        provider,
                        account.trim(),
                        node,
                        if added.replaced {
                            " (replaced the previous route)"
                        } else {
                            ""
                        },
                        if added.moved_unrouted > 0 {
                            format!(
                                "; delivered {} waiting event(s) to the node",
                                added.moved_unrouted
                            )
                        } else {
                            String::new()
                        }
                    );
                }
                RouteCommand::List { json } => {
                    let routes = admin::list_routes(&conn)?;
                    if json {
                        println!("{}", serde_json::to_string_pretty(&routes)?);
                    } else if routes.is_empty() {
                        println!("no routes yet: add one with `resto-relay route add --provider wa --account PHONE_NUMBER_ID --node NODE_ID`");
                    } else {
                        for r in routes {
                            println!(
                                "{:<4} {:<24} -> {}{}",
                                r.provider,
                                r.account_id,
                                r.node_id,
                                if r.has_access_token {
                                    "  (access token set)"
                                } else {
                                    ""
                                }
                            );
                        }
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Used by `demo` to keep its generated secret next to the data.
pub(crate) fn read_or_create_private(path: &std::path::Path) -> anyhow::Result<String> {
    match std::fs::read_to_string(path) {
        Ok(s) => Ok(s.trim().to_string()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let s = hex::encode(rand::random::<[u8; 16]>());
            write_private(path, s.as_bytes())
                .with_context(|| format!("cannot write {}", path.display()))?;
            Ok(s)
        }
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}
