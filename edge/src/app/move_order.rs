//! Staff moving orders on the board. A move and the customer's notice (in their language)
//! are written in the caller's transaction: either both happen or neither. Payment code hooks
//! in here (refund on cancel, collected on delivery).

use crate::domain::menu::Lang;
use crate::domain::order_notice::{self, Notice};
use crate::domain::orders::OrderStatus;
use crate::store::fmt_ts;
use crate::store::orders::{self, restaurant_offset, OrderState};
use chrono::{DateTime, Duration, FixedOffset, Utc};
use rusqlite::{Connection, Transaction};
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum BoardError {
    #[error("order {0} does not exist; reload the board")]
    NotFound(i64),
    #[error("an order that is {} cannot become {}; reload the board", .from.as_str(), .to.as_str())]
    Illegal { from: OrderStatus, to: OrderStatus },
    #[error("say why the order is cancelled: the customer is told")]
    ReasonRequired,
    #[error("{0}")]
    Invalid(String),
    #[error("database error: {0}")]
    Db(#[from] rusqlite::Error),
}

/// What a move did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Moved {
    pub order_id: i64,
    pub number: String,
    pub from: OrderStatus,
    pub to: OrderStatus,
    /// True when a message to the customer was queued in the outbox.
    pub notified: bool,
}

fn load(tx: &Connection, order_id: i64) -> Result<OrderState, BoardError> {
    orders::state(tx, order_id)?.ok_or(BoardError::NotFound(order_id))
}

pub(crate) fn local_hhmm(off: FixedOffset, ts: &str) -> Option<String> {
    let t = DateTime::parse_from_rfc3339(ts).ok()?;
    Some(t.with_timezone(&off).format("%H:%M").to_string())
}

/// Moves an order to `to` if the state machine allows it and queues the customer's notice.
/// Cancelling needs a reason. Nothing is written when the move is refused.
pub fn move_order(
    tx: &Transaction<'_>,
    order_id: i64,
    to: OrderStatus,
    reason: Option<&str>,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Moved, BoardError> {
    let o = load(tx, order_id)?;
    if !o.status.can_move_to(to) {
        return Err(BoardError::Illegal { from: o.status, to });
    }
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    if to == OrderStatus::Cancelled && reason.is_none() {
        return Err(BoardError::ReasonRequired);
    }
    if reason.is_some_and(|r| r.chars().count() > 200) {
        return Err(BoardError::Invalid(
            "keep the reason under 200 characters".into(),
        ));
    }
    let at = fmt_ts(now);
    if !orders::set_status(tx, order_id, o.status, to, reason, &at)? {
        return Err(BoardError::Illegal { from: o.status, to });
    }
    // Money follows the order: cash is collected at the door, a paid order that will not
    // be delivered becomes a refund the owner must make (docs/payments.md).
    match to {
        OrderStatus::Delivered => crate::app::delivery::on_delivered(tx, order_id, now)?,
        OrderStatus::Cancelled | OrderStatus::Rejected => {
            let why = reason.unwrap_or("refused by the restaurant");
            crate::app::payments::on_order_cancelled(tx, order_id, why, by, now)?;
            crate::app::kitchen_tickets::on_order_cancelled(tx, order_id, now)?;
        }
        _ => {}
    }
    let off = restaurant_offset(tx)?;
    let eta = o.eta.as_deref().and_then(|e| local_hhmm(off, e));
    let notice = Notice {
        number: &o.number,
        status: to,
        pickup: o.pickup,
        eta: eta.as_deref(),
        reason,
    };
    let notified = match order_notice::render(&notice, Lang::Fr) {
        Some(_) => notify(
            tx,
            order_id,
            |lang| order_notice::render(&notice, lang),
            &at,
        )?,
        None => false,
    };
    tracing::info!(order = %o.number, from = o.status.as_str(), to = to.as_str(), notified, "order moved");
    Ok(Moved {
        order_id,
        number: o.number,
        from: o.status,
        to,
        notified,
    })
}

/// Sets a new ETA `minutes` from now; a customer already told a time is told the new one.
pub fn set_eta(
    tx: &Transaction<'_>,
    order_id: i64,
    minutes: u32,
    now: DateTime<Utc>,
) -> Result<String, BoardError> {
    if !(1..=600).contains(&minutes) {
        return Err(BoardError::Invalid(
            "the ETA must be 1 to 600 minutes from now".into(),
        ));
    }
    let o = load(tx, order_id)?;
    if o.status.is_final() {
        return Err(BoardError::Invalid(format!(
            "order {} is {}: its ETA cannot change",
            o.number,
            o.status.as_str()
        )));
    }
    let at = fmt_ts(now);
    let eta = fmt_ts(now + Duration::minutes(minutes as i64));
    orders::set_eta(tx, order_id, &eta, &at)?;
    if o.status != OrderStatus::New {
        let hhmm = local_hhmm(restaurant_offset(tx)?, &eta).unwrap_or_default();
        notify(
            tx,
            order_id,
            |lang| Some(order_notice::eta_changed(&o.number, &hhmm, lang)),
            &at,
        )?;
    }
    Ok(eta)
}

/// Queues `text(lang)` to the customer of a chat order, in the customer's language (or the
/// order's). Counter and phone orders have no chat to write to.
fn notify(
    tx: &Transaction<'_>,
    order_id: i64,
    text: impl Fn(Lang) -> Option<String>,
    at: &str,
) -> Result<bool, BoardError> {
    let Some(order) = crate::app::tell_customer::order(tx, order_id)? else {
        return Ok(false);
    };
    let Some(text) = text(order.lang) else {
        return Ok(false);
    };
    Ok(crate::app::tell_customer::tell(tx, &order, text, at)?)
}

/// An order as the board shows it.
#[derive(Debug, Clone, Serialize)]
pub struct BoardOrder {
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
    pub eta_local: Option<String>,
    pub cancel_reason: Option<String>,
    pub created_at: String,
    pub late: bool,
    /// Not late yet, but its ETA is less than `DUE_SOON_MINUTES` away.
    pub due_soon: bool,
    pub items: Vec<String>,
    /// The moves staff may make from here.
    pub next: Vec<OrderStatus>,
    /// The no-show rule applied at checkout (`phone_confirm`: call before preparing;
    /// `prepay`: online payment was asked), with the customer's earlier no-shows.
    pub trust_check: Option<String>,
    pub no_shows: Option<i64>,
    /// The customer's voice note the order came from: the card plays it.
    pub voice_note: Option<VoiceNoteLink>,
    /// Staff's note for the kitchen (counter and phone orders).
    pub note: Option<String>,
}

/// Where the board card finds the voice note: `url` is set once the file is on the device.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct VoiceNoteLink {
    pub media_id: i64,
    pub url: Option<String>,
}

