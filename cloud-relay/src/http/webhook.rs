//! `GET /webhooks/meta` (subscription handshake) and `POST /webhooks/meta` (intake).

use super::{error, read_limited, BodyError};
use crate::intake::{plan_ingest, query_token_param, signature_verdict, SignatureVerdict};
use crate::meta::parse::parse_meta_webhook;
use crate::meta::signature::verify_meta_signature;
use crate::security::{SecurityEvent, SecurityEventType};
use crate::state::AppState;
use crate::store::EventFate;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use resto_sync::{EventKind, InboundMessage};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

pub async fn verify_subscription(
    State(app): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let expected = app.config.meta.verify_token.expose().as_bytes();
    let given = q
        .get("hub.verify_token")
        .map(String::as_bytes)
        .unwrap_or(b"");
    let mode_ok = q.get("hub.mode").map(String::as_str) == Some("subscribe");
    // An unset token must never verify (empty == empty).
    let token_ok = !expected.is_empty() && constant_time_eq(expected, given);
    match q.get("hub.challenge") {
        Some(challenge) if mode_ok && token_ok => {
            tracing::info!("Meta webhook subscription verified");
            ([(header::CONTENT_TYPE, "text/plain")], challenge.clone()).into_response()
        }
        _ => {
            let reason = if !mode_ok {
                "hub.mode is not subscribe"
            } else if expected.is_empty() {
                "META_VERIFY_TOKEN is not configured"
            } else if !token_ok {
                "hub.verify_token does not match META_VERIFY_TOKEN"
            } else {
                "hub.challenge is missing"
            };
            app.record(vec![SecurityEvent::new(
                SecurityEventType::VerifyTokenInvalid,
                Some(peer.ip().to_string()),
                reason,
            )])
            .await;
            error(
                StatusCode::FORBIDDEN,
                reason,
                "the verify token typed in Meta's App Dashboard must equal META_VERIFY_TOKEN",
            )
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    // Length is not secret here (Meta's token is chosen by us); the content is.
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub async fn receive(
    State(app): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let started = Instant::now();
    let source = peer.ip().to_string();
    let correlation_id = ulid::Ulid::new().to_string();
    let (body, mut security) =
        match admit(&app, &source, &correlation_id, &uri, &headers, body).await {
            Ok(admitted) => admitted,
            Err(refused) => return refused,
        };
    let parsed = match parse_meta_webhook(&body, &crate::store::now_rfc3339()) {
        Ok(p) => p,
        Err(e) => return unreadable(&app, &source, security, e.to_string()).await,
    };
    let provider = parsed.provider.as_str();
    let ignored = parsed.ignored.len();
    app.metrics
        .odd_items(provider, "kept_odd", parsed.oddities.len() as u64);
    app.metrics
        .odd_items(provider, "dropped", parsed.invalid_items.len() as u64);
    for odd in &parsed.oddities {
        tracing::warn!(correlation_id, channel = provider, oddity = %odd, "webhook item kept despite an odd field");
    }
    security.extend(observe_senders(&app, &parsed.messages, &source));
    let notices = crate::away::plan(&app.config.away, &parsed.messages);
    let mut batch = plan_ingest(parsed, Some(&source));
    crate::away::attach(&mut batch, notices);
    batch.security.append(&mut security);
    for s in &batch.security {
        app.metrics.security_event(s.kind);
        tracing::warn!(security_event = s.kind.as_str(), source = %source, reason = %s.reason, correlation_id, "security event");
    }
    let notes: Vec<(EventKind, String, String)> = batch
        .events
        .iter()
        .map(|e| (e.kind, e.msg_id.clone(), e.label.clone()))
        .collect();

    let outcome = match app.store.ingest(batch).await {
        Ok(o) => o,
        Err(e) => {
            tracing::error!(correlation_id, channel = provider, error = %e, "webhook not stored; answering 503 so Meta retries");
            app.metrics.webhook_request(provider, "store_failed");
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                "not stored",
                "the relay's database is unavailable; Meta will retry",
            );
        }
    };
    announce(&app, provider, &correlation_id, &notes, &outcome.fates);
    for a in &outcome.away {
        app.metrics
            .away_message(a.provider.as_str(), a.notice_queued);
        if a.notice_queued {
            tracing::info!(correlation_id, channel = provider, node_id = %a.node_id, "node away: customer told their message is saved");
        }
    }
    if outcome.away.iter().any(|a| a.notice_queued) {
        app.outbox_ready.notify_one();
    }
    let duplicates = outcome.duplicates();
    app.metrics.duplicates(duplicates as u64);
    let result = if outcome.fates.is_empty() {
        "ignored"
    } else if outcome.stored() == 0 {
        "duplicate"
    } else {
        "stored"
    };
    app.metrics.webhook_request(provider, result);
    app.metrics.ingest_latency(started.elapsed());
    Json(serde_json::json!({
        "stored": outcome.stored(),
        "duplicates": duplicates,
        "ignored": ignored,
    }))
    .into_response()
}

/// A request refused before its body is parsed: counted under provider `unknown`.
async fn refuse(
    app: &AppState,
    source: &str,
    kind: SecurityEventType,
    outcome: &str,
    reason: String,
) {
    app.metrics.webhook_request("unknown", outcome);
    app.record(vec![SecurityEvent::new(
        kind,
        Some(source.to_string()),
        reason,
    )])
    .await;
}

/// The steps before parsing: no credential in the query string, a body within the limit,
/// a signature the configured mode accepts. `Ok` carries the body and the security events
/// to store with it (a bad signature accepted in `warn` mode); `Err` is the answer to send.
async fn admit(
    app: &AppState,
    source: &str,
    correlation_id: &str,
    uri: &Uri,
    headers: &HeaderMap,
    body: Body,
) -> Result<(Bytes, Vec<SecurityEvent>), Response> {
    if !app.config.allow_query_token {
        if let Some(param) = query_token_param(uri.query()) {
            refuse(
                app,
                source,
                SecurityEventType::QueryTokenRefused,
                "query_token_refused",
                format!("credential-like query parameter {param:?} on a webhook"),
            )
            .await;
            return Err(error(
                StatusCode::UNAUTHORIZED,
                "credentials in the query string are refused",
                "Meta authenticates webhooks with X-Hub-Signature-256; remove the query parameter",
            ));
        }
    }
    let body = match read_limited(body, headers, app.config.max_body_bytes).await {
        Ok(b) => b,
        Err(BodyError::TooLarge) => {
            refuse(
                app,
                source,
                SecurityEventType::PayloadTooLarge,
                "payload_too_large",
                format!("body over {} bytes", app.config.max_body_bytes),
            )
            .await;
            return Err(error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body too large",
                "Meta's payloads are at most 3 MB; raise RELAY_MAX_BODY_BYTES only if Meta sends more",
            ));
        }
        Err(BodyError::Read(e)) => {
            tracing::info!(correlation_id, error = %e, "webhook body could not be read");
            return Err(error(
                StatusCode::BAD_REQUEST,
                "body could not be read",
                "resend the request",
            ));
        }
    };
    let security = check_signature(app, source, headers, &body).await?;
    Ok((body, security))
}

async fn check_signature(
    app: &AppState,
    source: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Vec<SecurityEvent>, Response> {
    let secrets = app.config.meta_secrets();
    let header = headers
        .get("x-hub-signature-256")
        .map(|v| v.to_str().unwrap_or("invalid"));
    let check = verify_meta_signature(&secrets, body, header);
    match signature_verdict(app.config.meta.signature_required, check) {
        SignatureVerdict::Accept => Ok(Vec::new()),
        SignatureVerdict::AcceptRecorded(kind, reason) => Ok(vec![SecurityEvent::new(
            kind,
            Some(source.to_string()),
            reason,
        )]),
        SignatureVerdict::Refuse(kind, reason) => {
            let outcome = match kind {
                SecurityEventType::SignatureMissing => "signature_missing",
                _ => "signature_invalid",
            };
            refuse(app, source, kind, outcome, reason.clone()).await;
            Err(error(
                StatusCode::UNAUTHORIZED,
                &reason,
                "sign the raw body with the Meta App Secret: X-Hub-Signature-256: sha256=<hex HMAC-SHA256>",
            ))
        }
    }
}

/// A signed body that does not parse. 200 on purpose: Meta resends a refused body for days,
/// and it will never parse.
async fn unreadable(
    app: &AppState,
    source: &str,
    mut security: Vec<SecurityEvent>,
    why: String,
) -> Response {
    security.push(SecurityEvent::new(
        SecurityEventType::PayloadInvalid,
        Some(source.to_string()),
        why,
    ));
    app.metrics.webhook_request("unknown", "payload_invalid");
    app.record(security).await;
    (
        StatusCode::OK,
        Json(serde_json::json!({"stored": 0, "duplicates": 0, "ignored": "unreadable payload recorded"})),
    )
        .into_response()
}

/// Bursts per sender (`sender_rate`), recorded as security events; never refused.
fn observe_senders(
    app: &AppState,
    messages: &[InboundMessage],
    source: &str,
) -> Vec<SecurityEvent> {
    let mut security = Vec::new();
    if let Ok(mut rate) = app.sender_rate.lock() {
        let now = std::time::Instant::now();
        for m in messages {
            let sender = format!("{}:{}", m.provider.as_str(), m.user_id);
            if let Some(n) = rate.observe(
                &sender,
                now,
                crate::sender_rate::LIMIT,
                crate::sender_rate::WINDOW,
            ) {
                security.push(SecurityEvent::new(
                    SecurityEventType::SenderRate,
                    Some(source.to_string()),
                    format!("{sender} sent {n} messages within {}s; stored and forwarded, the edge decides", crate::sender_rate::WINDOW.as_secs()),
                ));
            }
        }
    }
    security
}

/// Wakes the nodes that got events, counts what is new and logs every item with its fate.
fn announce(
    app: &AppState,
    provider: &str,
    correlation_id: &str,
    notes: &[(EventKind, String, String)],
    fates: &[EventFate],
) {
    for ((kind, msg_id, label), fate) in notes.iter().zip(fates) {
        let node_id = match fate {
            EventFate::Appended { node_id, seq } => {
                app.channels.appended(node_id, *seq);
                node_id.as_str()
            }
            EventFate::Unrouted => "unrouted",
            EventFate::Duplicate => "duplicate",
        };
        let fresh = *fate != EventFate::Duplicate;
        if *kind == EventKind::MessageStatus {
            if fresh {
                app.metrics.message_status(provider, label);
            }
            tracing::info!(channel = provider, msg_id, status = %label, correlation_id, node_id, "message status");
        } else {
            if fresh {
                app.metrics.inbound_message(provider, label);
            }
            tracing::info!(channel = provider, msg_id, kind = %label, correlation_id, node_id, "inbound message");
        }
    }
}
