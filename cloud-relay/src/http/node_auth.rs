//! Authentication of edge → relay requests (DESIGN §3): node id, timestamp within ±300 s and
//! an HMAC over method, path+query, timestamp and body hash with the node's secret.

use super::error;
use crate::intake::query_token_param;
use crate::security::{SecurityEvent, SecurityEventType};
use crate::state::AppState;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use resto_sync::signing::{verify_request, HEADER_NODE, HEADER_SIGNATURE, HEADER_TIMESTAMP};
use std::net::SocketAddr;

/// The authenticated node id, or the 401 to send (the security event is already recorded).
pub async fn authenticate(
    app: &AppState,
    peer: &SocketAddr,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<String, Response> {
    let deny = |kind: SecurityEventType, reason: String, hint: &'static str| async move {
        app.record(vec![SecurityEvent::new(
            kind,
            Some(peer.ip().to_string()),
            reason.clone(),
        )])
        .await;
        Err(error(StatusCode::UNAUTHORIZED, &reason, hint))
    };
    if !app.config.allow_query_token {
        if let Some(param) = query_token_param(uri.query()) {
            return deny(
                SecurityEventType::QueryTokenRefused,
                format!("credential-like query parameter {param:?} on a sync request"),
                "sign requests with the X-Resto-* headers instead",
            )
            .await;
        }
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let Some(node_id) = header(HEADER_NODE).filter(|n| !n.is_empty()) else {
        return deny(
            SecurityEventType::AuthDeny,
            "X-Resto-Node header is missing".into(),
            "every sync request carries X-Resto-Node, X-Resto-Timestamp and X-Resto-Signature",
        )
        .await;
    };
    let info = match app.store.node_auth_info(node_id).await {
        Ok(Some(info)) => info,
        Ok(None) => {
            return deny(
                SecurityEventType::AuthDeny,
                format!("unknown node {node_id:?}"),
                "enroll the device again: resto-relay node add, then resto-edge enroll",
            )
            .await
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot read node for authentication");
            return Err(error(
                StatusCode::SERVICE_UNAVAILABLE,
                "relay database unavailable",
                "retry later",
            ));
        }
    };
    let secret = app.master_key.node_secret(node_id, info.secret_generation);
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let now = chrono::Utc::now().timestamp();
    match verify_request(
        &secret,
        method.as_str(),
        path,
        header(HEADER_TIMESTAMP),
        header(HEADER_SIGNATURE),
        body,
        now,
    ) {
        Ok(()) => Ok(node_id.to_string()),
        Err(e) => {
            deny(
                SecurityEventType::AuthDeny,
                format!("node {node_id}: {e}"),
                "check the device clock and the secret written by resto-edge enroll",
            )
            .await
        }
    }
}
