//! The demo's HTTP surface, mounted beside the relay's own routes only by `resto-relay demo`:
//! the chat page, its two endpoints, and the Graph sink standing in for Meta.
//!
//! The page never talks to the bot directly: `send` builds the webhook Meta would send, signs
//! it with the app secret and posts it to this relay's `/webhooks/meta` over HTTP, and the
//! bot's answers come back through the relay's Graph sender into `sink`.

use super::bubble::{self, Envelope, VisitorMessage};
use super::feed::Feed;
use crate::meta::signature::meta_signature_header;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

const PAGE: &str = include_str!("page.html");
/// The demo's recorded voice note (a copy of `tests/fixtures/voice-note.ogg`; the demo's e2e
/// test checks the device ends up with exactly those bytes).
const VOICE_NOTE: &[u8] = include_bytes!("voice-note.ogg");
const VOICE_NOTE_MIME: &str = "audio/ogg; codecs=opus";

pub struct DemoChat {
    pub feed: Feed,
    /// `http://127.0.0.1:PORT/webhooks/meta`: this relay's own intake.
    pub webhook_url: String,
    /// `http://127.0.0.1:PORT`: media download URLs point back here.
    pub relay_url: String,
    pub app_secret: String,
    /// The access token the relay's route holds; the sink checks it like Graph would.
    pub access_token: String,
    pub phone_number_id: String,
    pub display_phone_number: String,
    pub http: reqwest::Client,
}

pub fn routes(chat: Arc<DemoChat>) -> Router {
    Router::new()
        .route("/", get(|| async { Redirect::to("/demo/") }))
        .route("/demo", get(|| async { Redirect::to("/demo/") }))
        .route("/demo/", get(page))
        .route("/demo/api/send", post(send))
        .route("/demo/api/feed", get(feed))
        .route("/demo/graph/{version}/{account}/messages", post(sink))
        .route("/demo/voice-note.ogg", get(page_voice_note))
        // `{account}` here is a media id: the router wants one name per path position.
        .route("/demo/graph/{version}/{account}", get(media_info))
        .route("/demo/media/{media_id}", get(media_download))
        .with_state(chat)
}

async fn page() -> Response {
    (
        [
            (header::CACHE_CONTROL, "no-store"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'",
            ),
        ],
        Html(PAGE),
    )
        .into_response()
}

fn bad(status: StatusCode, error: &str) -> Response {
    (status, Json(json!({ "error": error }))).into_response()
}

#[derive(Deserialize)]
struct SendRequest {
    /// The visitor's phone number (wa_id) chosen by the page.
    from: String,
    #[serde(default)]
    name: Option<String>,
    message: VisitorMessage,
}

/// Another web site open in the visitor's browser must not be able to talk through the demo:
/// a cross-site form or `text/plain` fetch is refused by content type, a cross-site JSON
/// fetch by its `Origin` (and the browser's CORS preflight, which nothing here answers).
fn refused_unless_from_this_page(headers: &HeaderMap) -> Option<Response> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with("application/json"));
    if !json {
        return Some(bad(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the message as Content-Type: application/json",
        ));
    }
    match headers.get(header::ORIGIN).map(|v| v.to_str()) {
        None => None,
        Some(Ok(origin)) if is_local_origin(origin) => None,
        Some(_) => Some(bad(
            StatusCode::FORBIDDEN,
            "the demo chat only accepts messages from its own page on this machine",
        )),
    }
}

