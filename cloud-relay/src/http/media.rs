//! `GET /v1/sync/media?msg_id=…&index=…`: a node downloads a customer's media the relay
//! fetched for it (resumable with `Range: bytes=N-`); `DELETE` on the same address says the
//! node has every byte, so the relay may drop its copy after the grace period.

use super::error;
use super::node_auth::authenticate;
use crate::media_fetch::media_path;
use crate::state::AppState;
use crate::store::media::MediaRow;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::net::SocketAddr;
use std::sync::Arc;

const USAGE: &str = "GET /v1/sync/media?msg_id=<provider message id>&index=<attachment index>";

#[derive(Deserialize)]
pub struct MediaQuery {
    msg_id: String,
    index: u32,
}

pub async fn get_media(
    State(app): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    query: Result<Query<MediaQuery>, QueryRejection>,
) -> Response {
    let row = match the_nodes_media(&app, &peer, &method, &uri, &headers, query).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    match row.state.as_str() {
        "fetched" | "delivered" => {}
        "pending" => {
            let mut r = error(
                StatusCode::ACCEPTED,
                "the relay is still fetching this media from Meta",
                "ask again after Retry-After seconds",
            );
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            return r;
        }
        "failed" => {
            return error(
                StatusCode::GONE,
                row.error.as_deref().unwrap_or("MEDIA_FETCH_FAILED"),
                "the relay could not fetch this media; staff can ask the customer to send it again",
            )
        }
        _ => {
            return error(
                StatusCode::GONE,
                "this media was already delivered and has been removed from the relay",
                "the device keeps its own copy",
            )
        }
    }
    let from = match requested_start(&headers) {
        Ok(n) => n,
        Err(()) => {
            return error(
                StatusCode::RANGE_NOT_SATISFIABLE,
                "only `Range: bytes=N-` is supported",
                "resume with the number of bytes already received",
            )
        }
    };
    serve_file(&app, row.id, row.mime_type.as_deref(), from).await
}

pub async fn media_taken(
    State(app): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    query: Result<Query<MediaQuery>, QueryRejection>,
) -> Response {
    let row = match the_nodes_media(&app, &peer, &method, &uri, &headers, query).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    if let Err(e) = app.store.media_delivered(row.id).await {
        tracing::error!(media = row.id, error = %e, "cannot mark media delivered");
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "relay database unavailable",
            "retry with backoff",
        );
    }
    StatusCode::NO_CONTENT.into_response()
}

/// The signed request's node, and the media row it asks for (an error answer otherwise).
async fn the_nodes_media(
    app: &AppState,
    peer: &SocketAddr,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    query: Result<Query<MediaQuery>, QueryRejection>,
) -> Result<MediaRow, Response> {
    let node = authenticate(app, peer, method, uri, headers, b"").await?;
    let Ok(Query(q)) = query else {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "msg_id and index are required",
            USAGE,
        ));
    };
    match app.store.media_for_node(&node, &q.msg_id, q.index).await {
        Ok(Some(r)) => Ok(r),
        Ok(None) => Err(error(
            StatusCode::NOT_FOUND,
            "no such media for this node yet",
            "the relay scans new messages every second; ask again shortly",
        )),
        Err(e) => {
            tracing::error!(node_id = %node, error = %e, "cannot read media");
            Err(error(
                StatusCode::SERVICE_UNAVAILABLE,
                "relay database unavailable",
                "retry with backoff",
            ))
        }
    }
}

/// `Range: bytes=N-` → N; no header → 0.
fn requested_start(headers: &HeaderMap) -> Result<u64, ()> {
    let Some(v) = headers.get(header::RANGE) else {
        return Ok(0);
    };
    let v = v.to_str().map_err(|_| ())?.trim();
    let rest = v.strip_prefix("bytes=").ok_or(())?;
    let start = rest.strip_suffix('-').ok_or(())?;
    start.parse().map_err(|_| ())
}

async fn serve_file(app: &AppState, id: i64, mime: Option<&str>, from: u64) -> Response {
    let path = media_path(&app.config.data_dir, id);
    let (len, bytes) = match app.store.media_bytes(id, &path, from).await {
        Ok(Some(r)) => r,
        Ok(None) => {
            tracing::error!(media = id, "media bytes missing on the relay");
            return error(
                StatusCode::GONE,
                "the media file is missing on the relay",
                "ask the customer to send it again",
            );
        }
        Err(e) => {
            tracing::error!(media = id, error = %e, "cannot read media");
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                "relay database unavailable",
                "retry with backoff",
            );
        }
    };
    if from > len {
        return error(
            StatusCode::RANGE_NOT_SATISFIABLE,
            "range starts past the end of the file",
            "start from 0",
        );
    }
    let mut r = Response::new(Body::from(bytes));
    let h = r.headers_mut();
    let mime = mime.unwrap_or("application/octet-stream");
    if let Ok(v) = HeaderValue::from_str(mime) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if from > 0 {
        *r.status_mut() = StatusCode::PARTIAL_CONTENT;
        if let Ok(v) =
            HeaderValue::from_str(&format!("bytes {from}-{}/{len}", len.saturating_sub(1)))
        {
            r.headers_mut().insert(header::CONTENT_RANGE, v);
        }
    }
    r
}
