//! Owner pages for growing the business (issue 7): the FAQ the bot answers from, the
//! conversion funnel (JSON for the page, SVG chart, CSV export) and QR table cards / flyers.
//! The work is in `crate::store::faq`, `crate::store::funnel` and `crate::app::qr`.

use super::auth::{require, ApiError, Change};
use super::Console;
use crate::app::qr::{self, QrError};
use crate::domain::menu::Faq;
use crate::store::faq::{self, FaqError};
use crate::store::staff::Scope;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{Duration, NaiveDate};
use serde::Deserialize;
use serde_json::json;

type ApiResult = Result<Response, ApiError>;

impl From<FaqError> for ApiError {
    fn from(e: FaqError) -> ApiError {
        let code = match &e {
            FaqError::NoEntry(_) => StatusCode::NOT_FOUND,
            FaqError::Incomplete => StatusCode::UNPROCESSABLE_ENTITY,
            FaqError::Sqlite(e) => return ApiError::db(e),
        };
        ApiError(code, e.to_string())
    }
}

impl From<QrError> for ApiError {
    fn from(e: QrError) -> ApiError {
        match e {
            QrError::Sqlite(e) => ApiError::db(e),
            e => ApiError(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()),
        }
    }
}

// ---- FAQ ------------------------------------------------------------------------------------

pub async fn faq_list(State(c): State<Console>, headers: HeaderMap) -> ApiResult {
    require(&c, &headers, Scope::Settings, Change::Read).await?;
    let entries = c.with_db(|db| faq::list(db)).await?;
    let entries: Vec<_> = entries
        .into_iter()
        .map(|(position, f)| json!({"position": position, "q": f.q, "a": f.a, "keywords": f.keywords}))
        .collect();
    Ok(Json(json!({"entries": entries})).into_response())
}

pub async fn faq_add(
    State(c): State<Console>,
    headers: HeaderMap,
    Json(f): Json<Faq>,
) -> ApiResult {
    require(&c, &headers, Scope::Settings, Change::Write).await?;
    let position = c.write(move |tx| faq::add(tx, &f)).await?;
    Ok((StatusCode::CREATED, Json(json!({"position": position}))).into_response())
}

pub async fn faq_update(
    State(c): State<Console>,
    headers: HeaderMap,
    Path(position): Path<i64>,
    Json(f): Json<Faq>,
) -> ApiResult {
    require(&c, &headers, Scope::Settings, Change::Write).await?;
    c.write(move |tx| faq::update(tx, position, &f)).await?;
    Ok(Json(json!({"position": position})).into_response())
}

pub async fn faq_remove(
    State(c): State<Console>,
    headers: HeaderMap,
    Path(position): Path<i64>,
) -> ApiResult {
    require(&c, &headers, Scope::Settings, Change::Write).await?;
    c.write(move |tx| faq::remove(tx, position)).await?;
    Ok(Json(json!({"ok": true})).into_response())
}

#[derive(Deserialize)]
pub struct Question {
    q: String,
}

/// "What would the bot answer to this?": the owner tries a customer's phrasing.
pub async fn faq_try(
    State(c): State<Console>,
    headers: HeaderMap,
    Query(q): Query<Question>,
) -> ApiResult {
    require(&c, &headers, Scope::Settings, Change::Read).await?;
    let answer = c
        .with_db(move |db| {
            let min = crate::store::trust::load_policy(db)?.faq_min_score;
            let entries = faq::list(db)?;
            let hit = faq::search(db, &q.q)?;
            Ok::<_, rusqlite::Error>(hit.and_then(|h| {
                let (position, f) = entries.get(h.index)?;
                Some(json!({
                    "position": position, "q": f.q, "a": f.a,
                    "confidence": h.confidence, "answers": h.confidence >= min, "min_score": min,
                }))
            }))
        })
        .await?;
    Ok(Json(json!({"match": answer})).into_response())
}

// ---- funnel ---------------------------------------------------------------------------------

#[derive(Deserialize)]
pub struct Range {
    from: Option<String>,
    to: Option<String>,
    channel: Option<String>,
}

/// The longest range a page asks for: a year of days.
const MAX_DAYS: i64 = 366;

/// `from..=to` as restaurant-local days; default: the last 7 days up to today.
async fn days(c: &Console, r: &Range) -> Result<(String, String), ApiError> {
    let off = c
        .with_db(|db| crate::store::orders::restaurant_offset(db))
        .await?;
    let today = chrono::Utc::now().with_timezone(&off).date_naive();
    let parse = |s: &str| {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
            ApiError(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("{s:?} is not a date like 2026-11-23"),
            )
        })
    };
    let to = r.to.as_deref().map(parse).transpose()?.unwrap_or(today);
    let from = r
        .from
        .as_deref()
        .map(parse)
        .transpose()?
        .unwrap_or(to - Duration::days(6));
    if from > to || (to - from).num_days() >= MAX_DAYS {
        return Err(ApiError(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("choose a start day on or before the end day, at most {MAX_DAYS} days apart"),
        ));
    }
    Ok((from.to_string(), to.to_string()))
}

fn channel(r: &Range) -> Result<Option<String>, ApiError> {
    match r.channel.as_deref().filter(|c| !c.is_empty()) {
        None => Ok(None),
        Some(c @ ("wa" | "ig" | "msg")) => Ok(Some(c.to_string())),
        Some(c) => Err(ApiError(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("unknown channel {c:?}: wa, ig or msg"),
        )),
    }
}

