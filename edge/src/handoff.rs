//! Staff taking a conversation over from the bot, answering through the outbox, and handing
//! it back. The bot stays quiet while `bot_paused` is set (see `chat::handle_message`).

use crate::chat::queue_message;
use crate::transcript;
use resto_sync::outbound::{OutgoingMessage, SendMessage};
use resto_sync::Provider;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::Serialize;

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

#[derive(Debug, Clone, Serialize)]
pub struct ConversationRow {
    pub customer_id: i64,
    pub name: String,
    pub provider: String,
    pub lang: Option<String>,
    pub stage: String,
    pub bot_paused: bool,
    pub handoff_requested: bool,
    pub unread: i64,
    pub last_activity: String,
    pub last_message: Option<String>,
    /// The bot does not answer them (spam or abuse); the reason is on the security page.
    pub quarantined: bool,
}

/// Most recent first; customers waiting for a human come first of all.
pub fn list(c: &Connection, limit: u32) -> rusqlite::Result<Vec<ConversationRow>> {
    let mut st = c.prepare_cached(
        "SELECT v.customer_id, coalesce(c.display_name, c.phone, c.user_id), c.provider, c.lang, v.stage, v.bot_paused, \
         v.handoff_requested, v.unread, v.last_activity, \
         (SELECT coalesce(body, '[' || kind || ']') FROM transcript t WHERE t.customer_id = v.customer_id ORDER BY id DESC LIMIT 1), \
         EXISTS (SELECT 1 FROM quarantines q WHERE q.customer_id = v.customer_id AND q.released_at IS NULL \
                 AND (q.until IS NULL OR q.until > strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))) \
         FROM conversations v JOIN customers c ON c.id = v.customer_id \
         ORDER BY v.handoff_requested DESC, v.last_activity DESC LIMIT ?1",
    )?;
    let rows = st.query_map(params![limit], |r| {
        Ok(ConversationRow {
            customer_id: r.get(0)?,
            name: r.get(1)?,
            provider: r.get(2)?,
            lang: r.get(3)?,
            stage: r.get(4)?,
            bot_paused: r.get(5)?,
            handoff_requested: r.get(6)?,
            unread: r.get(7)?,
            last_activity: r.get(8)?,
            last_message: r.get(9)?,
            quarantined: r.get(10)?,
        })
    })?;
    rows.collect()
}

pub fn get(c: &Connection, customer_id: i64) -> Result<ConversationRow, HandoffError> {
    list(c, 10_000)?
        .into_iter()
        .find(|r| r.customer_id == customer_id)
        .ok_or(HandoffError::NotFound(customer_id))
}

fn update(tx: &Transaction<'_>, customer_id: i64, sql: &str) -> Result<(), HandoffError> {
    if tx.execute(sql, params![customer_id])? == 0 {
        return Err(HandoffError::NotFound(customer_id));
    }
    Ok(())
}

/// Staff answer from now on: the bot is paused and the handoff request is being served.
pub fn take_over(tx: &Transaction<'_>, customer_id: i64) -> Result<(), HandoffError> {
    update(
        tx,
        customer_id,
        "UPDATE conversations SET bot_paused = 1, handoff_requested = 0 WHERE customer_id = ?1",
    )
}

/// The bot answers again.
pub fn hand_back(tx: &Transaction<'_>, customer_id: i64) -> Result<(), HandoffError> {
    update(
        tx,
        customer_id,
        "UPDATE conversations SET bot_paused = 0, handoff_requested = 0 WHERE customer_id = ?1",
    )
}

pub fn mark_read(tx: &Transaction<'_>, customer_id: i64) -> Result<(), HandoffError> {
    update(
        tx,
        customer_id,
        "UPDATE conversations SET unread = 0 WHERE customer_id = ?1",
    )
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
    let row: Option<(String, String, String, bool)> = tx
        .query_row(
            "SELECT c.provider, c.account_id, c.user_id, v.bot_paused FROM customers c \
             JOIN conversations v ON v.customer_id = c.id WHERE c.id = ?1",
            params![customer_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
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
    queue_message(
        tx,
        &SendMessage {
            provider,
            account_id,
            to,
            correlation_id: None,
            message: message.clone(),
        },
        at,
    )?;
    transcript::record_out(
        tx,
        customer_id,
        &format!("staff:{staff_name}"),
        &message,
        at,
    )?;
    tx.execute(
        "UPDATE conversations SET unread = 0, last_activity = ?2 WHERE customer_id = ?1",
        params![customer_id, at],
    )?;
    Ok(())
}
