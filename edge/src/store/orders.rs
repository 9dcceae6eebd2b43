//! Orders and their lines: the one place an order row is written, whoever takes the order
//! (the bot in a chat, staff at the counter or on the phone).

use super::{fmt_ts, Cached};
use crate::domain::orders::OrderStatus;
use chrono::{DateTime, Duration, FixedOffset, Utc};
use rusqlite::{params, Connection, OptionalExtension, Transaction};

/// An order as it is first stored: status `new`, the promise (`promised_at`) equal to the ETA.
#[derive(Debug, Clone)]
pub struct NewOrder<'a> {
    pub customer_id: i64,
    /// The restaurant's local day (`YYYY-MM-DD`) the daily number counts in.
    pub day: &'a str,
    pub daily_seq: i64,
    pub number: &'a str,
    pub subtotal: i64,
    pub delivery_fee: i64,
    pub total: i64,
    pub fulfilment: Fulfilment<'a>,
    pub payment_method: &'a str,
    pub payment_status: &'a str,
    pub eta_minutes: i64,
    pub lang: &'a str,
    /// `wa|ig|msg` for chat orders, `counter|phone` for orders staff enter.
    pub source: &'a str,
    pub lines: Vec<NewLine<'a>>,
    /// The customer's voice note the order came from (`media_files.id`), if any.
    pub voice_media_id: Option<i64>,
    /// For the kitchen, printed on the tickets.
    pub note: Option<&'a str>,
}

#[derive(Debug, Clone)]
pub enum Fulfilment<'a> {
    Pickup,
    Delivery {
        address: String,
        wilaya_code: Option<&'a str>,
        commune: Option<&'a str>,
        pin: Option<(f64, f64)>,
    },
}

#[derive(Debug, Clone)]
pub struct NewLine<'a> {
    pub sku: &'a str,
    pub name: &'a str,
    pub qty: u32,
    pub unit_price: i64,
    /// The chosen options as a JSON array (`[]` when none).
    pub options_json: String,
}

/// The next daily sequence number of `day` (1 for the day's first order).
pub fn next_daily_seq(tx: &Transaction<'_>, day: &str) -> rusqlite::Result<i64> {
    tx.row(
        "SELECT coalesce(max(daily_seq), 0) + 1 FROM orders WHERE day = ?1",
        params![day],
        |r| r.get(0),
    )
}

/// Writes the order and its lines; returns the order's id.
pub fn insert_order(
    tx: &Transaction<'_>,
    o: &NewOrder<'_>,
    now: DateTime<Utc>,
) -> rusqlite::Result<i64> {
    let at = fmt_ts(now);
    let eta = fmt_ts(now + Duration::minutes(o.eta_minutes));
    let (fulfilment, address, wilaya, commune, lat, lon) = match &o.fulfilment {
        Fulfilment::Pickup => ("pickup", None, None, None, None, None),
        Fulfilment::Delivery {
            address,
            wilaya_code,
            commune,
            pin,
        } => (
            "delivery",
            Some(address.as_str()),
            *wilaya_code,
            *commune,
            pin.map(|p| p.0),
            pin.map(|p| p.1),
        ),
    };
    tx.run(
        "INSERT INTO orders (number, day, daily_seq, customer_id, status, subtotal, delivery_fee, total, fulfilment, address, \
         wilaya_code, commune, latitude, longitude, payment_method, payment_status, eta, promised_at, lang, source, created_at, updated_at, voice_media_id, note) \
         VALUES (?1, ?2, ?3, ?4, 'new', ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?16, ?17, ?18, ?19, ?19, ?20, ?21)",
        params![o.number, o.day, o.daily_seq, o.customer_id, o.subtotal, o.delivery_fee, o.total, fulfilment, address, wilaya, commune,
            lat, lon, o.payment_method, o.payment_status, eta, o.lang, o.source, at, o.voice_media_id, o.note],
    )?;
    let order_id = tx.last_insert_rowid();
    for (i, l) in o.lines.iter().enumerate() {
        tx.run(
            "INSERT INTO order_items (order_id, line_no, sku, name, quantity, unit_price, options, line_total) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![order_id, i as i64 + 1, l.sku, l.name, l.qty, l.unit_price, l.options_json, l.unit_price * l.qty as i64],
        )?;
    }
    Ok(order_id)
}

/// What a board move needs to know of an order.
#[derive(Debug, Clone)]
pub struct OrderState {
    pub number: String,
    pub status: OrderStatus,
    pub pickup: bool,
    pub eta: Option<String>,
}

pub fn state(c: &Connection, order_id: i64) -> rusqlite::Result<Option<OrderState>> {
    c.row(
        "SELECT number, status, fulfilment, eta FROM orders WHERE id = ?1",
        params![order_id],
        |r| {
            Ok(OrderState {
                number: r.get(0)?,
                status: OrderStatus::parse(&r.get::<_, String>(1)?).unwrap_or(OrderStatus::New),
                pickup: r.get::<_, String>(2)? == "pickup",
                eta: r.get(3)?,
            })
        },
    )
    .optional()
}

