//! The relay's HTTP surface. Handlers are thin: they sequence the pure decisions in
//! `intake` and the durable writes in `store`.
//!
//! May import: every module below it (`config` … `payments`); never `server`, `demo`, `cli`.

mod media;
mod node_auth;
mod ops;
mod outbox;
mod payments;
mod sync;
mod webhook;

use crate::state::AppState;
use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use std::sync::Arc;

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route(
            "/webhooks/meta",
            get(webhook::verify_subscription).post(webhook::receive),
        )
        .route("/v1/sync/events", get(sync::poll_events))
        .route("/v1/sync/outbox", post(outbox::post_outbox))
        .route(
            "/v1/sync/media",
            get(media::get_media).delete(media::media_taken),
        )
        .route(
            "/webhooks/payments/chargily",
            post(payments::chargily_webhook),
        )
        .route("/payments/return", get(payments::payment_return))
        .route("/healthz", get(ops::health))
        .route("/health", get(ops::health))
        .route("/metrics", get(ops::metrics))
        .with_state(state)
}

/// A JSON error that tells the caller what to do.
pub(crate) fn error(status: StatusCode, error: &str, hint: &str) -> Response {
    (
        status,
        Json(serde_json::json!({ "error": error, "hint": hint })),
    )
        .into_response()
}

/// Why a request body could not be taken.
pub(crate) enum BodyError {
    TooLarge,
    Read(String),
}

pub(crate) async fn read_limited(
    body: Body,
    headers: &HeaderMap,
    limit: usize,
) -> Result<Bytes, BodyError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(BodyError::TooLarge);
    }
    match Limited::new(body, limit).collect().await {
        Ok(c) => Ok(c.to_bytes()),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => Err(BodyError::TooLarge),
        Err(e) => Err(BodyError::Read(e.to_string())),
    }
}