/// `http://127.0.0.1:PORT`, `http://localhost:PORT`, `http://[::1]:PORT`.
fn is_local_origin(origin: &str) -> bool {
    let Some(rest) = origin.strip_prefix("http://") else {
        return false;
    };
    let host = match rest.rsplit_once(':') {
        Some((h, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => rest,
    };
    matches!(host, "127.0.0.1" | "localhost" | "[::1]")
}

async fn send(
    State(chat): State<Arc<DemoChat>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if let Some(refused) = refused_unless_from_this_page(&headers) {
        return refused;
    }
    let req: SendRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return bad(
                StatusCode::BAD_REQUEST,
                &format!(
                    "expected {{\"from\", \"message\": {{\"kind\": \"text\", \"text\"}}}}: {e}"
                ),
            )
        }
    };
    if !bubble::valid_wa_id(&req.from) {
        return bad(
            StatusCode::BAD_REQUEST,
            "from must be a phone number of 8 to 15 digits",
        );
    }
    if let Err(e) = req.message.check() {
        return bad(StatusCode::BAD_REQUEST, &e);
    }
    let wamid = format!("wamid.demo.{}", ulid::Ulid::new());
    let name: String = req
        .name
        .as_deref()
        .unwrap_or("Visiteur")
        .chars()
        .take(60)
        .collect();
    let webhook = bubble::inbound_webhook(
        &Envelope {
            phone_number_id: &chat.phone_number_id,
            display_phone_number: &chat.display_phone_number,
            from: &req.from,
            name: &name,
            wamid: &wamid,
            timestamp: chrono::Utc::now().timestamp(),
        },
        &req.message,
    );
    let signature = meta_signature_header(&chat.app_secret, &webhook);
    // In the feed before the relay sees it, so the bot's answer (which can reach the sink
    // before the relay's 200 reaches us) always comes after it, on the page and in `after`.
    let entry = chat
        .feed
        .push(&req.from, "visitor", &wamid, req.message.as_bubble());
    let answer = chat
        .http
        .post(&chat.webhook_url)
        .header(header::CONTENT_TYPE, "application/json")
        .header("x-hub-signature-256", signature)
        .body(webhook)
        .send()
        .await;
    match answer {
        Ok(r) if r.status().is_success() => {
            tracing::info!(wamid = %wamid, "demo chat: webhook accepted by the relay");
            Json(json!({ "entry": entry })).into_response()
        }
        Ok(r) => {
            chat.feed.remove(entry.seq);
            let status = r.status().as_u16();
            let text = r.text().await.unwrap_or_default();
            tracing::warn!(status, "demo chat: the relay refused the webhook");
            bad(
                StatusCode::BAD_GATEWAY,
                &format!("the relay answered {status}: {text}"),
            )
        }
        Err(e) => {
            chat.feed.remove(entry.seq);
            bad(
                StatusCode::BAD_GATEWAY,
                &format!("cannot reach the relay's /webhooks/meta: {e}"),
            )
        }
    }
}

#[derive(Deserialize)]
struct FeedQuery {
    chat: String,
    #[serde(default)]
    after: u64,
    /// Seconds to wait for something new (long-poll), at most 25.
    #[serde(default)]
    wait: u64,
}

async fn feed(
    State(chat): State<Arc<DemoChat>>,
    q: Result<Query<FeedQuery>, QueryRejection>,
) -> Response {
    let Ok(Query(q)) = q else {
        return bad(
            StatusCode::BAD_REQUEST,
            "use /demo/api/feed?chat=WA_ID&after=SEQ&wait=SECONDS",
        );
    };
    let entries = chat
        .feed
        .wait_after(&q.chat, q.after, Duration::from_secs(q.wait.min(25)))
        .await;
    (
        [(header::CACHE_CONTROL, "no-store")],
        Json(json!({ "entries": entries })),
    )
        .into_response()
}

/// Graph's error body (META_PROTOCOL §7): the relay's sender classifies it like Meta's.
fn graph_error(status: StatusCode, code: i64, message: &str) -> Response {
    (
        status,
        Json(json!({"error": {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "demo"}})),
    )
        .into_response()
}

/// The Graph token check, as Meta answers a missing or wrong one.
fn token_refused(chat: &DemoChat, headers: &HeaderMap) -> Option<Response> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    (token != Some(chat.access_token.as_str())).then(|| {
        graph_error(
            StatusCode::UNAUTHORIZED,
            190,
            "Invalid OAuth access token - Cannot parse access token",
        )
    })
}

