//! Baseline for `scripts/bench-ingest.sh`: an axum handler that reads the body and answers
//! 200, on the same runtime flavour as the relay. Whatever the relay does beyond this is the
//! cost of verifying, parsing and durably storing a webhook.

use axum::body::Bytes;
use axum::routing::{get, post};
use axum::Router;

#[tokio::main]
async fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:18081".into());
    let app = Router::new()
        .route("/webhooks/meta", post(|_body: Bytes| async { "ok" }))
        .route("/healthz", get(|| async { "ok" }));
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .unwrap_or_else(|e| panic!("cannot listen on {addr}: {e}"));
    axum::serve(listener, app).await.expect("server failed");
}
