//! Each customer's conversation with the bot: the engine's state (JSON the engine owns), the
//! cart kept beside it, and what staff see of it (unread count, takeover, last activity).

use crate::store::Cached;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::Serialize;

/// A conversation as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// The engine's state as JSON.
    pub state: String,
    /// Staff took the conversation over: the bot stays quiet.
    pub bot_paused: bool,
    pub last_activity: String,
}

pub fn load(c: &Connection, customer_id: i64) -> rusqlite::Result<Option<Stored>> {
    c.row(
        "SELECT state, bot_paused, last_activity FROM conversations WHERE customer_id = ?1",
        params![customer_id],
        |r| {
            Ok(Stored {
                state: r.get(0)?,
                bot_paused: r.get(1)?,
                last_activity: r.get(2)?,
            })
        },
    )
    .optional()
}

/// A message for staff to read, the conversation otherwise unchanged. Only for a
/// conversation that exists; `keep_for_staff` creates it when needed.
pub fn note_unread(c: &Connection, customer_id: i64, at: &str) -> rusqlite::Result<()> {
    c.run(
        "UPDATE conversations SET unread = unread + 1, last_activity = ?2 WHERE customer_id = ?1",
        params![customer_id, at],
    )?;
    Ok(())
}

/// Like `note_unread`, creating the conversation with `state` (JSON) when it is the
/// customer's first message; an existing state is left as it was.
pub fn keep_for_staff(
    c: &Connection,
    customer_id: i64,
    stage: &str,
    state: &str,
    at: &str,
) -> rusqlite::Result<()> {
    c.run(
        "INSERT INTO conversations (customer_id, stage, state, unread, last_activity) VALUES (?1, ?2, ?3, 1, ?4) \
         ON CONFLICT (customer_id) DO UPDATE SET unread = conversations.unread + 1, last_activity = excluded.last_activity",
        params![customer_id, stage, state, at],
    )?;
    Ok(())
}

/// Writes the state after a bot step. A handoff request stays set until staff clear it.
pub fn save(
    c: &Connection,
    customer_id: i64,
    stage: &str,
    state: &str,
    handoff_requested: bool,
    at: &str,
) -> rusqlite::Result<()> {
    c.run(
        "INSERT INTO conversations (customer_id, stage, state, handoff_requested, unread, last_activity) VALUES (?1, ?2, ?3, ?4, 1, ?5) \
         ON CONFLICT (customer_id) DO UPDATE SET stage = excluded.stage, state = excluded.state, \
         handoff_requested = max(conversations.handoff_requested, excluded.handoff_requested), \
         unread = conversations.unread + 1, last_activity = excluded.last_activity",
        params![customer_id, stage, state, handoff_requested, at],
    )?;
    Ok(())
}

/// The cart's lines as JSON.
pub fn cart(c: &Connection, customer_id: i64) -> rusqlite::Result<Option<String>> {
    c.row(
        "SELECT lines FROM carts WHERE customer_id = ?1",
        params![customer_id],
        |r| r.get(0),
    )
    .optional()
}

pub fn save_cart(c: &Connection, customer_id: i64, lines: &str, at: &str) -> rusqlite::Result<()> {
    c.run(
        "INSERT INTO carts (customer_id, lines, updated_at) VALUES (?1, ?2, ?3) \
         ON CONFLICT (customer_id) DO UPDATE SET lines = excluded.lines, updated_at = excluded.updated_at",
        params![customer_id, lines, at],
    )?;
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
pub struct ConversationRow {
    pub customer_id: i64,
    pub name: String,
    pub provider: String,
    /// The phone on file, else the WhatsApp id (a phone number): prefills a voice-note order.
    pub phone: Option<String>,
    pub lang: Option<String>,
    pub stage: String,
    pub bot_paused: bool,
    pub handoff_requested: bool,
    pub unread: i64,
    pub last_activity: String,
    pub last_message: Option<String>,
    /// The bot does not answer them (spam or abuse); the reason is on the security page.
    pub quarantined: bool,
    /// The customer wrote STOP (or stopped marketing in WhatsApp): replies and order news only.
    pub opted_out: bool,
}

/// The conversations list staff see: most recent first, customers waiting for a human
/// first of all.
pub fn staff_list(c: &Connection, limit: u32) -> rusqlite::Result<Vec<ConversationRow>> {
    let mut st = c.prepare_cached(
        "SELECT v.customer_id, coalesce(c.display_name, c.phone, c.user_id), c.provider, c.lang, v.stage, v.bot_paused, \
         v.handoff_requested, v.unread, v.last_activity, \
         (SELECT coalesce(body, '[' || kind || ']') FROM transcript t WHERE t.customer_id = v.customer_id ORDER BY id DESC LIMIT 1), \
         EXISTS (SELECT 1 FROM quarantines q WHERE q.customer_id = v.customer_id AND q.released_at IS NULL \
                 AND (q.until IS NULL OR q.until > strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))), \
         EXISTS (SELECT 1 FROM json_each(c.flags) WHERE value = 'opted_out'), \
         coalesce(c.phone, CASE WHEN c.provider = 'wa' AND c.account_id <> '' AND c.user_id NOT LIKE '%.%' THEN c.user_id END) \
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
            opted_out: r.get(11)?,
            phone: r.get(12)?,
        })
    })?;
    rows.collect()
}

/// Pauses (staff answer) or resumes the bot; either way the handoff request is served.
/// False when there is no such conversation.
pub fn set_bot_paused(
    tx: &Transaction<'_>,
    customer_id: i64,
    paused: bool,
) -> rusqlite::Result<bool> {
    Ok(tx.run(
        "UPDATE conversations SET bot_paused = ?2, handoff_requested = 0 WHERE customer_id = ?1",
        params![customer_id, paused],
    )? == 1)
}

/// False when there is no such conversation.
pub fn mark_read(tx: &Transaction<'_>, customer_id: i64) -> rusqlite::Result<bool> {
    Ok(tx.run(
        "UPDATE conversations SET unread = 0 WHERE customer_id = ?1",
        params![customer_id],
    )? == 1)
}

/// Where to write to a customer: (provider, account id, user id, bot paused).
pub fn chat_address(
    tx: &Transaction<'_>,
    customer_id: i64,
) -> rusqlite::Result<Option<(String, String, String, bool)>> {
    tx.row(
        "SELECT c.provider, c.account_id, c.user_id, v.bot_paused FROM customers c \
         JOIN conversations v ON v.customer_id = c.id WHERE c.id = ?1",
        params![customer_id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )
    .optional()
}

pub fn answered_by_staff(tx: &Transaction<'_>, customer_id: i64, at: &str) -> rusqlite::Result<()> {
    tx.run(
        "UPDATE conversations SET unread = 0, last_activity = ?2 WHERE customer_id = ?1",
        params![customer_id, at],
    )?;
    Ok(())
}

/// Customer messages no staff member has read yet, over all conversations.
pub fn unread_total(c: &Connection) -> rusqlite::Result<i64> {
    c.row(
        "SELECT coalesce(sum(unread), 0) FROM conversations",
        [],
        |r| r.get(0),
    )
}
