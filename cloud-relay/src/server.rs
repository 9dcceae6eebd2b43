//! Starting and stopping the HTTP server.

use crate::config::{LogFormat, RelayConfig, SignatureMode};
use crate::http::{router, AppState};
use crate::metrics::Metrics;
use crate::nodes::MasterKey;
use crate::store::Store;
use anyhow::Context;
use std::net::SocketAddr;
use std::sync::Arc;

pub fn init_logging(cfg: &RelayConfig) {
    // refinery narrates every start at info; its news is only interesting when something fails.
    let spec = if cfg.log.contains("refinery") {
        cfg.log.clone()
    } else {
        format!("{},refinery_core=warn", cfg.log)
    };
    let filter = tracing_subscriber::EnvFilter::try_new(&spec)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,refinery_core=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match cfg.log_format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// Serves until SIGTERM or SIGINT, then finishes the requests in flight: everything already
/// acknowledged is committed, everything not yet acknowledged is Meta's to retry.
pub fn run(cfg: RelayConfig) -> anyhow::Result<()> {
    init_logging(&cfg);
    warn_about_signature_mode(cfg.meta.signature_required);
    let store = Store::open(&cfg.db_path())
        .with_context(|| format!("cannot open the database {}", cfg.db_path().display()))?;
    let master_key = MasterKey::load_or_create(&cfg.master_key_path())?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    rt.block_on(async move {
        let addr: SocketAddr = cfg.listen.parse().context("RELAY_LISTEN")?;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}: is another relay running? change RELAY_LISTEN"))?;
        let local = listener.local_addr()?;
        tracing::info!(addr = %local, db = %cfg.db_path().display(), signature_mode = cfg.meta.signature_required.as_str(), "resto-relay listening");
        let state = Arc::new(AppState {
            config: cfg,
            store,
            metrics: Metrics::default(),
            master_key,
            channels: Default::default(),
            outbox_ready: Default::default(),
            sender_rate: Default::default(),
        });
        tokio::spawn(crate::graph::sender::run(state.clone()));
        tokio::spawn(retention_job(state.clone()));
        axum::serve(
            listener,
            router(state).into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("server failed")?;
        tracing::info!("resto-relay stopped");
        anyhow::Ok(())
    })
}

/// Purges the event log on an interval (cron schedules arrive with the operations work).
async fn retention_job(app: Arc<AppState>) {
    let r = &app.config.retention;
    let policy = crate::store::retention::RetentionPolicy {
        acked_grace: chrono::Duration::hours(r.acked_hours as i64),
        keep_unacked: chrono::Duration::days(r.unacked_days as i64),
        keep_dedupe_keys: chrono::Duration::days(r.unacked_days.max(7) as i64 + 1),
    };
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(r.interval_secs.max(1)));
    loop {
        tick.tick().await;
        match app.store.purge(policy).await {
            Ok(report) => {
                for (node, n) in &report.expired_unread {
                    app.metrics.expired_unread(node, *n);
                    tracing::error!(node_id = %node, expired = n, "events EXPIRED UNREAD: the node did not poll for longer than the retention; these customer messages were never delivered");
                }
                if report.acked_purged > 0 || report.dedupe_keys_purged > 0 {
                    tracing::info!(
                        acked_purged = report.acked_purged,
                        dedupe_keys_purged = report.dedupe_keys_purged,
                        "retention pass"
                    );
                }
            }
            Err(e) => tracing::error!(error = %e, "retention pass failed; will retry"),
        }
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
    tracing::info!("shutdown requested; finishing requests in flight");
}
