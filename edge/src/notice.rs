//! Telling a customer about their order outside the conversation (payment news, delivery
//! issues): the text goes through the same outbox as the bot's replies, in the caller's
//! transaction.

use crate::menu::{Lang, PaymentMethod};
use crate::store::Cached;
use resto_sync::outbound::{OutgoingMessage, SendMessage};
use resto_sync::Provider;
use rusqlite::{params, Connection, OptionalExtension, Transaction};

/// An order and how to reach its customer.
pub struct Order {
    pub id: i64,
    pub customer_id: i64,
    pub number: String,
    pub day: String,
    pub total: i64,
    pub method: PaymentMethod,
    pub pickup: bool,
    pub lang: Lang,
    pub provider: String,
    pub account_id: String,
    pub user_id: String,
    /// Where the order came from: a chat channel, or `counter`/`phone` (nobody to message).
    pub source: String,
}

pub fn order(tx: &Connection, order_id: i64) -> rusqlite::Result<Option<Order>> {
    tx.row(
        "SELECT o.id, o.number, o.day, o.total, o.payment_method, o.fulfilment, coalesce(c.lang, o.lang), \
                c.provider, coalesce(c.account_id, ''), c.user_id, o.source, o.customer_id \
         FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.id = ?1",
        params![order_id],
        |r| {
            Ok(Order {
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
            })
        },
    )
    .optional()
}

/// Queues a text to the order's customer (same outbox as the conversation's replies) and
/// shows it in the console's transcript as the restaurant's. False when there is no chat.
pub fn tell(tx: &Transaction<'_>, o: &Order, text: String, at: &str) -> rusqlite::Result<bool> {
    // Orders taken at the counter or by phone have no chat to answer in.
    let (Some(provider), Some(_)) = (Provider::parse(&o.provider), Provider::parse(&o.source))
    else {
        return Ok(false);
    };
    let message = OutgoingMessage::Text { text };
    let send = SendMessage {
        provider,
        account_id: o.account_id.clone(),
        to: o.user_id.clone(),
        correlation_id: None,
        message: message.clone(),
    };
    crate::chat::queue_message(tx, &send, at)?;
    crate::transcript::record_out(tx, o.customer_id, "restaurant", &message, at)?;
    Ok(true)
}
