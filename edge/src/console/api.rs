//! The console's JSON endpoints. Each one: check the caller (`auth::require`), call one
//! library function in one transaction, map its error to a status.

use super::auth::{require, session_token, ApiError, Change, COOKIE};
use super::live;
use super::Console;
use crate::app::counter_order::{self, CounterOrder};
use crate::app::handoff::{self, HandoffError};
use crate::app::menu_edit::{self, ItemEdit, MenuEditError, NewItem};
use crate::app::move_order::{self, BoardError};
use crate::domain::orders::OrderStatus;
use crate::store::staff::{self, LoginOutcome, Scope};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

type ApiResult = Result<Response, ApiError>;

fn ok(v: Value) -> ApiResult {
    Ok(Json(v).into_response())
}

impl From<BoardError> for ApiError {
    fn from(e: BoardError) -> ApiError {
        let code = match &e {
            BoardError::NotFound(_) => StatusCode::NOT_FOUND,
            BoardError::Illegal { .. } => StatusCode::CONFLICT,
            BoardError::ReasonRequired | BoardError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            BoardError::Db(e) => return ApiError::db(e),
        };
        ApiError(code, e.to_string())
    }
}

impl From<HandoffError> for ApiError {
    fn from(e: HandoffError) -> ApiError {
        let code = match &e {
            HandoffError::NotFound(_) => StatusCode::NOT_FOUND,
            HandoffError::NotTakenOver => StatusCode::CONFLICT,
            HandoffError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            HandoffError::Db(e) => return ApiError::db(e),
        };
        ApiError(code, e.to_string())
    }
}

impl From<MenuEditError> for ApiError {
    fn from(e: MenuEditError) -> ApiError {
        let code = match &e {
            MenuEditError::NoSuchItem(_) => StatusCode::NOT_FOUND,
            MenuEditError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            MenuEditError::Db(e) => return ApiError::db(e),
        };
        ApiError(code, e.to_string())
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> ApiError {
        ApiError::db(e)
    }
}

fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

pub async fn status(State(c): State<Console>) -> ApiResult {
    let s = c.with_db(|db| crate::store::sync_status::read(db)).await?;
    ok(serde_json::to_value(s).unwrap_or_default())
}

/// Staff saw how many customers the relay told during the outage: the notice goes away.
pub async fn acknowledge_away_told(State(c): State<Console>, headers: HeaderMap) -> ApiResult {
    require(&c, &headers, Scope::Service, Change::Write).await?;
    c.with_db(|db| crate::store::away_told::acknowledge(db))
        .await?;
    c.touched();
    ok(json!({"ok": true}))
}

pub async fn metrics(State(c): State<Console>) -> ApiResult {
    let (s, printers) = c
        .with_db(|db| {
            Ok::<_, rusqlite::Error>((
                crate::store::sync_status::read(db)?,
                crate::app::printer_setup::metrics(db)?,
            ))
        })
        .await?;
    Ok((crate::store::sync_status::metrics(&s) + &printers).into_response())
}

#[derive(Deserialize)]
pub struct Login {
    name: String,
    password: String,
}

pub async fn login(State(c): State<Console>, Json(l): Json<Login>) -> ApiResult {
    let outcome = c
        .with_db(move |db| staff::login(db, l.name.trim(), &l.password, now()))
        .await
        .map_err(ApiError::db)?;
    match outcome {
        LoginOutcome::Ok { token, csrf, staff } => {
            let cookie = format!(
                "{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}",
                staff::SESSION_HOURS * 3600
            );
            Ok((
                [(header::SET_COOKIE, cookie)],
                Json(json!({"name": staff.name, "role": staff.role, "csrf": csrf})),
            )
                .into_response())
        }
        LoginOutcome::Wrong => Err(ApiError(
            StatusCode::UNAUTHORIZED,
            "wrong name or password".into(),
        )),
        LoginOutcome::Locked { until } => Ok((
            StatusCode::TOO_MANY_REQUESTS,
            Json(json!({"error": "too many wrong passwords: this account is locked for a while, or ask the owner to reset it with `resto-edge staff add`", "locked_until": until})),
        )
            .into_response()),
    }
}

pub async fn logout(State(c): State<Console>, headers: HeaderMap) -> ApiResult {
    require(&c, &headers, Scope::Service, Change::Write).await?;
    if let Some(t) = session_token(&headers) {
        c.with_db(move |db| staff::logout(db, &t)).await?;
    }
    Ok((
        [(
            header::SET_COOKIE,
            format!("{COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"),
        )],
        Json(json!({"ok": true})),
    )
        .into_response())
}

pub async fn me(State(c): State<Console>, headers: HeaderMap) -> ApiResult {
    let who = require(&c, &headers, Scope::Service, Change::Read).await?;
    let token = session_token(&headers).unwrap_or_default();
    let csrf = c
        .with_db(move |db| staff::session(db, &token, now()))
        .await?
        .map(|s| s.1);
    ok(json!({"name": who.name, "role": who.role, "csrf": csrf}))
}

pub async fn board(State(c): State<Console>, headers: HeaderMap) -> ApiResult {
    require(&c, &headers, Scope::Service, Change::Read).await?;
    let sla = c.sla_minutes;
    ok(c.with_db(move |db| live::snapshot(db, sla)).await?)
}

#[derive(Deserialize)]
pub struct Move {
    to: String,
    #[serde(default)]
    reason: Option<String>,
}

pub async fn move_order(
    State(c): State<Console>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(m): Json<Move>,
) -> ApiResult {
    let staff = require(&c, &headers, Scope::Service, Change::Write).await?;
    let to = OrderStatus::parse(&m.to).ok_or_else(|| {
        ApiError(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("unknown status {:?}", m.to),
        )
    })?;
    let moved = c
        .write(move |tx| {
            let moved =
                move_order::move_order(tx, id, to, m.reason.as_deref(), &staff.name, now())?;
            Ok::<_, BoardError>(moved)
        })
        .await?;
    c.touched();
    ok(serde_json::to_value(moved).unwrap_or_default())
}

#[derive(Deserialize)]
pub struct Eta {
    minutes: u32,
}

pub async fn set_eta(
    State(c): State<Console>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(e): Json<Eta>,
) -> ApiResult {
    require(&c, &headers, Scope::Service, Change::Write).await?;
    let eta = c
        .write(move |tx| {
            let eta = move_order::set_eta(tx, id, e.minutes, now())?;
            Ok::<_, BoardError>(eta)
        })
        .await?;
    c.touched();
    ok(json!({"eta": eta}))
}

pub async fn counter_order(
    State(c): State<Console>,
    headers: HeaderMap,
    Json(o): Json<CounterOrder>,
) -> ApiResult {
    require(&c, &headers, Scope::Service, Change::Write).await?;
    let (id, number) = c
        .write(move |tx| {
            let r = counter_order::place(tx, &o, now())?;
            Ok::<_, BoardError>(r)
        })
        .await?;
    c.touched();
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": id, "number": number})),
    )
        .into_response())
}

