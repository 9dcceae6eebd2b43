//! The owner's learning loop (issue 14): the phrases the bot did not understand and the
//! aliases taught from them. The work is in `crate::app::unmapped_list`,
//! `crate::app::teach_alias` and `crate::store::learning`. Owner only (menu scope): an alias
//! changes what every customer's words mean.

use super::auth::{require, ApiError, Change};
use super::Console;
use crate::app::teach_alias::{teach_alias, Teach, TeachError};
use crate::app::unmapped_list::learning_page;
use crate::store::learning;
use crate::store::staff::Scope;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

type ApiResult = Result<Response, ApiError>;

impl From<TeachError> for ApiError {
    fn from(e: TeachError) -> ApiError {
        match e {
            TeachError::Db(e) => ApiError::db(e),
            e => ApiError(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()),
        }
    }
}

/// The phrases not understood with suggestions, the aliases taught, and what a phrase may
/// be mapped to besides the menu (communes served, intents).
pub async fn page(State(c): State<Console>, headers: HeaderMap) -> ApiResult {
    require(&c, &headers, Scope::MenuEdit, Change::Read).await?;
    let page = c.with_db(|db| learning_page(db)).await?;
    Ok(Json(page).into_response())
}

/// Teaches a phrase: `{"kind": "item", "phrase": "zinger", "target": "BG-CLASSIC"}`.
pub async fn teach(
    State(c): State<Console>,
    headers: HeaderMap,
    Json(t): Json<Teach>,
) -> ApiResult {
    let who = require(&c, &headers, Scope::MenuEdit, Change::Write).await?;
    let staff_id = who.id;
    let taught = c
        .write(move |tx| teach_alias(tx, &t, Some(staff_id), &crate::store::now()))
        .await?;
    tracing::info!(alias_id = taught.id, kind = taught.kind.as_str(), target = %taught.target, staff = %who.name, "alias taught from the console");
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "id": taught.id, "kind": taught.kind, "phrase": taught.phrase,
            "target": taught.target, "was_unmapped": taught.was_unmapped,
        })),
    )
        .into_response())
}

pub async fn remove_alias(
    State(c): State<Console>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> ApiResult {
    require(&c, &headers, Scope::MenuEdit, Change::Write).await?;
    if !c.with_db(move |db| learning::remove_alias(db, id)).await? {
        return Err(ApiError(
            StatusCode::NOT_FOUND,
            format!("no alias number {id}; reload the page"),
        ));
    }
    Ok(Json(json!({"ok": true})).into_response())
}

/// The owner decided a phrase is not worth an alias: it leaves the list (and comes back if
/// customers write it again).
pub async fn dismiss(
    State(c): State<Console>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> ApiResult {
    require(&c, &headers, Scope::MenuEdit, Change::Write).await?;
    if !c
        .with_db(move |db| learning::dismiss_unmapped(db, id))
        .await?
    {
        return Err(ApiError(
            StatusCode::NOT_FOUND,
            format!("no phrase number {id}; reload the page"),
        ));
    }
    Ok(Json(json!({"ok": true})).into_response())
}
