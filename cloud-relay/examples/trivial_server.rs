//! Baseline for `scripts/bench-ingest.sh`: an axum 0.8 handler that reads the whole body and
//! answers 200, on the same runtime flavour as the relay (`#[tokio::main]`, multi-thread).
//! Whatever the relay costs beyond this is verifying, parsing and durably storing a webhook.
//!
//! usage: trivial_server --listen 127.0.0.1:18481

use axum::body::Bytes;
use axum::routing::{get, post};
use axum::Router;
use clap::Parser;

#[derive(Parser)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:18481")]
    listen: String,
}

async fn webhook(body: Bytes) -> &'static str {
    std::hint::black_box(body.len());
    "ok"
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let app = Router::new()
        .route("/webhooks/meta", post(webhook))
        .route("/healthz", get(|| async { "ok" }));
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .unwrap_or_else(|e| panic!("cannot listen on {}: {e}", args.listen));
    let shutdown = async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    };
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
        .expect("server failed");
}
