//! resto-edge: the restaurant's daemon. For now: its store, enrollment and the sync channel
//! with the relay; the ordering engine and console arrive with their issues.
#![forbid(unsafe_code)]

use resto_edge::{
    config, growth_cli, heartbeat, maintenance, preflight, status, store, sync_worker,
};

use anyhow::{bail, Context};
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
        action: StaffAction,
    },
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
enum StaffAction {
    /// Create an account, or set a new password/PIN and role for an existing one (this also
    /// unlocks it and logs it out everywhere). The password is read from --password-file or
    /// from the first line of standard input, never from the command line.
    Add {
        name: String,
        #[arg(long, value_parser = ["owner", "staff"])]
        role: String,
        #[arg(long)]
        password_file: Option<PathBuf>,
    },
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
            let applied = store::migrate(&path)?;
            if applied.is_empty() {
                println!("{}: schema is up to date", path.display());
            } else {
                println!("{}: applied {}", path.display(), applied.join(", "));
            }
        }
        Command::Enroll {
            relay,
            node_id,
            secret_file,
        } => enroll(&cli.data_dir, &relay, &node_id, &secret_file)?,
        Command::Status => status(&db_path)?,
        Command::Preflight => {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            if !preflight::print(&rt.block_on(preflight::gather(&cli.data_dir))) {
                std::process::exit(1);
            }
        }
        Command::Backup { out } => {
            let dest = match out {
                Some(p) => p,
                None => {
                    let dir = config::EdgeConfig::load_unchecked(&cli.data_dir)
                        .map(|(c, _)| c.backup.dir(&cli.data_dir))
                        .unwrap_or_else(|_| cli.data_dir.join("backups"));
                    resto_ops::backup::scheduled_name(&dir, "edge", chrono::Utc::now())
                }
            };
            let r = resto_ops::backup::backup(&db_path, &dest)?;
            println!(
                "backup written and verified: {} ({} bytes)",
                r.path.display(),
                r.bytes
            );
        }
        Command::Restore { file, force } => {
            let _lock = resto_ops::lock::DataDirLock::acquire(&cli.data_dir, "resto-edge")?;
            let r = resto_ops::backup::restore(
                &file,
                &db_path,
                force,
                maintenance::SINGLETON_TABLES,
                |p| store::migrate(p).map_err(|e| e.to_string()),
            )?;
            if let Some(prev) = &r.previous {
                println!("previous database kept as {}", prev.display());
            }
            if !r.migrated.is_empty() {
                println!("backup was older: applied {}", r.migrated.join(", "));
            }
            println!(
                "{} restored from {}; start the service again",
                db_path.display(),
                file.display()
            );
        }
        Command::Menu { action } => menu_command(&db_path, action)?,
        Command::Staff { action } => staff_command(&db_path, action)?,
        Command::Customer { action } => println!("{}", growth_cli::customer(&db_path, action)?),
        Command::Trust { action } => println!("{}", growth_cli::trust_cmd(&db_path, action)?),
        Command::Funnel(a) => println!("{}", growth_cli::funnel_cmd(&db_path, a)?),
        Command::Qr(a) => println!("{}", growth_cli::qr_cmd(&db_path, a)?),
        Command::Run => run(&cli.data_dir, &db_path)?,
    }
    Ok(())
}

