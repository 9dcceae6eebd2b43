//! Console endpoints for the anti-abuse rules (issue 7): staff see who is in quarantine and
//! why, and release or quarantine a customer; the owner reads the security log and sets the
//! policy. The rules themselves live in `crate::store::trust`.

use super::auth::{require, ApiError, Change};
use super::Console;
use crate::domain::trust_policy::{self as policy, Policy};
use crate::store::staff::Scope;
use crate::store::trust::{self, TrustError};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

type ApiResult = Result<Response, ApiError>;

impl From<TrustError> for ApiError {
    fn from(e: TrustError) -> ApiError {
        let code = match &e {
            TrustError::NoCustomer(_) => StatusCode::NOT_FOUND,
            TrustError::NotQuarantined(_) => StatusCode::CONFLICT,
            TrustError::BadPolicy(_) => StatusCode::UNPROCESSABLE_ENTITY,
            TrustError::Sqlite(e) => return ApiError::db(e),
        };
        ApiError(code, e.to_string())
    }
}

pub async fn quarantines(State(c): State<Console>, headers: HeaderMap) -> ApiResult {
    require(&c, &headers, Scope::Service, Change::Read).await?;
    let list = c
        .with_db(|db| trust::active_quarantines(db, chrono::Utc::now()))
        .await?;
    Ok(Json(json!({"quarantines": list})).into_response())
}

/// Staff release: the bot answers the customer again from their next message.
pub async fn release(
    State(c): State<Console>,
    headers: HeaderMap,
    Path(customer_id): Path<i64>,
) -> ApiResult {
    let who = require(&c, &headers, Scope::Service, Change::Write).await?;
    c.write(move |tx| {
        trust::find_customer(tx, &customer_id.to_string())?;
        trust::release(tx, customer_id, &who.name, chrono::Utc::now())
    })
    .await?;
    c.touched();
    Ok(Json(json!({"ok": true})).into_response())
}

#[derive(Deserialize)]
pub struct QuarantineNote {
    /// Why staff stop the bot for this customer (shown on the console and in the log).
    note: String,
}

/// Staff stop the bot answering a customer (insults, prank orders); recorded as `manual`.
pub async fn quarantine(
    State(c): State<Console>,
    headers: HeaderMap,
    Path(customer_id): Path<i64>,
    Json(q): Json<QuarantineNote>,
) -> ApiResult {
    let who = require(&c, &headers, Scope::Service, Change::Write).await?;
    let note = q.note.trim().to_string();
    if note.is_empty() {
        return Err(ApiError(
            StatusCode::UNPROCESSABLE_ENTITY,
            "say why in a few words: staff and the owner will read it later".into(),
        ));
    }
    c.write(move |tx| {
        trust::find_customer(tx, &customer_id.to_string())?;
        let p = trust::load_policy(tx)?;
        let detail = format!("{note} (by {})", who.name);
        trust::quarantine(
            tx,
            &p,
            customer_id,
            policy::Reason::Manual,
            &detail,
            chrono::Utc::now(),
        )?;
        Ok::<_, TrustError>(())
    })
    .await?;
    c.touched();
    Ok((StatusCode::CREATED, Json(json!({"ok": true}))).into_response())
}

#[derive(Deserialize)]
pub struct Limit {
    limit: Option<u32>,
}

/// The owner's security log: every trust decision and refused console request, newest first.
pub async fn security_events(
    State(c): State<Console>,
    headers: HeaderMap,
    Query(l): Query<Limit>,
) -> ApiResult {
    require(&c, &headers, Scope::Settings, Change::Read).await?;
    let limit = l.limit.unwrap_or(200).clamp(1, 1000);
    let list = c.with_db(move |db| trust::recent_events(db, limit)).await?;
    Ok(Json(json!({"events": list})).into_response())
}

pub async fn policy(State(c): State<Console>, headers: HeaderMap) -> ApiResult {
    require(&c, &headers, Scope::Settings, Change::Read).await?;
    let p = c.with_db(|db| trust::load_policy(db)).await?;
    Ok(Json(json!({"policy": p})).into_response())
}

/// Saves the whole policy (the page sends every field); the table refuses nonsense.
pub async fn save_policy(
    State(c): State<Console>,
    headers: HeaderMap,
    Json(p): Json<Policy>,
) -> ApiResult {
    let owner = require(&c, &headers, Scope::Settings, Change::Write).await?;
    let saved = p.clone();
    c.write(move |tx| {
        trust::save_policy(tx, &p)?;
        trust::record_event(
            tx,
            chrono::Utc::now(),
            "policy_changed",
            "manual",
            None,
            &format!("by {}", owner.name),
        )?;
        Ok::<_, TrustError>(())
    })
    .await?;
    Ok(Json(json!({"policy": saved})).into_response())
}
