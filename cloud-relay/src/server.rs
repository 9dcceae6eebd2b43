//! Starting and stopping the HTTP server: builds the `AppState`, spawns the workers
//! (`graph`, `payments`, `maintenance`) and serves `http`'s router until a signal.
//!
//! May import: every module below it; never `preflight`, `demo`, `cli`.

use crate::config::{Backend, LogFormat, RelayConfig, SignatureMode};
use crate::http::router;
use crate::metrics::Metrics;
use crate::nodes::MasterKey;
use crate::state::AppState;
use crate::store::pg::PgStore;
use crate::store::{EventStore, Store};
use anyhow::Context;
use std::net::SocketAddr;
use std::sync::Arc;

/// stderr (journald under systemd), plus rolling JSON files when `log_dir` is set. Keep the
/// guard alive as long as the program logs.
pub fn init_logging(cfg: &RelayConfig) -> resto_ops::logging::LogGuard {
    resto_ops::logging::init(&resto_ops::logging::LogOptions {
        filter: cfg.log.clone(),
        json: cfg.log_format == LogFormat::Json,
        dir: cfg.log_dir.clone(),
        keep_files: cfg.log_keep_files,
        file_prefix: "resto-relay".into(),
    })
}

/// What `resto-relay demo` adds to the server; `serve` adds nothing. Not a config option, so
/// no production configuration can turn the demo on.
#[derive(Default)]
pub struct Additions {
    pub routes: Option<axum::Router>,
    /// Called once the port is bound.
    pub on_listening: Option<Box<dyn FnOnce(SocketAddr) + Send>>,
    /// Called when SIGINT/SIGTERM arrives, before the requests in flight are finished.
    pub on_shutdown: Option<Box<dyn FnOnce() + Send>>,
}

/// Serves until SIGTERM or SIGINT, then finishes the requests in flight: everything already
/// acknowledged is committed, everything not yet acknowledged is Meta's to retry.
/// READY=1 once migrations ran and the listener is bound; WATCHDOG=1 from the heartbeat
/// (`maintenance::heartbeat`); STOPPING=1 when the shutdown begins.
pub fn run(cfg: RelayConfig) -> anyhow::Result<()> {
    run_with(cfg, Additions::default())
}

pub fn run_with(cfg: RelayConfig, additions: Additions) -> anyhow::Result<()> {
    let _log = init_logging(&cfg);
    // Held for the process's life: `restore` refuses to touch a database a relay is using,
    // and two relays never share one data dir (on PostgreSQL each relay has its own, holding
    // the deployment's one master.key).
    let _lock = resto_ops::lock::DataDirLock::acquire(&cfg.data_dir, "resto-relay")?;
    warn_about_signature_mode(cfg.meta.signature_required);
    let master_key = MasterKey::load_or_create(&cfg.master_key_path())?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    rt.block_on(async move {
        let store = open_store(&cfg, &master_key).await?;
        let addr: SocketAddr = cfg.listen.parse().context("RELAY_LISTEN")?;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}: is another relay running? change RELAY_LISTEN"))?;
        let local = listener.local_addr()?;
        tracing::info!(addr = %local, db = %describe(&cfg), signature_mode = cfg.meta.signature_required.as_str(), "resto-relay listening");
        let state = Arc::new(AppState {
            config: cfg,
            store,
            metrics: Metrics::default(),
            master_key,
            channels: Default::default(),
            outbox_ready: Default::default(),
            sender_rate: Default::default(),
            payments_ready: Default::default(),
        });
        // Polls held here wake for events other relays store (PostgreSQL); kept for the
        // server's life.
        let _listener = state
            .store
            .listen(state.channels.clone(), CROSS_RELAY_FALLBACK);
        match state.store.release_dead_leases().await {
            Ok(0) => {}
            Ok(n) => tracing::warn!(
                replies = n,
                "replies in flight when the relay last stopped are sent again now"
            ),
            Err(e) => tracing::error!(error = %e, "cannot release the replies of the last run; they are sent once their lease runs out"),
        }
        tokio::spawn(crate::graph::sender::run(state.clone()));
        tokio::spawn(crate::media_fetch::run(state.clone()));
        tokio::spawn(crate::payments::worker::create_loop(state.clone()));
        tokio::spawn(crate::payments::worker::reconcile_loop(state.clone()));
        tokio::spawn(crate::maintenance::retention_job(state.clone()));
        tokio::spawn(crate::maintenance::housekeeping_job(state.clone()));
        tokio::spawn(crate::maintenance::backup_job(state.clone()));
        tokio::spawn(crate::maintenance::heartbeat(state.clone()));
        resto_ops::notify::ready();
        let mut app = router(state);
        if let Some(extra) = additions.routes {
            app = app.merge(extra);
        }
        if let Some(f) = additions.on_listening {
            f(local);
        }
        let on_shutdown = additions.on_shutdown;
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            if let Some(f) = on_shutdown {
                f();
            }
        })
        .await
        .context("server failed")?;
        tracing::info!("resto-relay stopped");
        anyhow::Ok(())
    })
}