pub async fn menu(State(c): State<Console>, headers: HeaderMap) -> ApiResult {
    let who = require(&c, &headers, Scope::Service, Change::Read).await?;
    let m = c.with_db(|db| crate::store::menu::load(db)).await?;
    ok(json!({"menu": m, "can_edit": who.role.allows(Scope::MenuEdit)}))
}

#[derive(Deserialize)]
pub struct Availability {
    available: bool,
}

pub async fn set_available(
    State(c): State<Console>,
    headers: HeaderMap,
    Path(sku): Path<String>,
    Json(a): Json<Availability>,
) -> ApiResult {
    let who = require(&c, &headers, Scope::Service, Change::Write).await?;
    let s = sku.clone();
    c.with_db(move |db| menu_edit::set_available(db, &s, a.available, &crate::store::now()))
        .await?;
    tracing::info!(sku = %sku, available = a.available, staff = %who.name, "availability changed");
    c.touched();
    ok(json!({"sku": sku, "available": a.available}))
}

pub async fn edit_item(
    State(c): State<Console>,
    headers: HeaderMap,
    Path(sku): Path<String>,
    Json(e): Json<ItemEdit>,
) -> ApiResult {
    let who = require(&c, &headers, Scope::MenuEdit, Change::Write).await?;
    let s = sku.clone();
    c.with_db(move |db| menu_edit::edit_item(db, &s, &e, &crate::store::now()))
        .await?;
    tracing::info!(sku = %sku, staff = %who.name, "menu item edited");
    ok(json!({"sku": sku}))
}

pub async fn add_item(
    State(c): State<Console>,
    headers: HeaderMap,
    Json(i): Json<NewItem>,
) -> ApiResult {
    require(&c, &headers, Scope::MenuEdit, Change::Write).await?;
    let sku = i.sku.clone();
    c.with_db(move |db| menu_edit::add_item(db, &i, &crate::store::now()))
        .await?;
    Ok((StatusCode::CREATED, Json(json!({"sku": sku}))).into_response())
}

pub async fn conversations(State(c): State<Console>, headers: HeaderMap) -> ApiResult {
    require(&c, &headers, Scope::Service, Change::Read).await?;
    let rows = c.with_db(|db| handoff::list(db, 200)).await?;
    ok(json!({"conversations": rows}))
}

