//! `POST /v1/sync/outbox`: a node hands the relay what it must tell the world. Idempotent by
//! item id per node: a resent item is answered as a duplicate and never queued twice.

use super::node_auth::authenticate;
use super::{error, read_limited, AppState, BodyError};
use crate::store::{IngestBatch, NewOutboxItem};
use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use resto_sync::outbound::{OutboxRejection, OutboxRequest, OutboxResponse, SendMessage};
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
    let body = match read_limited(body, &headers, MAX_BODY).await {
        Ok(b) => b,
        Err(BodyError::TooLarge) => {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "outbox batch too large",
                "post at most 500 items and 4 MiB per request",
            )
        }
        Err(BodyError::Read(_)) => {
            return error(
                StatusCode::BAD_REQUEST,
                "body could not be read",
                "resend the batch",
            )
        }
    };
    let node = match authenticate(&app, &peer, &method, &uri, &headers, &body).await {
        Ok(n) => n,
        Err(r) => return r,
    };
    let req: OutboxRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                &format!("outbox body is not {{\"items\":[…]}}: {e}"),
                "see docs/protocol.md for the item shape",
            )
        }
    };
    if req.items.len() > MAX_ITEMS {
        return error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too many items",
            "post at most 500 items per request",
        );
    }
    let mut response = OutboxResponse::default();
    let mut batch = IngestBatch::default();
    let mut checkouts = Vec::new();
    for item in req.items {
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
                node_id: node.clone(),
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
    if !checkouts.is_empty() {
        let (node_id, now) = (node.clone(), crate::store::now_rfc3339());
        let fresh = app
            .store
            .with_connection(move |c| {
                let tx = c.transaction()?;
                let mut fresh = Vec::new();
                for (id, req) in checkouts {
                    let new = crate::payments::store::request(&tx, &node_id, &id, &req, &now)?;
                    fresh.push((id, new));
                }
                tx.commit()?;
                Ok(fresh)
            })
            .await;
        match fresh {
            Ok(fresh) => {
                for (id, new) in fresh {
                    if new {
                        response.accepted.push(id);
                    } else {
                        response.duplicates.push(id);
                    }
                }
                app.payments_ready.notify_one();
            }
            Err(e) => {
                tracing::error!(node_id = %node, error = %e, "checkout requests not stored");
                return error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "not stored",
                    "the relay's database is unavailable; retry the same batch",
                );
            }
        }
    }
    let ids: Vec<String> = batch.outbox.iter().map(|i| i.id.clone()).collect();
    let outcome = match app.store.ingest(batch).await {
        Ok(o) => o,
        Err(e) => {
            tracing::error!(node_id = %node, error = %e, "outbox batch not stored");
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                "not stored",
                "the relay's database is unavailable; retry the same batch",
            );
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
