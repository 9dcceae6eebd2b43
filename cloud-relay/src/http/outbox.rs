//! `POST /v1/sync/outbox`: a node hands the relay what it must tell the world. Idempotent by
//! item id per node: a resent item is answered as a duplicate and never queued twice.

use super::node_auth::authenticate;
use super::{error, read_limited, BodyError};
use crate::state::AppState;
use crate::store::{IngestBatch, NewOutboxItem, StoreError};
use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use resto_sync::outbound::{
    OutboxItem, OutboxRejection, OutboxRequest, OutboxResponse, SendMessage,
};
use resto_sync::payment::{CreateCheckout, CREATE_CHECKOUT};
use std::net::SocketAddr;
use std::sync::Arc;

/// One request carries at most this many items; the edge drains in batches.
const MAX_ITEMS: usize = 500;
const MAX_BODY: usize = 4 * 1024 * 1024;

pub async fn post_outbox(
    State(app): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let (node, req) = match read_request(&app, &peer, &method, &uri, &headers, body).await {
        Ok(r) => r,
        Err(refused) => return refused,
    };
    let (batch, checkouts, mut response) = sort_items(&node, req.items);
    if !checkouts.is_empty() {
        if let Err(e) = store_checkouts(&app, &node, checkouts, &mut response).await {
            tracing::error!(node_id = %node, error = %e, "checkout requests not stored");
            return not_stored();
        }
    }
    let ids: Vec<String> = batch.outbox.iter().map(|i| i.id.clone()).collect();
    let outcome = match app.store.ingest(batch).await {
        Ok(o) => o,
        Err(e) => {
            tracing::error!(node_id = %node, error = %e, "outbox batch not stored");
            return not_stored();
        }
    };
    for (id, new) in ids.into_iter().zip(outcome.outbox_new) {
        if new {
            response.accepted.push(id);
        } else {
            response.duplicates.push(id);
        }
    }
    if !response.accepted.is_empty() {
        app.outbox_ready.notify_one();
    }
    tracing::info!(node_id = %node, accepted = response.accepted.len(), duplicates = response.duplicates.len(), rejected = response.rejected.len(), "outbox batch");
    Json(response).into_response()
}

fn not_stored() -> Response {
    error(
        StatusCode::SERVICE_UNAVAILABLE,
        "not stored",
        "the relay's database is unavailable; retry the same batch",
    )
}

/// The body, read within the limit, from an authenticated node, in the protocol's shape.
async fn read_request(
    app: &AppState,
    peer: &SocketAddr,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Body,
) -> Result<(String, OutboxRequest), Response> {
    let body = match read_limited(body, headers, MAX_BODY).await {
        Ok(b) => b,
        Err(BodyError::TooLarge) => {
            return Err(error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "outbox batch too large",
                "post at most 500 items and 4 MiB per request",
            ))
        }
        Err(BodyError::Read(_)) => {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "body could not be read",
                "resend the batch",
            ))
        }
    };
    let node = authenticate(app, peer, method, uri, headers, &body).await?;
    let req: OutboxRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return Err(error(
                StatusCode::BAD_REQUEST,
                &format!("outbox body is not {{\"items\":[…]}}: {e}"),
                "see docs/protocol.md for the item shape",
            ))
        }
    };
    if req.items.len() > MAX_ITEMS {
        return Err(error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too many items",
            "post at most 500 items per request",
        ));
    }
    Ok((node, req))
}

/// Replies to send go to the outbox batch, checkout requests to the payments table; items
/// that are neither, or malformed, are rejected one by one (the rest of the batch stands).
fn sort_items(
    node: &str,
    items: Vec<OutboxItem>,
) -> (IngestBatch, Vec<(String, CreateCheckout)>, OutboxResponse) {
    let mut response = OutboxResponse::default();
    let mut batch = IngestBatch::default();
    let mut checkouts = Vec::new();
    for item in items {
        let checked = match item.kind.as_str() {
            _ if item.id.is_empty() || item.id.len() > 64 => {
                Err("id must be 1 to 64 characters".into())
            }
            "send_message" => SendMessage::from_payload(&item.payload).map(|_| ()),
            CREATE_CHECKOUT => match CreateCheckout::from_payload(&item.payload) {
                Ok(c) => {
                    checkouts.push((item.id, c));
                    continue;
                }
                Err(e) => Err(e),
            },
            other => Err(format!(
                "unknown item kind {other:?}; this relay knows send_message and create_checkout"
            )),
        };
        match checked {
            Ok(()) => batch.outbox.push(NewOutboxItem {
                node_id: node.to_string(),
                id: item.id,
                kind: item.kind,
                created_at: item.created_at,
                payload: item.payload.to_string(),
            }),
            Err(error) => response
                .rejected
                .push(OutboxRejection { id: item.id, error }),
        }
    }
    (batch, checkouts, response)
}

/// Stores the checkout requests in one transaction and wakes the payment worker.
async fn store_checkouts(
    app: &AppState,
    node: &str,
    checkouts: Vec<(String, CreateCheckout)>,
    response: &mut OutboxResponse,
) -> Result<(), StoreError> {
    let ids: Vec<String> = checkouts.iter().map(|(id, _)| id.clone()).collect();
    let fresh =
        crate::payments::ledger::request(&app.store, node, checkouts, crate::store::now_rfc3339())
            .await?;
    let fresh = ids.into_iter().zip(fresh);
    for (id, new) in fresh {
        if new {
            response.accepted.push(id);
        } else {
            response.duplicates.push(id);
        }
    }
    app.payments_ready.notify_one();
    Ok(())
}
