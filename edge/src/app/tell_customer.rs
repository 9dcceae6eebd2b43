//! Telling a customer about their order outside the conversation (payment news, delivery
//! issues): the text goes through the same outbox as the bot's replies, in the caller's
//! transaction.

use crate::store::{customer_orders, outbox};
use resto_sync::outbound::{OutgoingMessage, SendMessage};
use resto_sync::Provider;
use rusqlite::{Connection, Transaction};

/// An order and how to reach its customer.
pub use crate::store::customer_orders::CustomerOrder as Order;

pub fn order(tx: &Connection, order_id: i64) -> rusqlite::Result<Option<Order>> {
    customer_orders::find(tx, order_id)
}

/// Queues a text to the order's customer (same outbox as the conversation's replies) and
/// shows it in the console's transcript as the restaurant's. False when there is no chat.
pub fn tell(tx: &Transaction<'_>, o: &Order, text: String, at: &str) -> rusqlite::Result<bool> {
    // Orders taken at the counter or by phone have no chat to answer in.
    let (Some(provider), Some(_)) = (Provider::parse(&o.provider), Provider::parse(&o.source))
    else {
        return Ok(false);
    };
    let send = SendMessage {
        provider,
        account_id: o.account_id.clone(),
        to: o.user_id.clone(),
        correlation_id: None,
        message: OutgoingMessage::Text { text },
    };
    outbox::queue_reply(tx, o.customer_id, "restaurant", &send, at)?;
    Ok(true)
}
