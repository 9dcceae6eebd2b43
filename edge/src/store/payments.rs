//! How orders are paid, as stored: one `payments` row per order (its status mirrored in
//! `orders.payment_status` for the board), every online checkout attempt, and the refunds the
//! restaurant owes. The moves themselves are decided in `crate::domain::payment`.

use crate::domain::menu::PaymentMethod;
use crate::domain::payment::{AttemptStatus, PaymentStatus};
use crate::store::Cached;
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rusqlite::{params, Connection, OptionalExtension};

impl ToSql for PaymentStatus {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

impl FromSql for PaymentStatus {
    fn column_result(v: ValueRef<'_>) -> FromSqlResult<Self> {
        PaymentStatus::parse(v.as_str()?).ok_or(FromSqlError::InvalidType)
    }
}

impl ToSql for AttemptStatus {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

impl FromSql for AttemptStatus {
    fn column_result(v: ValueRef<'_>) -> FromSqlResult<Self> {
        AttemptStatus::parse(v.as_str()?).ok_or(FromSqlError::InvalidType)
    }
}

/// The payment of a just-confirmed order.
pub fn insert(
    c: &Connection,
    order_id: i64,
    method: PaymentMethod,
    amount: i64,
    status: PaymentStatus,
    at: &str,
) -> rusqlite::Result<()> {
    c.run(
        "INSERT INTO payments (order_id, method, amount, status, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
        params![order_id, method.as_str(), amount, status, at],
    )?;
    Ok(())
}

/// Moves the payment and its copy on the order together.
pub fn set_status(
    c: &Connection,
    order_id: i64,
    method: PaymentMethod,
    status: PaymentStatus,
    at: &str,
) -> rusqlite::Result<()> {
    c.run(
        "UPDATE payments SET method = ?2, status = ?3, updated_at = ?4 WHERE order_id = ?1",
        params![order_id, method.as_str(), status, at],
    )?;
    c.run(
        "UPDATE orders SET payment_method = ?2, payment_status = ?3, updated_at = ?4 WHERE id = ?1",
        params![order_id, method.as_str(), status, at],
    )?;
    Ok(())
}

/// Moves a cash payment still `pending` to `to` (collected or refused); false when it was
/// not a pending cash payment.
pub fn settle_cash(
    c: &Connection,
    order_id: i64,
    to: PaymentStatus,
    at: &str,
) -> rusqlite::Result<bool> {
    let n = c.run(
        "UPDATE payments SET status = ?3, updated_at = ?2 WHERE order_id = ?1 AND method = 'cod' AND status = 'pending'",
        params![order_id, at, to],
    )?;
    c.run(
        "UPDATE orders SET payment_status = ?3, updated_at = ?2 WHERE id = ?1 AND payment_method = 'cod' AND payment_status = 'pending'",
        params![order_id, at, to],
    )?;
    Ok(n == 1)
}

/// The order whose failed (or late) online payment waits for the customer's choice, cash or
/// a new link, with its payment status: `Failed`, or `AwaitingOnline` while the relay is
/// still retrying a delayed link. Only open orders count.
pub fn awaiting_choice(
    c: &Connection,
    customer_id: i64,
) -> rusqlite::Result<Option<(i64, PaymentStatus)>> {
    c.row(
        "SELECT o.id, o.payment_status FROM orders o WHERE o.customer_id = ?1 \
         AND o.status NOT IN ('cancelled', 'rejected', 'delivered') \
         AND (o.payment_status = 'failed' OR (o.payment_status = 'awaiting_online' AND EXISTS \
              (SELECT 1 FROM payment_attempts a WHERE a.order_id = o.id AND a.status = 'delayed'))) \
         ORDER BY o.id DESC LIMIT 1",
        params![customer_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
}

/// One checkout attempt as the relay's news finds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt {
    pub order_id: i64,
    pub status: AttemptStatus,
    pub method: Option<PaymentMethod>,
}

pub fn attempt(c: &Connection, id: &str) -> rusqlite::Result<Option<Attempt>> {
    c.row(
        "SELECT order_id, status, method FROM payment_attempts WHERE id = ?1",
        params![id],
        |r| {
            Ok(Attempt {
                order_id: r.get(0)?,
                status: r.get(1)?,
                method: PaymentMethod::parse(&r.get::<_, String>(2)?),
            })
        },
    )
    .optional()
}

/// A new attempt, `requested`; `id` is also its outbox item's id.
pub fn new_attempt(
    c: &Connection,
    id: &str,
    order_id: i64,
    method: PaymentMethod,
    amount: i64,
    at: &str,
) -> rusqlite::Result<()> {
    c.run(
        "INSERT INTO payment_attempts (id, order_id, method, amount, status, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, 'requested', ?5, ?5)",
        params![id, order_id, method.as_str(), amount, at],
    )?;
    Ok(())
}

/// What the relay reported about an attempt; the checkout's details are kept once known.
pub struct AttemptNews<'a> {
    pub status: AttemptStatus,
    pub checkout_id: Option<&'a str>,
    pub checkout_url: Option<&'a str>,
    pub expires_at: Option<&'a str>,
}

pub fn record_attempt(
    c: &Connection,
    id: &str,
    news: &AttemptNews<'_>,
    at: &str,
) -> rusqlite::Result<()> {
    c.run(
        "UPDATE payment_attempts SET status = ?2, checkout_id = coalesce(?3, checkout_id), \
         checkout_url = coalesce(?4, checkout_url), expires_at = coalesce(?5, expires_at), updated_at = ?6 WHERE id = ?1",
        params![id, news.status, news.checkout_id, news.checkout_url, news.expires_at, at],
    )?;
    Ok(())
}

/// Gives up the order's open attempts (`AttemptStatus::is_open`).
pub fn abandon_open_attempts(c: &Connection, order_id: i64, at: &str) -> rusqlite::Result<()> {
    c.run(
        "UPDATE payment_attempts SET status = 'abandoned', updated_at = ?2 WHERE order_id = ?1 AND status NOT IN ('paid', 'abandoned')",
        params![order_id, at],
    )?;
    Ok(())
}

/// Gives up the order's open attempts except `keep`.
pub fn abandon_other_attempts(
    c: &Connection,
    order_id: i64,
    keep: &str,
    at: &str,
) -> rusqlite::Result<()> {
    c.run(
        "UPDATE payment_attempts SET status = 'abandoned', updated_at = ?3 WHERE order_id = ?1 AND id <> ?2 AND status NOT IN ('paid', 'abandoned')",
        params![order_id, keep, at],
    )?;
    Ok(())
}

/// What the customer paid online for the order, if they did (cash is never refunded here).
pub fn paid_online(c: &Connection, order_id: i64) -> rusqlite::Result<Option<i64>> {
    c.row(
        "SELECT amount FROM payments WHERE order_id = ?1 AND status = 'paid' AND method <> 'cod'",
        params![order_id],
        |r| r.get(0),
    )
    .optional()
}

/// Records a refund to make; false when the order already has one.
pub fn insert_refund(
    c: &Connection,
    order_id: i64,
    amount: i64,
    reason: &str,
    by: &str,
    at: &str,
) -> rusqlite::Result<bool> {
    let n = c.run(
        "INSERT OR IGNORE INTO refunds (order_id, amount, reason, requested_by, requested_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![order_id, amount, reason, by, at],
    )?;
    Ok(n == 1)
}

/// Another attempt of the order already reached `paid` (the database allows one).
pub fn other_attempt_paid(
    c: &Connection,
    order_id: i64,
    attempt_id: &str,
) -> rusqlite::Result<bool> {
    c.row(
        "SELECT EXISTS (SELECT 1 FROM payment_attempts WHERE order_id = ?1 AND id <> ?2 AND status = 'paid')",
        params![order_id, attempt_id],
        |r| r.get(0),
    )
}

/// Adds money to give back to the order's refund: one row per order, so an outstanding
/// refund grows, and one already made is opened again for the new amount only.
pub fn add_refund(
    c: &Connection,
    order_id: i64,
    amount: i64,
    reason: &str,
    by: &str,
    at: &str,
) -> rusqlite::Result<()> {
    c.run(
        "INSERT INTO refunds (order_id, amount, reason, requested_by, requested_at) VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (order_id) DO UPDATE SET \
           amount = CASE WHEN done_at IS NULL THEN amount + excluded.amount ELSE excluded.amount END, \
           reason = CASE WHEN done_at IS NULL THEN reason || '; ' || excluded.reason ELSE excluded.reason END, \
           requested_by = excluded.requested_by, requested_at = excluded.requested_at, done_at = NULL, done_by = NULL",
        params![order_id, amount, reason, by, at],
    )?;
    Ok(())
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
pub fn outstanding_refunds(c: &Connection) -> rusqlite::Result<Vec<Refund>> {
    let mut st = c.prepare_cached(
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

/// False when there was no such outstanding refund.
pub fn refund_done(c: &Connection, id: i64, by: &str, at: &str) -> rusqlite::Result<bool> {
    Ok(c.run(
        "UPDATE refunds SET done_at = ?2, done_by = ?3 WHERE id = ?1 AND done_at IS NULL",
        params![id, at, by],
    )? == 1)
}