/// Moves the order from `from` to `to`; false when it was no longer `from` (a concurrent
/// move won: the status in the WHERE clause makes one of two racing moves lose). The reason
/// is kept only for the moves that end an order.
pub fn set_status(
    tx: &Transaction<'_>,
    order_id: i64,
    from: OrderStatus,
    to: OrderStatus,
    reason: Option<&str>,
    at: &str,
) -> rusqlite::Result<bool> {
    let keep_reason = matches!(to, OrderStatus::Cancelled | OrderStatus::Rejected);
    let n = tx.run(
        "UPDATE orders SET status = ?2, updated_at = ?3, cancel_reason = CASE WHEN ?4 THEN ?5 ELSE cancel_reason END \
         WHERE id = ?1 AND status = ?6",
        params![order_id, to.as_str(), at, keep_reason, reason, from.as_str()],
    )?;
    Ok(n == 1)
}

pub fn set_eta(tx: &Transaction<'_>, order_id: i64, eta: &str, at: &str) -> rusqlite::Result<()> {
    tx.run(
        "UPDATE orders SET eta = ?2, updated_at = ?3 WHERE id = ?1",
        params![order_id, eta, at],
    )?;
    Ok(())
}

/// The restaurant's UTC offset, as the engine's opening hours use it (Algeria: UTC+1, no DST).
pub fn restaurant_offset(c: &Connection) -> rusqlite::Result<FixedOffset> {
    let tz: Option<String> = c
        .row("SELECT timezone FROM restaurant WHERE id = 1", [], |r| {
            r.get(0)
        })
        .optional()?;
    let secs = if tz.as_deref() == Some("UTC") {
        0
    } else {
        3600
    };
    Ok(FixedOffset::east_opt(secs).expect("valid offset"))
}

/// An order row as the board reads it.
#[derive(Debug, Clone)]
pub struct BoardRow {
    pub id: i64,
    pub number: String,
    pub status: OrderStatus,
    pub source: String,
    pub customer: String,
    pub customer_id: i64,
    pub fulfilment: String,
    pub address: Option<String>,
    pub total: i64,
    pub payment_method: String,
    pub payment_status: String,
    pub eta: Option<String>,
    pub cancel_reason: Option<String>,
    pub created_at: String,
    pub trust_check: Option<String>,
    pub no_shows: Option<i64>,
    /// The voice note the order came from, and whether its file is on the device.
    pub voice_media_id: Option<i64>,
    pub voice_here: bool,
    pub note: Option<String>,
}

/// Open orders, and orders finished since `since`, oldest first.
pub fn board_rows(c: &Connection, since: &str) -> rusqlite::Result<Vec<BoardRow>> {
    let mut st = c.prepare_cached(
        "SELECT o.id, o.number, o.status, o.source, coalesce(c.display_name, c.phone, c.user_id), o.customer_id, o.fulfilment, \
         o.address, o.total, o.payment_method, o.eta, o.cancel_reason, o.created_at, o.payment_status, t.rule, t.no_shows, \
         o.voice_media_id, coalesce(m.state = 'have', 0), o.note \
         FROM orders o JOIN customers c ON c.id = o.customer_id LEFT JOIN order_trust_checks t ON t.order_id = o.id \
         LEFT JOIN media_files m ON m.id = o.voice_media_id \
         WHERE o.status NOT IN ('delivered', 'cancelled', 'rejected') OR o.updated_at >= ?1 ORDER BY o.id",
    )?;
    let rows = st.query_map(params![since], |r| {
        Ok(BoardRow {
            id: r.get(0)?,
            number: r.get(1)?,
            status: OrderStatus::parse(&r.get::<_, String>(2)?).unwrap_or(OrderStatus::New),
            source: r.get(3)?,
            customer: r.get(4)?,
            customer_id: r.get(5)?,
            fulfilment: r.get(6)?,
            address: r.get(7)?,
            total: r.get(8)?,
            payment_method: r.get(9)?,
            eta: r.get(10)?,
            cancel_reason: r.get(11)?,
            created_at: r.get(12)?,
            payment_status: r.get(13)?,
            trust_check: r.get(14)?,
            no_shows: r.get(15)?,
            voice_media_id: r.get(16)?,
            voice_here: r.get(17)?,
            note: r.get(18)?,
        })
    })?;
    rows.collect()
}

/// An order's lines as "2 × Name (option, option)", in order.
pub fn line_labels(c: &Connection, order_id: i64) -> rusqlite::Result<Vec<String>> {
    let mut items = c.prepare_cached(
        "SELECT quantity, name, options FROM order_items WHERE order_id = ?1 ORDER BY line_no",
    )?;
    let rows = items.query_map(params![order_id], |r| {
        let opts: Vec<String> = serde_json::from_str(&r.get::<_, String>(2)?).unwrap_or_default();
        let base = format!("{} × {}", r.get::<_, i64>(0)?, r.get::<_, String>(1)?);
        Ok(if opts.is_empty() {
            base
        } else {
            format!("{base} ({})", opts.join(", "))
        })
    })?;
    rows.collect()
}
