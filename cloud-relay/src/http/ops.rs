//! Health and metrics endpoints for operators and load balancers.

use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use std::sync::Arc;

pub async fn health(State(app): State<Arc<AppState>>) -> Response {
    match app.store.health().await {
        Ok(()) => Json(serde_json::json!({"status": "ok", "db": "ok"})).into_response(),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({"status": "error", "db": e.to_string()})),
        )
            .into_response(),
    }
}

pub async fn metrics(State(app): State<Arc<AppState>>) -> Response {
    let unrouted = app.store.unrouted_count().await.ok();
    let nodes = app.store.node_gauges().await.unwrap_or_default();
    let mut body = app.metrics.render(unrouted, &nodes);
    if let Ok(dead) = app.store.dead_count().await {
        body.push_str(&format!("# HELP resto_dlq_items Replies in the dead-letter queue (`resto-relay dlq list`); alert on any.\n# TYPE resto_dlq_items gauge\nresto_dlq_items {dead}\n"));
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response()
}
