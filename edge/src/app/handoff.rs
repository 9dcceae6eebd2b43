//! Staff taking a conversation over from the bot, answering through the outbox, and handing
//! it back. The bot stays quiet while `bot_paused` is set (see `chat::handle_message`).

use crate::store::conversations as store;
use crate::store::outbox::queue_reply;
use resto_sync::outbound::{OutgoingMessage, SendMessage};
use resto_sync::Provider;
use rusqlite::{Connection, Transaction};

#[derive(Debug, thiserror::Error)]
pub enum HandoffError {
    #[error("conversation {0} does not exist; reload the list")]
    NotFound(i64),
    #[error(
        "take the conversation over before answering, so the bot does not talk at the same time"
    )]
    NotTakenOver,
    #[error("{0}")]
    Invalid(String),
    #[error("database error: {0}")]
    Db(#[from] rusqlite::Error),
}

pub use crate::store::conversations::ConversationRow;

/// Most recent first; customers waiting for a human come first of all.
pub fn list(c: &Connection, limit: u32) -> rusqlite::Result<Vec<ConversationRow>> {
    store::staff_list(c, limit)
}

pub fn get(c: &Connection, customer_id: i64) -> Result<ConversationRow, HandoffError> {
    list(c, 10_000)?
        .into_iter()
        .find(|r| r.customer_id == customer_id)
        .ok_or(HandoffError::NotFound(customer_id))
}

fn found(changed: bool, customer_id: i64) -> Result<(), HandoffError> {
    if changed {
        Ok(())
    } else {
        Err(HandoffError::NotFound(customer_id))
    }
}

/// Staff answer from now on: the bot is paused and the handoff request is being served.
pub fn take_over(tx: &Transaction<'_>, customer_id: i64) -> Result<(), HandoffError> {
    found(store::set_bot_paused(tx, customer_id, true)?, customer_id)
}

/// The bot answers again.
pub fn hand_back(tx: &Transaction<'_>, customer_id: i64) -> Result<(), HandoffError> {
    found(store::set_bot_paused(tx, customer_id, false)?, customer_id)
}

pub fn mark_read(tx: &Transaction<'_>, customer_id: i64) -> Result<(), HandoffError> {
    found(store::mark_read(tx, customer_id)?, customer_id)
}

/// Queues a staff message to the customer (outbox → relay → Meta) and records it.
pub fn reply(
    tx: &Transaction<'_>,
    customer_id: i64,
    staff_name: &str,
    text: &str,
    at: &str,
) -> Result<(), HandoffError> {
    let text = text.trim();
    let message = OutgoingMessage::Text {
        text: text.to_string(),
    };
    message
        .check()
        .map_err(|e| HandoffError::Invalid(format!("the message cannot be sent: {e}")))?;
    let row = store::chat_address(tx, customer_id)?;
    let (provider, account_id, to, paused) = row.ok_or(HandoffError::NotFound(customer_id))?;
    if !paused {
        return Err(HandoffError::NotTakenOver);
    }
    let provider = Provider::parse(&provider).ok_or(HandoffError::NotFound(customer_id))?;
    if account_id.is_empty() {
        return Err(HandoffError::Invalid(
            "this customer came to the counter or phoned: there is no chat to answer".into(),
        ));
    }
    queue_reply(
        tx,
        customer_id,
        &format!("staff:{staff_name}"),
        &SendMessage {
            provider,
            account_id,
            to,
            correlation_id: None,
            message,
        },
        at,
    )?;
    store::answered_by_staff(tx, customer_id, at)?;
    Ok(())
}