async fn funnel_rows(
    c: &Console,
    headers: &HeaderMap,
    r: &Range,
) -> Result<(String, String, Vec<crate::store::funnel::Row>), ApiError> {
    require(c, headers, Scope::Settings, Change::Read).await?;
    let (from, to) = days(c, r).await?;
    let (f, t) = (from.clone(), to.clone());
    let rows = c
        .with_db(move |db| crate::store::funnel::report(db, &f, &t))
        .await?;
    Ok((from, to, rows))
}

pub async fn funnel(
    State(c): State<Console>,
    headers: HeaderMap,
    Query(r): Query<Range>,
) -> ApiResult {
    let (from, to, rows) = funnel_rows(&c, &headers, &r).await?;
    Ok(
        Json(json!({"from": from, "to": to, "steps": crate::store::funnel::STEPS, "rows": rows}))
            .into_response(),
    )
}

pub async fn funnel_csv(
    State(c): State<Console>,
    headers: HeaderMap,
    Query(r): Query<Range>,
) -> ApiResult {
    let (from, to, rows) = funnel_rows(&c, &headers, &r).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"funnel-{from}-{to}.csv\""),
            ),
        ],
        crate::store::funnel::csv(&rows),
    )
        .into_response())
}

pub async fn funnel_svg(
    State(c): State<Console>,
    headers: HeaderMap,
    Query(r): Query<Range>,
) -> ApiResult {
    let only = channel(&r)?;
    let (from, to, rows) = funnel_rows(&c, &headers, &r).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            // The chart is data, never a page: no script may run from it.
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'",
            ),
        ],
        crate::store::funnel::svg_chart(&rows, only.as_deref(), &from, &to),
    )
        .into_response())
}

// ---- QR table cards -------------------------------------------------------------------------

pub async fn qr_cards(State(c): State<Console>, headers: HeaderMap) -> ApiResult {
    require(&c, &headers, Scope::Settings, Change::Read).await?;
    let (cards, (restaurant, phone)) = c
        .with_db(|db| Ok::<_, rusqlite::Error>((qr::cards(db)?, qr::restaurant(db)?)))
        .await?;
    Ok(
        Json(json!({"cards": cards, "restaurant": restaurant, "default_account": phone}))
            .into_response(),
    )
}

#[derive(Deserialize)]
pub struct NewCode {
    channel: String,
    /// WhatsApp number, page name or Instagram username; default for wa: the menu's phone.
    #[serde(default)]
    account: Option<String>,
    text: String,
    /// The name scans are counted under in the funnel; default: the text.
    #[serde(default)]
    label: Option<String>,
}

/// Registers a code (so its scans are attributed) and returns its link and QR.
pub async fn qr_create(
    State(c): State<Console>,
    headers: HeaderMap,
    Json(n): Json<NewCode>,
) -> ApiResult {
    require(&c, &headers, Scope::Settings, Change::Write).await?;
    let channel = qr::Channel::parse(&n.channel).ok_or_else(|| {
        ApiError(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("unknown channel {:?}: wa, msg or ig", n.channel),
        )
    })?;
    let (link, label) = c
        .write(move |tx| {
            let account = match (n.account.filter(|a| !a.trim().is_empty()), channel) {
                (Some(a), _) => a,
                (None, qr::Channel::Wa) => qr::restaurant(tx)?.1.unwrap_or_default(),
                (None, _) => {
                    return Err(QrError::BadInput(
                        "write the Facebook page name or the Instagram username".into(),
                    ))
                }
            };
            let link = qr::link(channel, &account, &n.text)?;
            let label = n
                .label
                .map(|l| l.trim().to_string())
                .filter(|l| !l.is_empty())
                .unwrap_or_else(|| n.text.trim().to_string());
            qr::register(tx, channel, &n.text, &label, &link, &crate::store::now())?;
            Ok((link, label))
        })
        .await?;
    let svg = qr::svg(&link)?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"link": link, "label": label, "svg": svg})),
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct PrintCard {
    text: String,
    /// `card` (A6, default) or `flyer` (A5).
    #[serde(default)]
    size: Option<String>,
}

/// The printable page of a registered code, opened in its own tab and printed from there.
pub async fn qr_print(
    State(c): State<Console>,
    headers: HeaderMap,
    Query(p): Query<PrintCard>,
) -> ApiResult {
    require(&c, &headers, Scope::Settings, Change::Read).await?;
    let size = match p.size.as_deref() {
        None | Some("") => qr::CardSize::TableCard,
        Some(s) => qr::CardSize::parse(s).ok_or_else(|| {
            ApiError(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("unknown size {s:?}: card or flyer"),
            )
        })?,
    };
    let text = p.text.clone();
    let (link, (restaurant, _)) = c
        .with_db(move |db| {
            Ok::<_, rusqlite::Error>((qr::registered_link(db, &text)?, qr::restaurant(db)?))
        })
        .await?;
    let Some(link) = link else {
        return Err(ApiError(
            StatusCode::NOT_FOUND,
            format!(
                "no code with the text {:?}: create it first on the QR page",
                p.text
            ),
        ));
    };
    let html = qr::card_html(&restaurant, &link, &p.text, size)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
            ),
        ],
        html,
    )
        .into_response())
}