/// The daemon. READY=1 once migrations ran and the listener is bound; WATCHDOG=1 from the
/// heartbeat while the loops turn; on SIGTERM/SIGINT it waits for the batch being applied,
/// says STOPPING=1 and exits.
fn run(data_dir: &std::path::Path, db_path: &std::path::Path) -> anyhow::Result<()> {
    let cfg = config::EdgeConfig::load(data_dir).map_err(|e| anyhow::anyhow!(e))?;
    let _log = resto_ops::logging::init(&resto_ops::logging::LogOptions {
        filter: std::env::var("EDGE_LOG").unwrap_or_else(|_| "info".into()),
        json: true,
        dir: cfg.log.dir.clone(),
        keep_files: cfg.log.keep_files.unwrap_or(14),
        file_prefix: "resto-edge".into(),
    });
    let _lock = resto_ops::lock::DataDirLock::acquire(data_dir, "resto-edge")?;
    let conn = store::open(db_path)?;
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
    let outcome = rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&cfg.console_listen)
            .await
            .with_context(|| {
                format!(
                    "cannot listen on {}; set EDGE_CONSOLE_LISTEN",
                    cfg.console_listen
                )
            })?;
        tracing::info!(node_id = %cfg.node_id, relay = %cfg.relay_url, "resto-edge running");
        let outbox_ready = Arc::new(tokio::sync::Notify::new());
        let poll = tokio::spawn(sync_worker::poll_loop(
            db.clone(),
            client.clone(),
            cfg.poll_wait_secs,
            outbox_ready.clone(),
        ));
        let console = resto_edge::console::Console::new(
            db.clone(),
            outbox_ready.clone(),
            cfg.late_after_minutes,
        );
        tokio::spawn(resto_edge::console::serve(listener, console));
        let drain = tokio::spawn(sync_worker::drain_loop(db.clone(), client, outbox_ready));
        tokio::spawn(heartbeat::run(db.clone()));
        tokio::spawn(maintenance::backup_job(
            db_path.to_path_buf(),
            cfg.backup.dir(data_dir),
            cfg.backup.clone(),
        ));
        tokio::spawn(maintenance::retention_job(
            db.clone(),
            cfg.retention.clone(),
        ));
        resto_ops::notify::ready();
        // A sync loop only ends by panicking: exit non-zero so `Restart=on-failure` applies.
        let failure = tokio::select! {
            _ = shutdown_signal() => None,
            r = poll => Some(format!("the sync poll loop ended: {r:?}")),
            r = drain => Some(format!("the outbox drain loop ended: {r:?}")),
        };
        if let Some(why) = &failure {
            tracing::error!(reason = %why, "stopping so that systemd restarts the service");
        }
        resto_ops::notify::stopping();
        // Every write happens under this lock: once we hold it, the batch being applied is
        // committed and no other starts.
        let db = db.clone();
        let _held = tokio::task::spawn_blocking(move || {
            let c = db.lock().unwrap_or_else(|p| p.into_inner());
            let _ = c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)");
            std::mem::forget(c);
        })
        .await;
        match failure {
            None => {
                tracing::info!("resto-edge stopped");
                anyhow::Ok(())
            }
            Some(why) => Err(anyhow::anyhow!(why)),
        }
    });
    // Dropping the runtime would wait forever for a blocking task parked on the database
    // lock we keep held; bound it.
    rt.shutdown_timeout(Duration::from_secs(5));
    outcome
}

async fn shutdown_signal() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term => {}
    }
    tracing::info!("shutdown requested; finishing the batch in progress");
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
    use resto_edge::menu;
    let mut conn = store::open(db_path)?;
    match action {
        MenuAction::Import { file } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let m = match menu::db::import_json(&mut conn, &bytes, &store::now()) {
                Ok(m) => m,
                Err(menu::db::ImportError::Invalid(problems)) => {
                    eprintln!("{} was NOT imported; the current menu is unchanged. Fix these {} problem(s):", file.display(), problems.len());
                    for p in &problems {
                        eprintln!("  {p}");
                    }
                    std::process::exit(1);
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

fn staff_command(db_path: &std::path::Path, action: StaffAction) -> anyhow::Result<()> {
    use resto_edge::staff::{self, Role};
    let StaffAction::Add {
        name,
        role,
        password_file,
    } = action;
    let secret = match password_file {
        Some(f) => std::fs::read_to_string(&f)
            .with_context(|| format!("cannot read --password-file {}", f.display()))?,
        None => {
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .context("cannot read the password from standard input")?;
            line
        }
    };
    let secret = secret.trim_end_matches(['\r', '\n']);
    let role = Role::parse(&role).context("--role must be owner or staff")?;
    let conn = store::open(db_path)?;
    let created = staff::add(&conn, &name, role, secret, &store::now())?;
    println!(
        "{} {name} ({}); log in on the console at http://<this device>:8090/",
        if created { "created" } else { "updated" },
        role.as_str()
    );
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
