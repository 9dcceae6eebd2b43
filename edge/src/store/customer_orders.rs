//! Orders seen from their customer's side: the latest one the conversation may talk about, a
//! cancellation by the customer, and what a message about an order needs (how to reach the
//! customer, in which language). `orders` writes new orders.

use crate::domain::menu::{Lang, PaymentMethod};
use crate::domain::orders::OrderStatus;
use crate::domain::payment::PaymentStatus;
use crate::store::Cached;
use rusqlite::{params, Connection, OptionalExtension};

/// The customer's most recent order, raw: the caller shows the ETA on the restaurant's clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Latest {
    pub id: i64,
    pub number: String,
    pub status: OrderStatus,
    /// RFC 3339 UTC.
    pub eta: Option<String>,
}

pub fn latest(c: &Connection, customer_id: i64) -> rusqlite::Result<Option<Latest>> {
    Ok(c.row(
        "SELECT id, number, status, eta FROM orders WHERE customer_id = ?1 ORDER BY id DESC LIMIT 1",
        params![customer_id],
        |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, Option<String>>(3)?)),
    )
    .optional()?
    .and_then(|(id, number, status, eta)| {
        Some(Latest {
            id,
            number,
            status: OrderStatus::parse(&status)?,
            eta,
        })
    }))
}

/// Cancels an order the restaurant has not accepted yet; false when it already had.
pub fn cancel_new(c: &Connection, order_id: i64, reason: &str, at: &str) -> rusqlite::Result<bool> {
    let n = c.run(
        "UPDATE orders SET status = 'cancelled', cancel_reason = ?3, updated_at = ?2 WHERE id = ?1 AND status = 'new'",
        params![order_id, at, reason],
    )?;
    Ok(n == 1)
}

/// An order and how to reach its customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerOrder {
    pub id: i64,
    pub customer_id: i64,
    pub number: String,
    pub day: String,
    pub total: i64,
    pub status: OrderStatus,
    pub method: PaymentMethod,
    pub payment: PaymentStatus,
    pub pickup: bool,
    pub lang: Lang,
    pub provider: String,
    pub account_id: String,
    pub user_id: String,
    /// Where the order came from: a chat channel, or `counter`/`phone` (nobody to message).
    pub source: String,
}

pub fn find(c: &Connection, order_id: i64) -> rusqlite::Result<Option<CustomerOrder>> {
    c.row(
        "SELECT o.id, o.number, o.day, o.total, o.payment_method, o.fulfilment, coalesce(c.lang, o.lang), \
                c.provider, coalesce(c.account_id, ''), c.user_id, o.source, o.customer_id, o.status, o.payment_status \
         FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.id = ?1",
        params![order_id],
        |r| {
            let status: String = r.get(12)?;
            Ok(CustomerOrder {
                id: r.get(0)?,
                number: r.get(1)?,
                day: r.get(2)?,
                total: r.get(3)?,
                method: PaymentMethod::parse(&r.get::<_, String>(4)?).unwrap_or(PaymentMethod::Cod),
                pickup: r.get::<_, String>(5)? == "pickup",
                lang: Lang::parse(&r.get::<_, String>(6)?).unwrap_or(Lang::Fr),
                provider: r.get(7)?,
                account_id: r.get(8)?,
                user_id: r.get(9)?,
                source: r.get(10)?,
                customer_id: r.get(11)?,
                status: OrderStatus::parse(&status).ok_or_else(|| {
                    rusqlite::Error::FromSqlConversionFailure(
                        12,
                        rusqlite::types::Type::Text,
                        format!("unknown order status {status:?}").into(),
                    )
                })?,
                payment: r.get(13)?,
            })
        },
    )
    .optional()
}
