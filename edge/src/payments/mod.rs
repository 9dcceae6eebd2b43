//! How orders are paid (docs/payments.md): cash on delivery recorded at confirmation and
//! collected at delivery; CIB/EDAHABIA through the relay, which creates the checkout and
//! reports back with `payment_update` events; refunds the restaurant owes. Every function
//! runs inside the caller's transaction, together with the change that caused it.

pub mod words;

use crate::menu::PaymentMethod;
use crate::notice::{order, tell, Order};
use crate::store::Cached;
use crate::text::Token;
use chrono::{DateTime, Utc};
use resto_sync::payment::{CreateCheckout, PaymentState, PaymentUpdate, CREATE_CHECKOUT};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use words::Choice;

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn set_status(
    tx: &Transaction<'_>,
    order_id: i64,
    method: PaymentMethod,
    status: &str,
    at: &str,
) -> rusqlite::Result<()> {
    tx.run(
        "UPDATE payments SET method = ?2, status = ?3, updated_at = ?4 WHERE order_id = ?1",
        params![order_id, method.as_str(), status, at],
    )?;
    tx.run(
        "UPDATE orders SET payment_method = ?2, payment_status = ?3, updated_at = ?4 WHERE id = ?1",
        params![order_id, method.as_str(), status, at],
    )?;
    Ok(())
}

/// Asks the relay for a checkout (outbox item `create_checkout`, its id the idempotency key).
fn start_attempt(
    tx: &Transaction<'_>,
    o: &Order,
    method: PaymentMethod,
    at: &str,
) -> rusqlite::Result<String> {
    tx.run(
        "UPDATE payment_attempts SET status = 'abandoned', updated_at = ?2 WHERE order_id = ?1 AND status NOT IN ('paid', 'abandoned')",
        params![o.id, at],
    )?;
    let id = ulid::Ulid::new().to_string();
    tx.run(
        "INSERT INTO payment_attempts (id, order_id, method, amount, status, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, 'requested', ?5, ?5)",
        params![id, o.id, method.as_str(), o.total, at],
    )?;
    let req = CreateCheckout {
        order_ref: format!("{}/{}", o.day, o.number),
        amount: o.total,
        method: method.as_str().into(),
        locale: o.lang.as_str().into(),
    };
    tx.run(
        "INSERT INTO outbox (id, kind, created_at, payload) VALUES (?1, ?2, ?3, ?4)",
        params![
            id,
            CREATE_CHECKOUT,
            at,
            serde_json::to_string(&req).unwrap_or_default()
        ],
    )?;
    set_status(tx, o.id, method, "awaiting_online", at)?;
    Ok(id)
}

/// Records how a just-confirmed order will be paid; online methods start a checkout and the
/// customer is told the link is coming.
pub fn on_order_placed(
    tx: &Transaction<'_>,
    order_id: i64,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    let at = ts(now);
    let Some(o) = order(tx, order_id)? else {
        return Ok(());
    };
    let online = o.method != PaymentMethod::Cod;
    tx.run(
        "INSERT INTO payments (order_id, method, amount, status, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
        params![o.id, o.method.as_str(), o.total, if online { "awaiting_online" } else { "pending" }, at],
    )?;
    if online {
        start_attempt(tx, &o, o.method, &at)?;
        tell(tx, &o, words::link_coming(o.lang, o.method), &at)?;
    }
    Ok(())
}

fn attempt_status(s: PaymentState) -> &'static str {
    match s {
        PaymentState::Link => "link_sent",
        PaymentState::Delayed => "delayed",
        PaymentState::Unavailable => "unavailable",
        PaymentState::Processing => "processing",
        PaymentState::Paid => "paid",
        PaymentState::Failed => "failed",
        PaymentState::Canceled => "canceled",
        PaymentState::Expired => "expired",
    }
}

