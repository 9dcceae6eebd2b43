//! The console's pages, compiled into the binary: it must work with no internet at all.

use axum::http::header;
use axum::response::IntoResponse;

const INDEX: &str = include_str!("assets/index.html");
const SCRIPT: &str = include_str!("assets/app.js");
const GROWTH_SCRIPT: &str = include_str!("assets/growth.js");
const LEARN_SCRIPT: &str = include_str!("assets/learn.js");
const VOICE_SCRIPT: &str = include_str!("assets/voice.js");
const PRINTERS_SCRIPT: &str = include_str!("assets/printers.js");
const STYLE: &str = include_str!("assets/app.css");

fn page(kind: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "no-cache"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::X_FRAME_OPTIONS, "DENY"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'self'; img-src 'self' https: data:; media-src 'self' https:; frame-ancestors 'none'",
            ),
        ],
        body,
    )
}

pub async fn index() -> impl IntoResponse {
    page("text/html; charset=utf-8", INDEX)
}

pub async fn script() -> impl IntoResponse {
    page("text/javascript; charset=utf-8", SCRIPT)
}

/// The owner's pages (security, FAQ, funnel, QR cards), kept apart from the board's script.
pub async fn growth_script() -> impl IntoResponse {
    page("text/javascript; charset=utf-8", GROWTH_SCRIPT)
}

/// The owner's page of phrases the bot did not understand.
pub async fn learn_script() -> impl IntoResponse {
    page("text/javascript; charset=utf-8", LEARN_SCRIPT)
}

/// Voice notes as orders: the board card's player and the voice-note order form.
pub async fn voice_script() -> impl IntoResponse {
    page("text/javascript; charset=utf-8", VOICE_SCRIPT)
}

/// Kitchen printers: the board's "printer offline" banner, the card's reprint button and the
/// owner's printer settings.
pub async fn printers_script() -> impl IntoResponse {
    page("text/javascript; charset=utf-8", PRINTERS_SCRIPT)
}

pub async fn style() -> impl IntoResponse {
    page("text/css; charset=utf-8", STYLE)
}
