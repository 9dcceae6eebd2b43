//! How orders are paid (docs/payments.md): cash on delivery recorded at confirmation and
//! collected at delivery; CIB/EDAHABIA through the relay, which creates the checkout and
//! reports back with `payment_update` events; refunds the restaurant owes. Every function
//! runs inside the caller's transaction, together with the change that caused it. The
//! allowed moves are `crate::domain::payment`'s.

use crate::app::tell_customer::{order, tell, Order};
use crate::domain::menu::PaymentMethod;
use crate::domain::orders::OrderStatus;
use crate::domain::payment::{self, AttemptStatus, PaymentStatus};
use crate::domain::payment_words::{self as words, Choice};
use crate::domain::text::Token;
use crate::store::fmt_ts;
use crate::store::payments::{self as store, AttemptNews};
use chrono::{DateTime, Utc};
use resto_sync::payment::{CreateCheckout, PaymentUpdate};
use rusqlite::{Connection, Transaction};

pub use crate::store::payments::Refund;

/// Asks the relay for a checkout (outbox item `create_checkout`, its id the idempotency key).
fn start_attempt(
    tx: &Transaction<'_>,
    o: &Order,
    method: PaymentMethod,
    at: &str,
) -> rusqlite::Result<String> {
    store::abandon_open_attempts(tx, o.id, at)?;
    let id = ulid::Ulid::new().to_string();
    store::new_attempt(tx, &id, o.id, method, o.total, at)?;
    let req = CreateCheckout {
        order_ref: format!("{}/{}", o.day, o.number),
        amount: o.total,
        method: method.as_str().into(),
        locale: o.lang.as_str().into(),
    };
    crate::store::outbox::queue_checkout(tx, &id, &req, at)?;
    store::set_status(tx, o.id, method, PaymentStatus::AwaitingOnline, at)?;
    Ok(id)
}

/// Records how a just-confirmed order will be paid; online methods start a checkout and the
/// customer is told the link is coming.
pub fn on_order_placed(
    tx: &Transaction<'_>,
    order_id: i64,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    let at = fmt_ts(now);
    let Some(o) = order(tx, order_id)? else {
        return Ok(());
    };
    let status = PaymentStatus::initial(o.method);
    store::insert(tx, o.id, o.method, o.total, status, &at)?;
    if status == PaymentStatus::AwaitingOnline {
        start_attempt(tx, &o, o.method, &at)?;
        tell(tx, &o, words::link_coming(o.lang, o.method), &at)?;
    }
    Ok(())
}

/// Applies the relay's news about one attempt: the order's payment moves, the customer hears
/// about it in their language. An attempt the customer gave up on stays quiet, except that a
/// payment that arrives anyway is recorded (the money is real).
pub fn apply_update(
    tx: &Transaction<'_>,
    u: &PaymentUpdate,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    let at = fmt_ts(now);
    let Some(attempt) = store::attempt(tx, &u.attempt_id)? else {
        tracing::warn!(attempt_id = %u.attempt_id, "payment update for an attempt this device does not know; ignored");
        return Ok(());
    };
    let Some(mv) = payment::on_relay_update(attempt.status, u.state) else {
        return Ok(());
    };
    if mv.attempt == AttemptStatus::Paid
        && store::other_attempt_paid(tx, attempt.order_id, &u.attempt_id)?
    {
        // The customer paid a second link of the same order. The money is real, but the
        // order can be paid once: it becomes a refund instead of a database conflict that
        // would stop this batch, and every later one, from applying.
        return record_second_payment(tx, attempt.order_id, u, &at);
    }
    let news = AttemptNews {
        status: mv.attempt,
        checkout_id: u.checkout_id.as_deref(),
        checkout_url: u.checkout_url.as_deref(),
        expires_at: u.expires_at.as_deref(),
    };
    store::record_attempt(tx, &u.attempt_id, &news, &at)?;
    let Some(o) = order(tx, attempt.order_id)? else {
        return Ok(());
    };
    if mv.abandon_others {
        store::abandon_other_attempts(tx, o.id, &u.attempt_id, &at)?;
    }
    if let Some(to) = mv.payment {
        move_payment(tx, &o, attempt.method.unwrap_or(o.method), to, &at)?;
    }
    tell_update(tx, &o, u, now, &at)
}

