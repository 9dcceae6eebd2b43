//! Delivery promises and the problems on the way (docs/payments.md § Delivery): staff flag an
//! unclear address or a delayed courier and the customer hears it with the new time; the
//! board sees orders about to miss their window; analytics compare promised and actual.

use crate::engine::say::t;
use crate::notice::{order, tell};
use crate::store::Cached;
use chrono::{DateTime, Duration, Utc};
use rusqlite::{params, Connection, Transaction};

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn parse(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// "HH:MM" in the restaurant's time zone (what the customer reads on the wall clock).
fn clock(tx: &Connection, at: DateTime<Utc>) -> rusqlite::Result<String> {
    Ok(match crate::menu::db::load(tx)? {
        Some(m) => crate::engine::hours::local(&m.restaurant, at)
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
    let at = ts(now);
    let n = tx.run(
        "UPDATE orders SET delivery_issue = 'address_unclear', updated_at = ?2 WHERE id = ?1 AND fulfilment = 'delivery' \
         AND status NOT IN ('delivered', 'cancelled', 'rejected')",
        params![order_id, at],
    )?;
    if n == 1 {
        if let Some(o) = order(tx, order_id)? {
            let text = t(
                o.lang,
                &format!("Le livreur ne trouve pas votre adresse pour la commande {} : envoyez un repère proche (mosquée, école, pharmacie…) ou votre position 📍.", o.number),
                &format!("الموصّل ما لقاش العنوان تاع الطلبية {}: ابعث علامة قريبة (جامع، مدرسة، صيدلية…) ولا الموقع 📍.", o.number),
            );
            tell(tx, &o, text, &at)?;
        }
    }
    Ok(n == 1)
}

/// The courier is late or unavailable: the ETA moves by `extra_minutes` and the customer is
/// told the new time. The promise stays as it was, so analytics still see the delay.
pub fn courier_delayed(
    tx: &Transaction<'_>,
    order_id: i64,
    extra_minutes: u32,
    now: DateTime<Utc>,
) -> rusqlite::Result<Option<String>> {
    let at = ts(now);
    let eta: Option<String> = tx
        .row(
            "SELECT eta FROM orders WHERE id = ?1 AND status NOT IN ('delivered', 'cancelled', 'rejected')",
            params![order_id],
            |r| r.get(0),
        )
        .ok()
        .flatten();
    let Some(eta) = eta else { return Ok(None) };
    let base = parse(&eta).unwrap_or(now).max(now);
    let new_eta = base + Duration::minutes(extra_minutes as i64);
    tx.run(
        "UPDATE orders SET eta = ?2, delivery_issue = 'courier_delayed', updated_at = ?3 WHERE id = ?1",
        params![order_id, ts(new_eta), at],
    )?;
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
    Ok(tx.run(
        "UPDATE orders SET promised_at = ?2, eta = ?2, updated_at = ?3 WHERE id = ?1 AND status NOT IN ('delivered', 'cancelled', 'rejected')",
        params![order_id, ts(promised), ts(now)],
    )? == 1)
}

/// The order reached the customer: the actual time is recorded and cash is collected.
pub fn on_delivered(
    tx: &Transaction<'_>,
    order_id: i64,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    tx.run(
        "UPDATE orders SET delivered_at = coalesce(delivered_at, ?2) WHERE id = ?1",
        params![order_id, ts(now)],
    )?;
    crate::payments::on_order_delivered(tx, order_id, now)
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
    let mut st = conn.prepare_cached(
        "SELECT id, number, eta FROM orders INDEXED BY orders_open_by_eta \
         WHERE status NOT IN ('delivered', 'cancelled', 'rejected') AND eta <= ?1 ORDER BY eta",
    )?;
    let rows = st.query_map(params![ts(now + Duration::minutes(within_minutes))], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (order_id, number, eta) = row?;
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
    let mut st = conn.prepare_cached(
        "SELECT number, day, promised_at, delivered_at FROM orders \
         WHERE delivered_at IS NOT NULL AND delivered_at >= ?1 AND promised_at IS NOT NULL ORDER BY delivered_at",
    )?;
    let rows = st.query_map(params![ts(since)], |r| {
        let (promised_at, delivered_at): (String, String) = (r.get(2)?, r.get(3)?);
        let late_minutes = match (parse(&promised_at), parse(&delivered_at)) {
            (Some(p), Some(d)) => (d - p).num_minutes(),
            _ => 0,
        };
        Ok(Punctuality {
            number: r.get(0)?,
            day: r.get(1)?,
            promised_at,
            delivered_at,
            late_minutes,
        })
    })?;
    rows.collect()
}
