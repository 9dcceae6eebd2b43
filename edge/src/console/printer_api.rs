//! Kitchen printers in the console (issue 17): every printer with its queue (all staff), the
//! owner's settings (add or change, remove, test page), the retry button of the "printer
//! offline" banner and the order card's reprint (all staff). The work is in
//! `crate::app::printer_setup` and `crate::app::kitchen_tickets`.

use super::auth::{require, ApiError, Change};
use super::Console;
use crate::app::kitchen_tickets::{self, ReprintError};
use crate::app::printer_setup::{self, SetupError};
use crate::domain::printer::{PrinterForm, PrinterTarget};
use crate::store::print_jobs::Queue;
use crate::store::printers::Printer;
use crate::store::staff::Scope;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

type ApiResult = Result<Response, ApiError>;

impl From<SetupError> for ApiError {
    fn from(e: SetupError) -> ApiError {
        let code = match &e {
            SetupError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            SetupError::Unknown(_) => StatusCode::NOT_FOUND,
            SetupError::Sqlite(e) => return ApiError::db(e),
        };
        ApiError(code, e.to_string())
    }
}

impl From<ReprintError> for ApiError {
    fn from(e: ReprintError) -> ApiError {
        let code = match &e {
            ReprintError::UnknownOrder(_) => StatusCode::NOT_FOUND,
            ReprintError::NoPrinter | ReprintError::NoStation => StatusCode::CONFLICT,
            ReprintError::Sqlite(e) => return ApiError::db(e),
        };
        ApiError(code, e.to_string())
    }
}

fn printer_json(p: &Printer, q: &Queue) -> Value {
    let s = &p.settings;
    let (address, device) = match &s.target {
        PrinterTarget::Tcp { .. } => (Some(s.target.describe()), None),
        PrinterTarget::Device(d) => (None, Some(d.clone())),
    };
    json!({
        "name": s.name, "address": address, "device": device, "width_mm": s.width_mm,
        "lang": s.lang.as_str(), "categories": s.categories, "copies": s.copies,
        "waiting": q.waiting, "last_error": q.last_error, "last_printed_at": q.last_printed_at,
    })
}

/// Every printer with its settings and queue, and the menu's categories for the form.
pub async fn list(State(c): State<Console>, headers: HeaderMap) -> ApiResult {
    let who = require(&c, &headers, Scope::Service, Change::Read).await?;
    let (printers, categories) = c
        .with_db(|db| {
            let printers = printer_setup::with_queues(db)?;
            let categories: Vec<Value> = crate::store::menu::load(db)?
                .map(|m| m.categories)
                .unwrap_or_default()
                .into_iter()
                .map(|k| json!({"id": k.id, "name_fr": k.name.fr, "name_ar": k.name.ar}))
                .collect();
            Ok::<_, rusqlite::Error>((printers, categories))
        })
        .await?;
    Ok(Json(json!({
        "printers": printers.iter().map(|(p, q)| printer_json(p, q)).collect::<Vec<_>>(),
        "categories": categories,
        "can_edit": who.role.allows(Scope::Settings),
    }))
    .into_response())
}

/// The settings form as the page sends it; an empty field is an absent one.
#[derive(Deserialize)]
pub struct Form {
    name: String,
    #[serde(default)]
    address: Option<String>,
    #[serde(default)]
    device: Option<String>,
    #[serde(default)]
    width_mm: Option<u16>,
    #[serde(default)]
    lang: Option<String>,
    #[serde(default)]
    categories: Vec<String>,
    #[serde(default)]
    copies: Option<u8>,
}

fn given(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.trim().is_empty())
}

impl From<Form> for PrinterForm {
    fn from(f: Form) -> PrinterForm {
        PrinterForm {
            name: f.name,
            address: given(f.address),
            device: given(f.device),
            width_mm: f.width_mm,
            lang: given(f.lang),
            categories: f.categories,
            copies: f.copies,
        }
    }
}

/// Adds the printer or changes the one of that name. 422 lists every problem of the form.
pub async fn save(State(c): State<Console>, headers: HeaderMap, Json(f): Json<Form>) -> ApiResult {
    let owner = require(&c, &headers, Scope::Settings, Change::Write).await?;
    let form = PrinterForm::from(f);
    let saved = c
        .write(move |tx| printer_setup::save(tx, &form, chrono::Utc::now()))
        .await;
    let p = match saved {
        Ok(p) => p,
        Err(SetupError::Invalid(problems)) => {
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(json!({"error": problems.join("\n"), "problems": problems})),
            )
                .into_response())
        }
        Err(e) => return Err(e.into()),
    };
    tracing::info!(printer = %p.settings.name, staff = %owner.name, "printer saved from the console");
    c.touched();
    let q = Queue {
        printer_id: p.id,
        waiting: 0,
        last_error: None,
        last_printed_at: None,
    };
    Ok(Json(json!({"printer": printer_json(&p, &q)})).into_response())
}

/// Removes the printer; says how many waiting tickets went with it.
pub async fn remove(
    State(c): State<Console>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> ApiResult {
    let owner = require(&c, &headers, Scope::Settings, Change::Write).await?;
    let n = name.clone();
    let dropped = c.write(move |tx| printer_setup::remove(tx, &n)).await?;
    tracing::info!(printer = %name, dropped, staff = %owner.name, "printer removed from the console");
    c.touched();
    Ok(Json(json!({"removed": name, "dropped": dropped})).into_response())
}

/// Sends the test page now, outside the queue: the owner is standing at the printer.
/// 502 with what went wrong when the printer cannot be reached.
pub async fn test_page(
    State(c): State<Console>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> ApiResult {
    require(&c, &headers, Scope::Settings, Change::Write).await?;
    let n = name.clone();
    let (p, bytes) = c
        .with_db(move |db| printer_setup::test_page(db, &n, chrono::Utc::now()))
        .await?;
    if let Err(e) = crate::printer_link::send(&p.target, &bytes).await {
        tracing::warn!(printer = %name, error = %e, "test page not printed");
        return Err(ApiError(StatusCode::BAD_GATEWAY, e.to_string()));
    }
    Ok(Json(json!({"ok": true, "target": p.target.describe()})).into_response())
}

/// Every waiting ticket is due now: the worker sends them within a second.
pub async fn retry(State(c): State<Console>, headers: HeaderMap) -> ApiResult {
    let who = require(&c, &headers, Scope::Service, Change::Write).await?;
    let due = c
        .write(move |tx| {
            crate::store::print_jobs::retry_now(tx, None, &crate::store::fmt_ts(chrono::Utc::now()))
        })
        .await?;
    tracing::info!(tickets = due, staff = %who.name, "printing retried from the console");
    Ok(Json(json!({"retrying": due})).into_response())
}

/// The order card's "reprint": a REPRINT ticket on every station with a line of the order.
pub async fn reprint(
    State(c): State<Console>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> ApiResult {
    let who = require(&c, &headers, Scope::Service, Change::Write).await?;
    let queued = c
        .write(move |tx| kitchen_tickets::reprint_from_card(tx, id, chrono::Utc::now()))
        .await?;
    tracing::info!(order_id = id, tickets = queued, staff = %who.name, "reprint asked from the console");
    Ok(Json(json!({"queued": queued})).into_response())
}