/// Applies the relay's news about one attempt: the order's payment moves, the customer hears
/// about it in their language. An attempt the customer gave up on stays quiet, except that a
/// payment that arrives anyway is recorded (the money is real).
pub fn apply_update(
    tx: &Transaction<'_>,
    u: &PaymentUpdate,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    let at = ts(now);
    let found: Option<(i64, String, String)> = tx
        .row(
            "SELECT order_id, status, method FROM payment_attempts WHERE id = ?1",
            params![u.attempt_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((order_id, status, method)) = found else {
        tracing::warn!(attempt_id = %u.attempt_id, "payment update for an attempt this device does not know; ignored");
        return Ok(());
    };
    if status == "paid" {
        return Ok(());
    }
    let abandoned = status == "abandoned";
    if abandoned && u.state != PaymentState::Paid {
        return Ok(());
    }
    tx.run(
        "UPDATE payment_attempts SET status = ?2, checkout_id = coalesce(?3, checkout_id), \
         checkout_url = coalesce(?4, checkout_url), expires_at = coalesce(?5, expires_at), updated_at = ?6 WHERE id = ?1",
        params![u.attempt_id, attempt_status(u.state), u.checkout_id, u.checkout_url, u.expires_at, at],
    )?;
    let Some(o) = order(tx, order_id)? else {
        return Ok(());
    };
    let method = PaymentMethod::parse(&method).unwrap_or(o.method);
    match u.state {
        PaymentState::Paid => {
            if abandoned {
                // Paid after switching to cash or to a newer link: stop the others.
                tx.run(
                    "UPDATE payment_attempts SET status = 'abandoned', updated_at = ?3 WHERE order_id = ?1 AND id <> ?2 AND status NOT IN ('paid', 'abandoned')",
                    params![order_id, u.attempt_id, at],
                )?;
            }
            set_status(tx, order_id, method, "paid", &at)?;
            let cancelled: bool = tx.row(
                "SELECT status IN ('cancelled', 'rejected') FROM orders WHERE id = ?1",
                params![order_id],
                |r| r.get(0),
            )?;
            if cancelled {
                record_refund(
                    tx,
                    order_id,
                    "paid after the order was cancelled",
                    "system",
                    &at,
                )?;
            }
        }
        PaymentState::Failed
        | PaymentState::Canceled
        | PaymentState::Expired
        | PaymentState::Unavailable => {
            set_status(tx, order_id, method, "failed", &at)?;
        }
        PaymentState::Link | PaymentState::Delayed | PaymentState::Processing => {}
    }
    let minutes = u
        .expires_at
        .as_deref()
        .and_then(|e| DateTime::parse_from_rfc3339(e).ok())
        .map(|e| (e.with_timezone(&Utc) - now).num_minutes().max(1));
    let amount = u.amount.unwrap_or(o.total);
    if let Some(text) = words::update_text(
        o.lang,
        u.state,
        &o.number,
        amount,
        u.checkout_url.as_deref(),
        minutes,
    ) {
        tell(tx, &o, text, &at)?;
    }
    Ok(())
}

/// After an online payment failed, expired or could not start, the customer's next message
/// may be their choice: cash, or a new link. While the link is late (the relay is still
/// retrying) the customer was told they may answer "cash", so that choice counts too.
/// Returns the reply, already queued, when it was.
pub fn on_customer_text(
    tx: &Transaction<'_>,
    customer_id: i64,
    toks: &[Token],
    now: DateTime<Utc>,
) -> rusqlite::Result<bool> {
    let waiting: Option<(i64, bool)> = tx
        .row(
            "SELECT o.id, o.payment_status = 'awaiting_online' FROM orders o WHERE o.customer_id = ?1 \
             AND o.status NOT IN ('cancelled', 'rejected', 'delivered') \
             AND (o.payment_status = 'failed' OR (o.payment_status = 'awaiting_online' AND EXISTS \
                  (SELECT 1 FROM payment_attempts a WHERE a.order_id = o.id AND a.status = 'delayed'))) \
             ORDER BY o.id DESC LIMIT 1",
            params![customer_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((order_id, delayed)) = waiting else {
        return Ok(false);
    };
    let Some(choice) = words::choice(toks) else {
        return Ok(false);
    };
    // A late link is still coming: asking for another one would only add a second checkout.
    if delayed && choice != Choice::Cash {
        return Ok(false);
    }
    let Some(o) = order(tx, order_id)? else {
        return Ok(false);
    };
    let at = ts(now);
    match choice {
        Choice::Cash => {
            tx.run(
                "UPDATE payment_attempts SET status = 'abandoned', updated_at = ?2 WHERE order_id = ?1 AND status NOT IN ('paid', 'abandoned')",
                params![order_id, at],
            )?;
            set_status(tx, order_id, PaymentMethod::Cod, "pending", &at)?;
            tell(
                tx,
                &o,
                words::switched_to_cash(o.lang, &o.number, o.pickup),
                &at,
            )?;
        }
        Choice::NewLink(m) => {
            let method = m.filter(|m| *m != PaymentMethod::Cod).unwrap_or(
                if o.method == PaymentMethod::Cod {
                    PaymentMethod::Cib
                } else {
                    o.method
                },
            );
            start_attempt(tx, &o, method, &at)?;
            tell(tx, &o, words::link_coming(o.lang, method), &at)?;
        }
    }
    Ok(true)
}

fn record_refund(
    tx: &Transaction<'_>,
    order_id: i64,
    reason: &str,
    by: &str,
    at: &str,
) -> rusqlite::Result<Option<i64>> {
    let amount: Option<i64> = tx
        .row(
            "SELECT amount FROM payments WHERE order_id = ?1 AND status = 'paid' AND method <> 'cod'",
            params![order_id],
            |r| r.get(0),
        )
        .optional()?;
    let Some(amount) = amount.filter(|a| *a > 0) else {
        return Ok(None);
    };
    let n = tx.run(
        "INSERT OR IGNORE INTO refunds (order_id, amount, reason, requested_by, requested_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![order_id, amount, reason, by, at],
    )?;
    if n == 1 {
        if let Some(o) = order(tx, order_id)? {
            tell(
                tx,
                &o,
                words::refund_recorded(o.lang, &o.number, amount),
                at,
            )?;
        }
    }
    Ok((n == 1).then_some(amount))
}

/// An order was cancelled (by the customer, or by staff with `by` = their name): a paid
/// order becomes a refund to make; open checkouts are dropped. Returns the refund amount.
pub fn on_order_cancelled(
    tx: &Transaction<'_>,
    order_id: i64,
    reason: &str,
    by: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<Option<i64>> {
    let at = ts(now);
    tx.run(
        "UPDATE payment_attempts SET status = 'abandoned', updated_at = ?2 WHERE order_id = ?1 AND status NOT IN ('paid', 'abandoned')",
        params![order_id, at],
    )?;
    record_refund(tx, order_id, reason, by, &at)
}

/// The order was handed over: cash on delivery is now collected.
pub fn on_order_delivered(
    tx: &Transaction<'_>,
    order_id: i64,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    let at = ts(now);
    tx.run(
        "UPDATE payments SET status = 'collected', updated_at = ?2 WHERE order_id = ?1 AND method = 'cod' AND status = 'pending'",
        params![order_id, at],
    )?;
    tx.run(
        "UPDATE orders SET payment_status = 'collected', updated_at = ?2 WHERE id = ?1 AND payment_method = 'cod' AND payment_status = 'pending'",
        params![order_id, at],
    )?;
    Ok(())
}

/// The customer refused a cash-on-delivery order at the door.
pub fn cash_refused(
    tx: &Transaction<'_>,
    order_id: i64,
    now: DateTime<Utc>,
) -> rusqlite::Result<bool> {
    let at = ts(now);
    let n = tx.run(
        "UPDATE payments SET status = 'refused', updated_at = ?2 WHERE order_id = ?1 AND method = 'cod' AND status = 'pending'",
        params![order_id, at],
    )?;
    tx.run(
        "UPDATE orders SET payment_status = 'refused', updated_at = ?2 WHERE id = ?1 AND payment_method = 'cod' AND payment_status = 'pending'",
        params![order_id, at],
    )?;
    Ok(n == 1)
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Refund {
    pub id: i64,
    pub order_number: String,
    pub amount: i64,
    pub reason: String,
    pub requested_by: String,
    pub requested_at: String,
}

/// Refunds the owner still has to make, oldest first.
pub fn outstanding_refunds(conn: &Connection) -> rusqlite::Result<Vec<Refund>> {
    let mut st = conn.prepare_cached(
        "SELECT r.id, o.number, r.amount, r.reason, r.requested_by, r.requested_at FROM refunds r \
         JOIN orders o ON o.id = r.order_id WHERE r.done_at IS NULL ORDER BY r.requested_at",
    )?;
    let rows = st.query_map([], |r| {
        Ok(Refund {
            id: r.get(0)?,
            order_number: r.get(1)?,
            amount: r.get(2)?,
            reason: r.get(3)?,
            requested_by: r.get(4)?,
            requested_at: r.get(5)?,
        })
    })?;
    rows.collect()
}

/// The owner made the refund; false when there was no such outstanding refund.
pub fn refund_done(
    tx: &Transaction<'_>,
    id: i64,
    by: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<bool> {
    Ok(tx.run(
        "UPDATE refunds SET done_at = ?2, done_by = ?3 WHERE id = ?1 AND done_at IS NULL",
        params![id, ts(now), by],
    )? == 1)
}
