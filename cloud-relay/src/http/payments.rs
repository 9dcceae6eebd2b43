//! `POST /webhooks/payments/chargily` (the gateway's webhook) and `GET /payments/return`
//! (where the customer's browser lands after paying).

use super::{error, read_limited, BodyError};
use crate::payments::chargily::{
    reported_state, verify_signature, CheckoutState, SignatureProblem, WebhookEvent,
};
use crate::payments::ledger;
use crate::payments::store::Report;
use crate::security::{SecurityEvent, SecurityEventType};
use crate::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

/// Checkout events are small; anything bigger is not the gateway.
const MAX_BODY: usize = 64 * 1024;

pub async fn chargily_webhook(
    State(app): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let body = match signed_body(&app, &peer, &headers, body).await {
        Ok(b) => b,
        Err(refused) => return refused,
    };
    let event: WebhookEvent = match serde_json::from_slice(&body) {
        Ok(e) => e,
        Err(e) => {
            tracing::error!(error = %e, "signed payment webhook is not a checkout event");
            return error(
                StatusCode::BAD_REQUEST,
                "not a checkout event",
                "expected {id, type, data: checkout}",
            );
        }
    };
    let Some(state) = reported_state(&event.data.status) else {
        tracing::warn!(event_id = %event.id, status = %event.data.status, "unknown checkout status; ignored");
        return Json(serde_json::json!({"ok": true, "ignored": "unknown status"})).into_response();
    };
    settle(&app, &event, state).await
}

/// The body of a webhook the gateway signed with our key; anything else is answered here.
async fn signed_body(
    app: &AppState,
    peer: &SocketAddr,
    headers: &HeaderMap,
    body: Body,
) -> Result<Bytes, Response> {
    let p = &app.config.payments;
    if !p.enabled() {
        return Err(error(
            StatusCode::SERVICE_UNAVAILABLE,
            "online payments are not configured",
            "set CHARGILY_SECRET_KEY on the relay",
        ));
    }
    let body = match read_limited(body, headers, MAX_BODY).await {
        Ok(b) => b,
        Err(BodyError::TooLarge) => {
            return Err(error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too large",
                "not a checkout event",
            ))
        }
        Err(BodyError::Read(_)) => {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "body could not be read",
                "resend",
            ))
        }
    };
    let sig = headers.get("signature").and_then(|v| v.to_str().ok());
    if let Err(problem) = verify_signature(p.secret_key.expose(), &body, sig) {
        let (kind, reason) = match problem {
            SignatureProblem::Missing => (
                SecurityEventType::PaymentSignatureMissing,
                "payment webhook without a signature header",
            ),
            SignatureProblem::Invalid => (
                SecurityEventType::PaymentSignatureInvalid,
                "payment webhook signature does not match CHARGILY_SECRET_KEY",
            ),
        };
        app.record(vec![SecurityEvent::new(
            kind,
            Some(peer.ip().to_string()),
            reason,
        )])
        .await;
        return Err(error(
            StatusCode::UNAUTHORIZED,
            reason,
            "the gateway signs with the account's API secret key; check CHARGILY_SECRET_KEY",
        ));
    }
    Ok(body)
}

/// Records what the gateway reported and moves the checkout on; wakes its node if an event
/// was appended for it.
async fn settle(app: &AppState, event: &WebhookEvent, state: CheckoutState) -> Response {
    let now = crate::store::now_rfc3339();
    let recheck = (chrono::Utc::now() + chrono::Duration::minutes(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let (id, kind, checkout, amount) = (
        event.id.clone(),
        event.kind.clone(),
        event.data.id.clone(),
        event.data.amount,
    );
    let report = ledger::report(
        &app.store,
        checkout,
        state,
        amount,
        Some((id, kind)),
        recheck,
        now,
    )
    .await;
    match report {
        Ok(r) => {
            tracing::info!(event_id = %event.id, checkout_id = %event.data.id, outcome = ?r, "payment webhook");
            if let Report::Moved {
                appended: (node, seq),
                ..
            } = &r
            {
                app.channels.appended(node, *seq);
            }
            // Unknown checkouts are acknowledged too: they are not ours to retry, and the
            // record in payment_webhook_events lets an operator look.
            Json(serde_json::json!({"ok": true, "outcome": format!("{r:?}")})).into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "payment webhook not stored; the gateway may retry");
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "not stored",
                "the relay's database is unavailable",
            )
        }
    }
}

/// A page for the customer's browser after the checkout: the chat is where they continue.
pub async fn payment_return(Query(q): Query<HashMap<String, String>>) -> Response {
    let ok = q.get("outcome").map(String::as_str) == Some("success");
    let (fr, ar) = if ok {
        (
            "Paiement reçu. Vous pouvez revenir à la conversation.",
            "تم استلام الدفع. يمكنك العودة إلى المحادثة.",
        )
    } else {
        ("Le paiement n'a pas abouti. Revenez à la conversation pour réessayer ou payer à la livraison.", "لم يتم الدفع. ارجع إلى المحادثة لإعادة المحاولة أو الدفع عند الاستلام.")
    };
    (
        [(header::CACHE_CONTROL, "no-store")],
        Html(format!(
            "<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'>\
             <title>RestoBot</title><body style='font-family:sans-serif;text-align:center;padding:2em'>\
             <p>{fr}</p><p dir=rtl lang=ar>{ar}</p></body>"
        )),
    )
        .into_response()
}
