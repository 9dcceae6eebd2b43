//! resto-edge: the restaurant's daemon. For now: its store, enrollment and the sync channel
//! with the relay; the ordering engine and console arrive with their issues.
#![forbid(unsafe_code)]

use resto_edge::{config, growth_cli, status, store, sync_worker};

use anyhow::{bail, Context};
use axum::response::IntoResponse;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Parser)]
#[command(name = "resto-edge", version, about = "RestoBot edge daemon")]
struct Cli {
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
    /// Print the sync status: connected or offline since when, outbox backlog, last sync.
    Status,
    /// The restaurant's menu (format of shared/fixtures/menus/demo_menu.json).
    Menu {
        #[command(subcommand)]
        action: MenuAction,
    },
    /// Quarantine: list, set, release customers.
    Customer {
        #[command(subcommand)]
        action: growth_cli::CustomerAction,
    },
    /// The anti-abuse and no-show policy, and the trust decisions taken.
    Trust {
        #[command(subcommand)]
        action: growth_cli::TrustAction,
    },
    /// Conversion funnel per day, channel and source (text, --csv, --svg FILE).
    Funnel(growth_cli::FunnelArgs),
    /// Click-to-chat link + QR code (svg/png) or printable table card (--card, html).
    Qr(growth_cli::QrArgs),
}

#[derive(Subcommand)]
enum MenuAction {
    /// Replace the menu with FILE. A file with problems is refused whole, every problem
    /// listed, and the current menu stays as it was.
    Import { file: PathBuf },
    /// Write the current menu as JSON (to stdout, or to --out FILE).
    Export {
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let db_path = cli.data_dir.join("edge.db");
    match cli.command {
        Command::Migrate { db } => {
            let path = db.unwrap_or(db_path);
            store::open(&path)?;
            println!("{}: schema is up to date", path.display());
        }
        Command::Enroll {
            relay,
            node_id,
            secret_file,
        } => enroll(&cli.data_dir, &relay, &node_id, &secret_file)?,
        Command::Status => status(&db_path)?,
        Command::Menu { action } => menu_command(&db_path, action)?,
        Command::Customer { action } => println!("{}", growth_cli::customer(&db_path, action)?),
        Command::Trust { action } => println!("{}", growth_cli::trust_cmd(&db_path, action)?),
        Command::Funnel(a) => println!("{}", growth_cli::funnel_cmd(&db_path, a)?),
        Command::Qr(a) => println!("{}", growth_cli::qr_cmd(&db_path, a)?),
        Command::Run => {
            let cfg = config::EdgeConfig::load(&cli.data_dir).map_err(|e| anyhow::anyhow!(e))?;
            tracing_subscriber::fmt()
                .with_env_filter(
                    tracing_subscriber::EnvFilter::try_from_env("EDGE_LOG").unwrap_or_else(|_| {
                        tracing_subscriber::EnvFilter::new("info,refinery_core=warn")
                    }),
                )
                .json()
                .flatten_event(true)
                .with_writer(std::io::stderr)
                .init();
            let conn = store::open(&db_path)?;
            let db = Arc::new(Mutex::new(conn));
            let client = resto_sync::client::SyncClient::new(
                &cfg.relay_url,
                &cfg.node_id,
                &cfg.node_secret.0,
                Duration::from_secs(10),
            )?;
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()?;
            rt.block_on(async move {
                tracing::info!(node_id = %cfg.node_id, relay = %cfg.relay_url, "resto-edge running");
                let outbox_ready = Arc::new(tokio::sync::Notify::new());
                let poll = tokio::spawn(sync_worker::poll_loop(db.clone(), client.clone(), cfg.poll_wait_secs, outbox_ready.clone()));
                tokio::spawn(serve_status(cfg.console_listen.clone(), db.clone()));
                let drain = tokio::spawn(sync_worker::drain_loop(db, client, outbox_ready));
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = poll => {}
                    _ = drain => {}
                }
            });
        }
    }
    Ok(())
}