/// An open order whose ETA is this close is highlighted as about to miss its window.
pub const DUE_SOON_MINUTES: i64 = 10;

/// Late: not finished and past its ETA, or older than the SLA.
pub fn is_late(
    status: OrderStatus,
    created_at: DateTime<Utc>,
    eta: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    sla_minutes: u32,
) -> bool {
    !status.is_final()
        && (eta.is_some_and(|e| e < now)
            || created_at + Duration::minutes(sla_minutes as i64) < now)
}

fn parse_utc(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Open orders, and orders finished in the last 12 hours, oldest first.
pub fn board(
    c: &Connection,
    now: DateTime<Utc>,
    sla_minutes: u32,
) -> rusqlite::Result<Vec<BoardOrder>> {
    let off = restaurant_offset(c)?;
    let since = fmt_ts(now - Duration::hours(12));
    let mut board = Vec::new();
    for r in orders::board_rows(c, &since)? {
        let eta_at = r.eta.as_deref().and_then(parse_utc);
        let late = is_late(
            r.status,
            parse_utc(&r.created_at).unwrap_or(now),
            eta_at,
            now,
            sla_minutes,
        );
        let due_soon = !late
            && !r.status.is_final()
            && eta_at.is_some_and(|e| e < now + Duration::minutes(DUE_SOON_MINUTES));
        board.push(BoardOrder {
            items: orders::line_labels(c, r.id)?,
            next: OrderStatus::ALL
                .into_iter()
                .filter(|t| r.status.can_move_to(*t))
                .collect(),
            eta_local: r.eta.as_deref().and_then(|e| local_hhmm(off, e)),
            id: r.id,
            number: r.number,
            status: r.status,
            source: r.source,
            customer: r.customer,
            customer_id: r.customer_id,
            fulfilment: r.fulfilment,
            address: r.address,
            total: r.total,
            payment_method: r.payment_method,
            payment_status: r.payment_status,
            eta: r.eta,
            cancel_reason: r.cancel_reason,
            note: r.note,
            created_at: r.created_at,
            late,
            due_soon,
            trust_check: r.trust_check,
            no_shows: r.no_shows,
            voice_note: r.voice_media_id.map(|id| VoiceNoteLink {
                media_id: id,
                url: r.voice_here.then(|| format!("/api/media/{id}")),
            }),
        });
    }
    Ok(board)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Cached;

    fn shop() -> Connection {
        let (_dir, mut c) = crate::store::demo_shop_db("board");
        let tx = c.transaction().unwrap();
        tx.run(
            "INSERT INTO customers (id, provider, user_id, account_id, display_name, lang, created_at) \
             VALUES (1, 'wa', '213555020202', '109876543210987', 'Nadia', 'ar', '2026-11-23T10:00:00.000Z')",
            [],
        )
        .unwrap();
        tx.run(
            "INSERT INTO orders (id, number, day, daily_seq, customer_id, status, subtotal, delivery_fee, total, fulfilment, \
             address, payment_method, payment_status, eta, lang, source, created_at, updated_at) VALUES \
             (1, 'A-001', '2026-11-23', 1, 1, 'new', 1000, 200, 1200, 'delivery', 'Cité 5', 'cod', 'pending', \
             '2026-11-23T18:45:00.000Z', 'fr', 'wa', '2026-11-23T18:00:00.000Z', '2026-11-23T18:00:00.000Z')",
            [],
        )
        .unwrap();
        tx.commit().unwrap();
        c
    }

    fn outbox_texts(c: &Connection) -> Vec<String> {
        let mut st = c
            .prepare_cached("SELECT payload FROM outbox ORDER BY seq")
            .unwrap();
        st.query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .map(|p| {
                let v: serde_json::Value = serde_json::from_str(&p.unwrap()).unwrap();
                v["message"]["text"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect()
    }

    #[test]
    fn a_move_and_the_customers_notice_in_their_language_are_written_together() {
        let mut c = shop();
        let now = parse_utc("2026-11-23T18:05:00Z").unwrap();
        let tx = c.transaction().unwrap();
        let moved = move_order(&tx, 1, OrderStatus::Accepted, None, "Karim", now).unwrap();
        assert!(moved.notified);
        // Not committed: neither the move nor the notice exists.
        drop(tx);
        assert!(outbox_texts(&c).is_empty());
        let tx = c.transaction().unwrap();
        move_order(&tx, 1, OrderStatus::Accepted, None, "Karim", now).unwrap();
        tx.commit().unwrap();
        // The customer wrote in Arabic: the notice is Arabic, with the ETA in Algiers time.
        assert_eq!(
            outbox_texts(&c),
            vec!["طلبيتك A-001 تقبلت. الوقت المتوقع: 19:45.".to_string()]
        );
        let to: String = c
            .row(
                "SELECT json_extract(payload, '$.to') FROM outbox",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(to, "213555020202");
        let logged: i64 = c
            .row(
                "SELECT count(*) FROM transcript WHERE direction = 'out'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(logged, 1);
    }

    #[test]
    fn a_refused_move_writes_nothing() {
        let mut c = shop();
        let now = parse_utc("2026-11-23T18:05:00Z").unwrap();
        let tx = c.transaction().unwrap();
        let e = move_order(&tx, 1, OrderStatus::Delivered, None, "Karim", now).unwrap_err();
        assert!(matches!(e, BoardError::Illegal { .. }), "{e}");
        let e = move_order(&tx, 1, OrderStatus::Cancelled, Some("  "), "Karim", now).unwrap_err();
        assert!(matches!(e, BoardError::ReasonRequired), "{e}");
        tx.commit().unwrap();
        let status: String = c
            .row("SELECT status FROM orders WHERE id = 1", [], |r| r.get(0))
            .unwrap();
        assert_eq!(status, "new");
        assert!(outbox_texts(&c).is_empty());
    }

    #[test]
    fn a_counter_order_is_never_notified_but_moves_like_any_other() {
        let mut c = shop();
        let now = parse_utc("2026-11-23T18:05:00Z").unwrap();
        let tx = c.transaction().unwrap();
        let o: crate::app::counter_order::CounterOrder = serde_json::from_value(serde_json::json!({
            "source": "phone", "phone": "0555 12 34 56", "fulfilment": "delivery", "address": "Rue 3",
            "lines": [{"sku": "PZ-MARG", "qty": 1}, {"sku": "BS-LIMO", "qty": 2}]}))
        .unwrap();
        let (id, number) = crate::app::counter_order::place(&tx, &o, now).unwrap();
        assert_eq!(number, "A-002");
        let moved = move_order(&tx, id, OrderStatus::Accepted, None, "Karim", now).unwrap();
        assert!(!moved.notified);
        tx.commit().unwrap();
        assert!(outbox_texts(&c).is_empty());
        let total: i64 = c
            .row("SELECT total FROM orders WHERE id = ?1", [id], |r| r.get(0))
            .unwrap();
        assert_eq!(total, 900);
    }

    #[test]
    fn an_order_is_late_past_its_eta_or_past_the_sla_but_never_once_finished() {
        let t0 = parse_utc("2026-11-23T12:00:00Z").unwrap();
        let now = t0 + Duration::minutes(30);
        let eta_past = Some(t0 + Duration::minutes(20));
        let eta_future = Some(t0 + Duration::minutes(40));
        assert!(is_late(OrderStatus::Preparing, t0, eta_past, now, 45));
        assert!(!is_late(OrderStatus::Preparing, t0, eta_future, now, 45));
        assert!(is_late(OrderStatus::New, t0, eta_future, now, 20));
        assert!(!is_late(OrderStatus::Delivered, t0, eta_past, now, 5));
    }
}
