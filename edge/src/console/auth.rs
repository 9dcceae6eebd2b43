//! Who is calling: the session cookie, the CSRF header on every state change, the role scope.

use super::Console;
use crate::store::staff::{self, Scope, StaffInfo};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

pub const COOKIE: &str = "resto_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// An API refusal: status and a message that says what to do.
#[derive(Debug)]
pub struct ApiError(pub StatusCode, pub String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(serde_json::json!({ "error": self.1 }))).into_response()
    }
}

impl ApiError {
    pub fn db(e: impl std::fmt::Display) -> ApiError {
        tracing::error!(error = %e, "console: database error");
        ApiError(
            StatusCode::SERVICE_UNAVAILABLE,
            "the store is busy or failing; try again".into(),
        )
    }
}

pub fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_string())
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Same answer time whatever prefix matches.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// A read: no CSRF token needed.
    Read,
    /// A state change: the X-CSRF-Token header must match the session's token.
    Write,
}

/// The caller's account, if the session is valid, the scope allowed and (for a change) the
/// CSRF token present and right. Refusals that look like attacks are recorded.
pub async fn require(
    c: &Console,
    headers: &HeaderMap,
    scope: Scope,
    change: Change,
) -> Result<StaffInfo, ApiError> {
    let Some(token) = session_token(headers) else {
        return Err(ApiError(StatusCode::UNAUTHORIZED, "log in first".into()));
    };
    let csrf = headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    c.with_db(move |db| {
        let now = chrono::Utc::now();
        let Some((who, expected)) = staff::session(db, &token, now).map_err(ApiError::db)? else {
            return Err(ApiError(
                StatusCode::UNAUTHORIZED,
                "your session ended; log in again".into(),
            ));
        };
        if change == Change::Write && !csrf.as_deref().is_some_and(|t| same(t, &expected)) {
            let _ =
                staff::security_event(db, "csrf_refused", &format!("staff={:?}", who.name), now);
            return Err(ApiError(
                StatusCode::FORBIDDEN,
                "missing or wrong CSRF token; reload the page".into(),
            ));
        }
        if !who.role.allows(scope) {
            let _ = staff::security_event(
                db,
                "scope_refused",
                &format!("staff={:?} scope={scope:?}", who.name),
                now,
            );
            return Err(ApiError(
                StatusCode::FORBIDDEN,
                "only the owner may do this; ask the owner to log in".into(),
            ));
        }
        Ok(who)
    })
    .await
}