/// Moves the order's payment as the relay's news says; money paid for an order that no
/// longer stands becomes a refund.
fn move_payment(
    tx: &Transaction<'_>,
    o: &Order,
    method: PaymentMethod,
    to: PaymentStatus,
    at: &str,
) -> rusqlite::Result<()> {
    if !o.payment.can_move_to(to) {
        tracing::warn!(order = %o.number, from = o.payment.as_str(), to = to.as_str(), "payment move not allowed; left as it was");
        return Ok(());
    }
    store::set_status(tx, o.id, method, to, at)?;
    if to == PaymentStatus::Paid
        && matches!(o.status, OrderStatus::Cancelled | OrderStatus::Rejected)
    {
        record_refund(tx, o.id, "paid after the order was cancelled", "system", at)?;
    }
    Ok(())
}

/// Tells the customer what the relay's news means for them, when it means anything.
fn tell_update(
    tx: &Transaction<'_>,
    o: &Order,
    u: &PaymentUpdate,
    now: DateTime<Utc>,
    at: &str,
) -> rusqlite::Result<()> {
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
        tell(tx, o, text, at)?;
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
    let Some((order_id, from)) = store::awaiting_choice(tx, customer_id)? else {
        return Ok(false);
    };
    let Some(choice) = words::choice(toks) else {
        return Ok(false);
    };
    let to = match choice {
        Choice::Cash => PaymentStatus::Pending,
        Choice::NewLink(_) => PaymentStatus::AwaitingOnline,
    };
    if !from.can_move_to(to) {
        return Ok(false);
    }
    let Some(o) = order(tx, order_id)? else {
        return Ok(false);
    };
    let at = fmt_ts(now);
    match choice {
        Choice::Cash => {
            store::abandon_open_attempts(tx, order_id, &at)?;
            store::set_status(tx, order_id, PaymentMethod::Cod, to, &at)?;
            // The ticket said "online payment pending": the courier must now collect cash.
            crate::app::kitchen_tickets::on_order_changed(tx, order_id, now)?;
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

/// Records the refund of what the customer paid online, and tells them; returns the amount
/// when a refund was recorded now.
fn record_refund(
    tx: &Transaction<'_>,
    order_id: i64,
    reason: &str,
    by: &str,
    at: &str,
) -> rusqlite::Result<Option<i64>> {
    let Some(amount) = store::paid_online(tx, order_id)?.filter(|a| *a > 0) else {
        return Ok(None);
    };
    if !store::insert_refund(tx, order_id, amount, reason, by, at)? {
        return Ok(None);
    }
    if let Some(o) = order(tx, order_id)? {
        tell(
            tx,
            &o,
            words::refund_recorded(o.lang, &o.number, amount),
            at,
        )?;
    }
    Ok(Some(amount))
}

fn record_second_payment(
    tx: &Transaction<'_>,
    order_id: i64,
    u: &PaymentUpdate,
    at: &str,
) -> rusqlite::Result<()> {
    let Some(o) = order(tx, order_id)? else {
        return Ok(());
    };
    let amount = u.amount.filter(|a| *a > 0).unwrap_or(o.total);
    tracing::warn!(order = %o.number, attempt_id = %u.attempt_id, amount, "second online payment for one order; recorded as a refund");
    let reason = format!(
        "paid twice (second payment, checkout {})",
        u.checkout_id.as_deref().unwrap_or("?")
    );
    store::add_refund(tx, order_id, amount, &reason, "system", at)?;
    tell(
        tx,
        &o,
        words::refund_recorded(o.lang, &o.number, amount),
        at,
    )?;
    Ok(())
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
    let at = fmt_ts(now);
    store::abandon_open_attempts(tx, order_id, &at)?;
    record_refund(tx, order_id, reason, by, &at)
}

/// The order was handed over: cash on delivery is now collected.
pub fn on_order_delivered(
    tx: &Transaction<'_>,
    order_id: i64,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    store::settle_cash(tx, order_id, PaymentStatus::Collected, &fmt_ts(now))?;
    Ok(())
}

/// The customer refused a cash-on-delivery order at the door.
pub fn cash_refused(
    tx: &Transaction<'_>,
    order_id: i64,
    now: DateTime<Utc>,
) -> rusqlite::Result<bool> {
    store::settle_cash(tx, order_id, PaymentStatus::Refused, &fmt_ts(now))
}

/// Refunds the owner still has to make, oldest first.
pub fn outstanding_refunds(conn: &Connection) -> rusqlite::Result<Vec<Refund>> {
    store::outstanding_refunds(conn)
}

/// The owner made the refund; false when there was no such outstanding refund.
pub fn refund_done(
    tx: &Transaction<'_>,
    id: i64,
    by: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<bool> {
    store::refund_done(tx, id, by, &fmt_ts(now))
}
