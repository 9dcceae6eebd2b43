//! Delivery promises and the problems on the way (docs/payments.md § Delivery): staff flag an
//! unclear address or a delayed courier and the customer hears it with the new time; the
//! board sees orders about to miss their window; analytics compare promised and actual.

use crate::app::tell_customer::{order, tell};
use crate::domain::wording::t;
use crate::store::delivery as store;
use crate::store::fmt_ts;
use chrono::{DateTime, Duration, Utc};
use rusqlite::{Connection, Transaction};

fn parse(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// "HH:MM" in the restaurant's time zone (what the customer reads on the wall clock).
fn clock(tx: &Connection, at: DateTime<Utc>) -> rusqlite::Result<String> {
    Ok(match crate::store::menu::load(tx)? {
        Some(m) => crate::domain::hours::local(&m.restaurant, at)
            .format("%H:%M")
            .to_string(),
        None => at.format("%H:%M UTC").to_string(),
    })
}

/// The courier cannot find the address: ask the customer for a landmark or a pin.
pub fn address_unclear(
    tx: &Transaction<'_>,
    order_id: i64,
    now: DateTime<Utc>,
) -> rusqlite::Result<bool> {
    let at = fmt_ts(now);
    let flagged = store::flag_address_unclear(tx, order_id, &at)?;
    if flagged {
        if let Some(o) = order(tx, order_id)? {
            let text = t(
                o.lang,
                &format!("Le livreur ne trouve pas votre adresse pour la commande {} : envoyez un repère proche (mosquée, école, pharmacie…) ou votre position 📍.", o.number),
                &format!("الموصّل ما لقاش العنوان تاع الطلبية {}: ابعث علامة قريبة (جامع، مدرسة، صيدلية…) ولا الموقع 📍.", o.number),
            );
            tell(tx, &o, text, &at)?;
        }
    }
    Ok(flagged)
}

/// The courier is late or unavailable: the ETA moves by `extra_minutes` and the customer is
/// told the new time. The promise stays as it was, so analytics still see the delay.
pub fn courier_delayed(
    tx: &Transaction<'_>,
    order_id: i64,
    extra_minutes: u32,
    now: DateTime<Utc>,
) -> rusqlite::Result<Option<String>> {
    let at = fmt_ts(now);
    let Some(eta) = store::open_eta(tx, order_id) else {
        return Ok(None);
    };
    let base = parse(&eta).unwrap_or(now).max(now);
    let new_eta = base + Duration::minutes(extra_minutes as i64);
    store::courier_delayed(tx, order_id, &fmt_ts(new_eta), &at)?;
    let hhmm = clock(tx, new_eta)?;
    if let Some(o) = order(tx, order_id)? {
        let text = t(
            o.lang,
            &format!(
                "Votre commande {} a un peu de retard, désolé 🙏 Nouvelle heure prévue : {hhmm}.",
                o.number
            ),
            &format!(
                "الطلبية {} راهي متأخرة شوية، سمحلنا 🙏 الوقت الجديد: {hhmm}.",
                o.number
            ),
        );
        tell(tx, &o, text, &at)?;
    }
    Ok(Some(hhmm))
}

/// Staff change the promised window itself (e.g. a big order the kitchen needs longer for).
pub fn set_promise(
    tx: &Transaction<'_>,
    order_id: i64,
    promised: DateTime<Utc>,
    now: DateTime<Utc>,
) -> rusqlite::Result<bool> {
    store::set_promise(tx, order_id, &fmt_ts(promised), &fmt_ts(now))
}

/// The order reached the customer: the actual time is recorded and cash is collected.
pub fn on_delivered(
    tx: &Transaction<'_>,
    order_id: i64,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    store::mark_delivered(tx, order_id, &fmt_ts(now))?;
    crate::app::payments::on_order_delivered(tx, order_id, now)
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AtRisk {
    pub order_id: i64,
    pub number: String,
    pub eta: String,
    /// Negative: already late.
    pub minutes_left: i64,
}

/// Open orders whose ETA is within `within_minutes` (or past), soonest first.
pub fn at_risk(
    conn: &Connection,
    now: DateTime<Utc>,
    within_minutes: i64,
) -> rusqlite::Result<Vec<AtRisk>> {
    let rows = store::open_due_by(conn, &fmt_ts(now + Duration::minutes(within_minutes)))?;
    let mut out = Vec::new();
    for (order_id, number, eta) in rows {
        let minutes_left = parse(&eta).map(|e| (e - now).num_minutes()).unwrap_or(0);
        out.push(AtRisk {
            order_id,
            number,
            eta,
            minutes_left,
        });
    }
    Ok(out)
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Punctuality {
    pub number: String,
    pub day: String,
    pub promised_at: String,
    pub delivered_at: String,
    /// Positive: late by that many minutes; negative: early.
    pub late_minutes: i64,
}

/// Promised vs actual for the orders delivered since `since`.
pub fn punctuality(conn: &Connection, since: DateTime<Utc>) -> rusqlite::Result<Vec<Punctuality>> {
    let rows = store::delivered_since(conn, &fmt_ts(since))?;
    Ok(rows
        .into_iter()
        .map(|(number, day, promised_at, delivered_at)| {
            let late_minutes = match (parse(&promised_at), parse(&delivered_at)) {
                (Some(p), Some(d)) => (d - p).num_minutes(),
                _ => 0,
            };
            Punctuality {
                number,
                day,
                promised_at,
                delivered_at,
                late_minutes,
            }
        })
        .collect())
}