pub async fn conversation(
    State(c): State<Console>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> ApiResult {
    require(&c, &headers, Scope::Service, Change::Read).await?;
    let (row, entries) = c
        .with_db(move |db| {
            let row = handoff::get(db, id)?;
            let entries = crate::store::transcript::list(db, id, 300)?;
            Ok::<_, HandoffError>((row, entries))
        })
        .await?;
    ok(json!({"conversation": row, "transcript": entries}))
}

/// One handoff action in one transaction.
async fn handoff_action(
    c: &Console,
    headers: &HeaderMap,
    f: impl FnOnce(&rusqlite::Transaction<'_>, &str) -> Result<(), HandoffError> + Send + 'static,
) -> ApiResult {
    let who = require(c, headers, Scope::Service, Change::Write).await?;
    c.write(move |tx| {
        f(tx, &who.name)?;
        Ok::<_, HandoffError>(())
    })
    .await?;
    c.touched();
    ok(json!({"ok": true}))
}

pub async fn take_over(
    State(c): State<Console>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> ApiResult {
    handoff_action(&c, &headers, move |tx, _| handoff::take_over(tx, id)).await
}

pub async fn hand_back(
    State(c): State<Console>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> ApiResult {
    handoff_action(&c, &headers, move |tx, _| handoff::hand_back(tx, id)).await
}

pub async fn mark_read(
    State(c): State<Console>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> ApiResult {
    handoff_action(&c, &headers, move |tx, _| handoff::mark_read(tx, id)).await
}

#[derive(Deserialize)]
pub struct Reply {
    text: String,
}

pub async fn reply(
    State(c): State<Console>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(r): Json<Reply>,
) -> ApiResult {
    handoff_action(&c, &headers, move |tx, name| {
        handoff::reply(tx, id, name, &r.text, &crate::store::now())
    })
    .await
}

/// "Refused at the door": a cash-on-delivery order the customer did not take (recorded for
/// the no-show policy). 409 when the order is not cash on delivery or no longer pending.
pub async fn cash_refused(
    State(c): State<Console>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> ApiResult {
    require(&c, &headers, Scope::Service, Change::Write).await?;
    let done = c
        .write(move |tx| {
            let done = crate::app::payments::cash_refused(tx, id, now())?;
            Ok::<_, rusqlite::Error>(done)
        })
        .await
        .map_err(ApiError::db)?;
    if !done {
        return Err(ApiError(
            StatusCode::CONFLICT,
            "only a cash-on-delivery order not yet paid can be refused at the door".into(),
        ));
    }
    c.touched();
    ok(json!({"ok": true}))
}

#[derive(Deserialize)]
pub struct DeliveryIssue {
    /// `address_unclear` or `courier_delayed`.
    kind: String,
    /// For `courier_delayed`: how much later (default 15).
    #[serde(default)]
    minutes: Option<u32>,
}

/// Staff flag a delivery problem; the customer is asked for a landmark or told the new time.
pub async fn delivery_issue(
    State(c): State<Console>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(d): Json<DeliveryIssue>,
) -> ApiResult {
    require(&c, &headers, Scope::Service, Change::Write).await?;
    let minutes = d.minutes.unwrap_or(15).clamp(1, 600);
    let kind = d.kind.clone();
    if !matches!(kind.as_str(), "address_unclear" | "courier_delayed") {
        return Err(ApiError(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("unknown delivery issue {kind:?}: address_unclear or courier_delayed"),
        ));
    }
    let told = c
        .write(move |tx| {
            let told = if kind == "address_unclear" {
                crate::app::delivery::address_unclear(tx, id, now())?.then(String::new)
            } else {
                crate::app::delivery::courier_delayed(tx, id, minutes, now())?
            };
            Ok::<_, rusqlite::Error>(told)
        })
        .await
        .map_err(ApiError::db)?;
    let Some(new_eta) = told else {
        return Err(ApiError(
            StatusCode::CONFLICT,
            "only an open delivery order can be flagged; reload the board".into(),
        ));
    };
    c.touched();
    ok(json!({"ok": true, "eta_local": (!new_eta.is_empty()).then_some(new_eta)}))
}

/// Refunds the owner still has to make (paid orders that were cancelled).
pub async fn refunds(State(c): State<Console>, headers: HeaderMap) -> ApiResult {
    require(&c, &headers, Scope::Refunds, Change::Read).await?;
    let list = c
        .with_db(|db| crate::app::payments::outstanding_refunds(db))
        .await
        .map_err(ApiError::db)?;
    ok(json!({"refunds": list}))
}

/// The owner made the refund.
pub async fn refund_done(
    State(c): State<Console>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> ApiResult {
    let owner = require(&c, &headers, Scope::Refunds, Change::Write).await?;
    let done = c
        .write(move |tx| {
            let done = crate::app::payments::refund_done(tx, id, &owner.name, now())?;
            Ok::<_, rusqlite::Error>(done)
        })
        .await
        .map_err(ApiError::db)?;
    if !done {
        return Err(ApiError(
            StatusCode::NOT_FOUND,
            format!("no outstanding refund {id}; reload the list"),
        ));
    }
    ok(json!({"ok": true}))
}