fn enroll(
    data_dir: &std::path::Path,
    relay: &str,
    node_id: &str,
    secret_file: &std::path::Path,
) -> anyhow::Result<()> {
    let secret = std::fs::read_to_string(secret_file)
        .with_context(|| format!("cannot read --secret-file {}", secret_file.display()))?
        .trim()
        .to_string();
    if secret.len() != 64 || !secret.bytes().all(|b| b.is_ascii_hexdigit()) {
        bail!(
            "{} does not hold a node secret (64 hex characters from `resto-relay node add`)",
            secret_file.display()
        );
    }
    if !(relay.starts_with("https://") || relay.starts_with("http://")) {
        bail!("--relay must be an http(s) URL such as https://relay.example.com");
    }
    let cfg = config::EdgeConfig {
        relay_url: relay.trim_end_matches('/').to_string(),
        node_id: node_id.to_string(),
        node_secret: config::Secret(secret),
        ..Default::default()
    };
    std::fs::create_dir_all(data_dir)?;
    let path = config::config_path(data_dir);
    let text = toml::to_string(&cfg)?;
    write_private(&path, text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    println!(
        "enrolled node {node_id} with relay {}; configuration written to {} (mode 0600)",
        cfg.relay_url,
        path.display()
    );
    Ok(())
}

fn menu_command(db_path: &std::path::Path, action: MenuAction) -> anyhow::Result<()> {
    use resto_edge::{chat::PLACES, menu};
    let mut conn = store::open(db_path)?;
    match action {
        MenuAction::Import { file } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let m = match menu::validate::parse_menu(&bytes, &PLACES.wilaya_codes()) {
                Ok(m) => m,
                Err(problems) => {
                    eprintln!("{} was NOT imported; the current menu is unchanged. Fix these {} problem(s):", file.display(), problems.len());
                    for p in &problems {
                        eprintln!("  {p}");
                    }
                    std::process::exit(1);
                }
            };
            let tx = conn.transaction()?;
            menu::db::import(&tx, &m, &store::now())?;
            tx.commit()?;
            println!(
                "menu imported: {} categories, {} items, {} delivery zones, {} FAQ entries",
                m.categories.len(),
                m.items().count(),
                m.delivery.zones.len(),
                m.faq.len()
            );
        }
        MenuAction::Export { out } => {
            let m = menu::db::load(&conn)?
                .context("no menu yet; import one with `resto-edge menu import FILE`")?;
            let text = serde_json::to_string_pretty(&m)? + "\n";
            match out {
                Some(path) => std::fs::write(&path, text)
                    .with_context(|| format!("cannot write {}", path.display()))?,
                None => print!("{text}"),
            }
        }
    }
    Ok(())
}

fn write_private(path: &std::path::Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    f.write_all(contents)?;
    f.sync_all()
}

fn status(db_path: &std::path::Path) -> anyhow::Result<()> {
    let c = store::open(db_path)?;
    println!("{}", serde_json::to_string(&status::read(&c)?)?);
    Ok(())
}

/// `GET /status` (JSON) and `GET /metrics` (Prometheus) on the console address; the console
/// itself arrives with its issue.
async fn serve_status(listen: String, db: sync_worker::Db) {
    use axum::routing::get;
    let read = move || {
        let c = db.lock().unwrap_or_else(|p| p.into_inner());
        status::read(&c)
    };
    let read2 = read.clone();
    let app =
        axum::Router::new()
            .route(
                "/status",
                get(move || async move {
                    match read() {
                        Ok(s) => {
                            axum::Json(serde_json::to_value(s).unwrap_or_default()).into_response()
                        }
                        Err(e) => (axum::http::StatusCode::SERVICE_UNAVAILABLE, e.to_string())
                            .into_response(),
                    }
                }),
            )
            .route(
                "/metrics",
                get(move || async move {
                    match read2() {
                        Ok(s) => status::metrics(&s).into_response(),
                        Err(e) => (axum::http::StatusCode::SERVICE_UNAVAILABLE, e.to_string())
                            .into_response(),
                    }
                }),
            );
    match tokio::net::TcpListener::bind(&listen).await {
        Ok(l) => {
            tracing::info!(addr = %listen, "status and metrics listening");
            let _ = axum::serve(l, app).await;
        }
        Err(e) => {
            tracing::error!(addr = %listen, error = %e, "cannot listen for status; set EDGE_CONSOLE_LISTEN")
        }
    }
}
