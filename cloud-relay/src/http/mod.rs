//! The relay's HTTP surface. Handlers are thin: they sequence the pure decisions in
//! `intake` and the durable writes in `store`.

mod node_auth;
mod ops;
mod outbox;
mod payments;
pub mod sync;
mod webhook;

use crate::config::RelayConfig;
use crate::metrics::Metrics;
use crate::security::SecurityEvent;
use crate::store::{IngestBatch, Store};
use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use std::sync::Arc;

pub struct AppState {
    pub config: RelayConfig,
    pub store: Store,
    pub metrics: Metrics,
    pub master_key: crate::nodes::MasterKey,
    pub channels: sync::NodeChannels,
    /// Signalled when new outbox items are queued, so the sender starts at once.
    pub outbox_ready: tokio::sync::Notify,
    /// Per-sender bursts, observed only (`sender_rate`).
    pub sender_rate: std::sync::Mutex<crate::sender_rate::SenderRate>,
    /// Signalled when a node asks for a checkout, so the payment worker starts at once.
    pub payments_ready: tokio::sync::Notify,
}

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route(
            "/webhooks/meta",
            get(webhook::verify_subscription).post(webhook::receive),
        )
        .route("/v1/sync/events", get(sync::poll_events))
        .route("/v1/sync/outbox", post(outbox::post_outbox))
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

impl AppState {
    /// Records security events durably (before the response, so what a test or an operator
    /// reads afterwards is there) and counts them.
    pub(crate) async fn record(&self, events: Vec<SecurityEvent>) {
        for e in &events {
            self.metrics.security_event(e.kind);
            tracing::warn!(security_event = e.kind.as_str(), source = e.source.as_deref().unwrap_or("-"), reason = %e.reason, "security event");
        }
        if events.is_empty() {
            return;
        }
        let batch = IngestBatch {
            security: events,
            ..Default::default()
        };
        if let Err(e) = self.store.ingest(batch).await {
            tracing::error!(error = %e, "could not record security events");
        }
    }
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