/// The visitor's own bubble plays the recording from here (no token: it is their phone).
async fn page_voice_note() -> Response {
    (
        [
            (header::CONTENT_TYPE, VOICE_NOTE_MIME),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        VOICE_NOTE,
    )
        .into_response()
}

/// `GET {META_GRAPH_URL}/{media-id}` as the WhatsApp Cloud API answers it (META_PROTOCOL
/// §8.1): the relay's media worker asks this for every demo voice note.
async fn media_info(
    State(chat): State<Arc<DemoChat>>,
    Path((_version, media_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if let Some(refused) = token_refused(&chat, &headers) {
        return refused;
    }
    if !media_id.starts_with(bubble::VOICE_MEDIA_PREFIX) {
        return graph_error(
            StatusCode::BAD_REQUEST,
            100,
            &format!("Unsupported get request. Object with ID '{media_id}' does not exist"),
        );
    }
    use sha2::{Digest, Sha256};
    let sha: String = Sha256::digest(VOICE_NOTE)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Json(json!({
        "messaging_product": "whatsapp",
        "url": format!("{}/demo/media/{media_id}", chat.relay_url),
        "mime_type": VOICE_NOTE_MIME,
        "sha256": sha,
        "file_size": VOICE_NOTE.len(),
        "id": media_id,
    }))
    .into_response()
}

/// The download URL `media_info` gave: like Meta's, it needs the same bearer token.
async fn media_download(
    State(chat): State<Arc<DemoChat>>,
    Path(media_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Some(refused) = token_refused(&chat, &headers) {
        return refused;
    }
    if !media_id.starts_with(bubble::VOICE_MEDIA_PREFIX) {
        return graph_error(StatusCode::NOT_FOUND, 100, "Unsupported get request");
    }
    ([(header::CONTENT_TYPE, VOICE_NOTE_MIME)], VOICE_NOTE).into_response()
}

/// `POST {META_GRAPH_URL}/{phone_number_id}/messages`, answered as the WhatsApp Cloud API
/// does; every accepted message lands in the chat of its recipient.
async fn sink(
    State(chat): State<Arc<DemoChat>>,
    Path((_version, account)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if let Some(refused) = token_refused(&chat, &headers) {
        return refused;
    }
    if account != chat.phone_number_id {
        return graph_error(
            StatusCode::BAD_REQUEST,
            100,
            &format!("Unsupported post request. Object with ID '{account}' does not exist"),
        );
    }
    // A read receipt + typing indicator (META_PROTOCOL §7.1): accepted as Meta does; the
    // demo chat has no read ticks to show.
    if serde_json::from_slice::<Value>(&body).is_ok_and(|v| v["status"] == "read") {
        return Json(json!({"success": true})).into_response();
    }
    let parsed = serde_json::from_slice::<Value>(&body)
        .map_err(|e| e.to_string())
        .and_then(|v| bubble::from_graph(&v));
    let (to, bubble) = match parsed {
        Ok(p) => p,
        Err(e) => {
            return graph_error(
                StatusCode::BAD_REQUEST,
                100,
                &format!("(#100) Invalid parameter: {e}"),
            )
        }
    };
    let wamid = format!("wamid.demo.out.{}", ulid::Ulid::new());
    chat.feed.push(&to, "bot", &wamid, bubble);
    Json(json!({
        "messaging_product": "whatsapp",
        "contacts": [{"input": to, "wa_id": to}],
        "messages": [{"id": wamid}]
    }))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_this_machines_pages_count_as_local_origins() {
        for ok in [
            "http://127.0.0.1:8080",
            "http://localhost:8080",
            "http://[::1]:8080",
            "http://127.0.0.1",
        ] {
            assert!(is_local_origin(ok), "{ok}");
        }
        for no in [
            "http://evil.example",
            "https://127.0.0.1:8080",
            "http://127.0.0.1.evil.example:8080",
            "http://localhost.evil.example",
            "null",
        ] {
            assert!(!is_local_origin(no), "{no}");
        }
    }
}
