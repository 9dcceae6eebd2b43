//! `resto-edge run`: the daemon. Wires the config, the store, the relay link (long-poll,
//! outbox drain, heartbeat), the staff console and the upkeep jobs.
//!
//! READY=1 once migrations ran and the listener is bound; WATCHDOG=1 from the heartbeat
//! while the loops turn; on SIGTERM/SIGINT it waits for the batch being applied, says
//! STOPPING=1 and exits.

use crate::config::EdgeConfig;
use crate::console::{self, Console};
use crate::relay_link::{heartbeat, media_download, sync_worker};
use crate::store::{self, Db};
use crate::upkeep;
use anyhow::Context;
use resto_sync::client::SyncClient;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub fn run(data_dir: &Path, db_path: &Path) -> anyhow::Result<()> {
    let cfg = EdgeConfig::load(data_dir).map_err(|e| anyhow::anyhow!(e))?;
    let _log = resto_ops::logging::init(&resto_ops::logging::LogOptions {
        filter: std::env::var("EDGE_LOG").unwrap_or_else(|_| "info".into()),
        json: true,
        dir: cfg.log.dir.clone(),
        keep_files: cfg.log.keep_files.unwrap_or(14),
        file_prefix: "resto-edge".into(),
    });
    let _lock = resto_ops::lock::DataDirLock::acquire(data_dir, "resto-edge")?;
    let db: Db = Arc::new(Mutex::new(store::open(db_path)?));
    let client = SyncClient::new(
        &cfg.relay_url,
        &cfg.node_id,
        cfg.node_secret.expose(),
        Duration::from_secs(10),
    )?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let outcome = rt.block_on(serve(cfg, data_dir, db_path, db, client));
    // Dropping the runtime would wait forever for a blocking task parked on the database
    // lock we keep held; bound it.
    rt.shutdown_timeout(Duration::from_secs(5));
    outcome
}

async fn serve(
    cfg: EdgeConfig,
    data_dir: &Path,
    db_path: &Path,
    db: Db,
    client: SyncClient,
) -> anyhow::Result<()> {
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
    let retry_max = Duration::from_millis(cfg.retry_max_ms);
    let poll = tokio::spawn(sync_worker::poll_loop(
        db.clone(),
        client.clone(),
        cfg.poll_wait_secs,
        retry_max,
        outbox_ready.clone(),
    ));
    let console = Console::new(db.clone(), outbox_ready.clone(), cfg.late_after_minutes);
    tokio::spawn(console::serve(listener, console));
    tokio::spawn(media_download::run(
        db.clone(),
        client.clone(),
        data_dir.to_path_buf(),
    ));
    let drain = tokio::spawn(sync_worker::drain_loop(
        db.clone(),
        client,
        retry_max,
        outbox_ready,
    ));
    tokio::spawn(heartbeat::run(db.clone()));
    tokio::spawn(crate::printer_link::worker::run(db.clone()));
    tokio::spawn(upkeep::backup_job(
        db_path.to_path_buf(),
        cfg.backup.dir(data_dir),
        cfg.backup.clone(),
    ));
    tokio::spawn(upkeep::retention_job(db.clone(), cfg.retention.clone()));
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
    hold_writes(db).await;
    match failure {
        None => {
            tracing::info!("resto-edge stopped");
            Ok(())
        }
        Some(why) => Err(anyhow::anyhow!(why)),
    }
}

/// Every write happens under the database lock: once we hold it, the batch being applied is
/// committed and no other starts. The guard is leaked so that none starts before exit.
async fn hold_writes(db: Db) {
    let _held = tokio::task::spawn_blocking(move || {
        let c = db.lock().unwrap_or_else(|p| p.into_inner());
        let _ = c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)");
        std::mem::forget(c);
    })
    .await;
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