/// How often polls look at the database when no notification came (a lost LISTEN
/// connection): the slow path only; notifications wake polls within milliseconds.
const CROSS_RELAY_FALLBACK: std::time::Duration = std::time::Duration::from_secs(5);

/// Opens the configured backend. On PostgreSQL: applies pending migrations (under the
/// advisory lock, so relays starting together do not race) and refuses a master.key other
/// than the deployment's.
async fn open_store(cfg: &RelayConfig, master_key: &MasterKey) -> anyhow::Result<EventStore> {
    match cfg.backend() {
        Backend::Sqlite(path) => {
            let store = Store::open(&path)
                .with_context(|| format!("cannot open the database {}", path.display()))?;
            Ok(store.into())
        }
        Backend::Postgres(url) => {
            let store = PgStore::open(url.expose())
                .await
                .context("cannot open the PostgreSQL database (RELAY_DATABASE_URL)")?;
            store.check_master_key(&master_key.fingerprint()).await?;
            store.set_instance(&relay_id(&cfg.data_dir)?);
            Ok(store.into())
        }
    }
}

/// This relay's stable id among the relays of a deployment, kept in `<data_dir>/relay.id`
/// (created on first start). The data-dir lock makes it unique to one live process.
fn relay_id(data_dir: &std::path::Path) -> anyhow::Result<String> {
    let path = data_dir.join("relay.id");
    match std::fs::read_to_string(&path) {
        Ok(id) if !id.trim().is_empty() => Ok(id.trim().to_string()),
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e).with_context(|| {
            format!(
                "cannot read {}: check RELAY_DATA_DIR's permissions",
                path.display()
            )
        }),
        _ => {
            let id = ulid::Ulid::new().to_string();
            std::fs::write(&path, &id).with_context(|| {
                format!(
                    "cannot write {}: check RELAY_DATA_DIR's permissions",
                    path.display()
                )
            })?;
            Ok(id)
        }
    }
}

/// Where the state lives, for the start-up log line (never the URL: it holds a password).
fn describe(cfg: &RelayConfig) -> String {
    match cfg.backend() {
        Backend::Sqlite(path) => path.display().to_string(),
        Backend::Postgres(url) => crate::store::pg::connect::PgTarget::parse(url.expose())
            .map(|t| t.shown())
            .unwrap_or_else(|_| "postgresql".into()),
    }
}

fn warn_about_signature_mode(mode: SignatureMode) {
    if mode == SignatureMode::Enforce {
        return;
    }
    let msg = format!(
        "WARNING: META_SIGNATURE_REQUIRED={} — webhooks are accepted without a valid Meta signature. \
         Anyone who finds this URL can inject fake customer messages. Use enforce in production.",
        mode.as_str()
    );
    eprintln!("\n{}\n{msg}\n{}\n", "!".repeat(78), "!".repeat(78));
    tracing::warn!(signature_mode = mode.as_str(), "{msg}");
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    resto_ops::notify::stopping();
    tracing::info!("shutdown requested; finishing requests in flight");
}
