//! `GET /v1/sync/events`: the long-poll that hands a node its events (DESIGN §3).

use super::node_auth::authenticate;
use super::{error, AppState};
use crate::store::IngestBatch;
use axum::extract::rejection::QueryRejection;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

/// Per-node wake-up channels: the webhook path announces appended seqs; a poll waits on them
/// directly instead of polling the database. A newer poll by the same node supersedes (and
/// answers empty) the older one.
#[derive(Default)]
pub struct NodeChannels {
    map: Mutex<HashMap<String, Arc<NodeChannel>>>,
}

struct NodeChannel {
    appended: watch::Sender<u64>,
    generation: watch::Sender<u64>,
}

impl NodeChannels {
    fn get(&self, node_id: &str) -> Arc<NodeChannel> {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(node_id.to_string())
            .or_insert_with(|| {
                Arc::new(NodeChannel {
                    appended: watch::channel(0).0,
                    generation: watch::channel(0).0,
                })
            })
            .clone()
    }

    /// Wakes the node's waiting poll, if any.
    pub fn appended(&self, node_id: &str, seq: u64) {
        let ch = self
            .map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(node_id)
            .cloned();
        if let Some(ch) = ch {
            ch.appended.send_replace(seq);
        }
    }
}

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
    let ch = app.channels.get(&node);
    let mut appended = ch.appended.subscribe();
    ch.generation.send_modify(|g| *g += 1);
    let my_generation = *ch.generation.borrow();
    let mut generation = ch.generation.subscribe();
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
            return Json(serde_json::json!({"events": events, "next_after": next_after}))
                .into_response();
        }
        tokio::select! {
            changed = appended.changed() => {
                if changed.is_err() { break; }
            }
            _ = generation.changed() => {
                if *generation.borrow() != my_generation { break; }
            }
            _ = tokio::time::sleep_until(deadline) => break,
        }
    }
    Json(serde_json::json!({"events": [], "next_after": after})).into_response()
}
