//! `GET /v1/sync/events`: the long-poll that hands a node its events (DESIGN §3).

use super::error;
use super::node_auth::authenticate;
use crate::state::AppState;
use crate::store::IngestBatch;
use axum::extract::rejection::QueryRejection;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

#[derive(Deserialize)]
pub struct PollQuery {
    after: Option<u64>,
    limit: Option<u32>,
    wait: Option<u64>,
}

pub async fn poll_events(
    State(app): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    query: Result<Query<PollQuery>, QueryRejection>,
) -> Response {
    let node = match authenticate(&app, &peer, &method, &uri, &headers, b"").await {
        Ok(n) => n,
        Err(r) => return r,
    };
    let Ok(Query(q)) = query else {
        return error(
            StatusCode::BAD_REQUEST,
            "after, limit and wait must be whole numbers",
            "GET /v1/sync/events?after=<seq>&limit=1..1000&wait=0..60",
        );
    };
    let after = q.after.unwrap_or(0);
    let limit = q.limit.unwrap_or(100);
    let wait = q.wait.unwrap_or(25);
    if !(1..=1000).contains(&limit) || wait > 60 {
        return error(
            StatusCode::BAD_REQUEST,
            "limit must be 1..1000 and wait 0..60 seconds",
            "GET /v1/sync/events?after=<seq>&limit=1..1000&wait=0..60",
        );
    }
    // Subscribe before reading, so an event appended in between still wakes us.
    let mut waiter = app.channels.wait(&node);
    let ack = IngestBatch {
        ack: Some((node.clone(), after)),
        ..Default::default()
    };
    if let Err(e) = app.store.ingest(ack).await {
        tracing::error!(node_id = %node, error = %e, "cannot record acknowledgement");
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(wait);
    loop {
        let events = match app.store.events_after(&node, after, limit).await {
            Ok(e) => e,
            Err(e) => {
                tracing::error!(node_id = %node, error = %e, "cannot read events");
                return error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "relay database unavailable",
                    "retry with backoff",
                );
            }
        };
        if !events.is_empty() {
            let next_after = events.last().map(|e| e.seq).unwrap_or(after);
            tracing::info!(node_id = %node, count = events.len(), next_after, "events delivered");
            // The node takes these now: their customers see them read and the bot typing.
            crate::graph::read_receipt::mark_taken(&app, &node, &events);
            return Json(serde_json::json!({"events": events, "next_after": next_after}))
                .into_response();
        }
        tokio::select! {
            woken = waiter.woken() => {
                if !woken { break; }
            }
            _ = tokio::time::sleep_until(deadline) => break,
        }
    }
    Json(serde_json::json!({"events": [], "next_after": after})).into_response()
}
