//! Customers' media kept on the device (issue 16): which attachments are still wanted from
//! the relay, which are here (and where), which the relay could not fetch.

use crate::store::{now, Cached};
use rusqlite::{params, Connection, OptionalExtension};

/// An attachment still to download.
#[derive(Debug, Clone, PartialEq)]
pub struct WantedMedia {
    pub id: i64,
    pub msg_id: String,
    pub idx: u32,
    pub attempts: u32,
}

/// A file the console may serve.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaFile {
    pub path: String,
    pub mime_type: Option<String>,
}

/// Every attachment of an inbound message is wanted, in the message's own transaction.
pub fn want(
    c: &Connection,
    transcript_id: i64,
    msg: &resto_sync::InboundMessage,
) -> rusqlite::Result<()> {
    let at = now();
    for (idx, a) in msg.attachments.iter().enumerate() {
        if a.media_id.is_none() && a.url.is_none() {
            continue;
        }
        c.run(
            "INSERT OR IGNORE INTO media_files (transcript_id, msg_id, idx, kind, mime_type, \
             next_attempt_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
            params![
                transcript_id,
                msg.msg_id,
                idx as i64,
                a.kind,
                a.mime_type,
                at
            ],
        )?;
    }
    Ok(())
}

pub fn wanted(c: &Connection, limit: u32) -> rusqlite::Result<Vec<WantedMedia>> {
    let mut st = c.prepare_cached(
        "SELECT id, msg_id, idx, attempts FROM media_files \
         WHERE state = 'wanted' AND next_attempt_at <= ?1 ORDER BY id LIMIT ?2",
    )?;
    let rows = st.query_map(params![now(), limit], |r| {
        Ok(WantedMedia {
            id: r.get(0)?,
            msg_id: r.get(1)?,
            idx: r.get(2)?,
            attempts: r.get(3)?,
        })
    })?;
    rows.collect()
}

pub fn have(
    c: &Connection,
    id: i64,
    path: &str,
    mime_type: Option<&str>,
    size: u64,
) -> rusqlite::Result<()> {
    c.run(
        "UPDATE media_files SET state = 'have', path = ?2, mime_type = COALESCE(?3, mime_type), \
         size = ?4, error = NULL, fetched_at = ?5 WHERE id = ?1",
        params![id, path, mime_type, size as i64, now()],
    )?;
    Ok(())
}

/// Not yet (or a retryable failure): ask again at `next` (a store timestamp).
pub fn later(c: &Connection, id: i64, next: &str, error: Option<&str>) -> rusqlite::Result<()> {
    c.run(
        "UPDATE media_files SET attempts = attempts + 1, next_attempt_at = ?2, error = ?3 \
         WHERE id = ?1",
        params![id, next, error],
    )?;
    Ok(())
}

pub fn failed(c: &Connection, id: i64, error: &str) -> rusqlite::Result<()> {
    c.run(
        "UPDATE media_files SET state = 'failed', attempts = attempts + 1, error = ?2 WHERE id = ?1",
        params![id, error],
    )?;
    Ok(())
}

pub fn file(c: &Connection, id: i64) -> rusqlite::Result<Option<MediaFile>> {
    c.prepare_cached("SELECT path, mime_type FROM media_files WHERE id = ?1 AND state = 'have'")?
        .query_row(params![id], |r| {
            Ok(MediaFile {
                path: r.get(0)?,
                mime_type: r.get(1)?,
            })
        })
        .optional()
}

/// The chat customer a voice note came from, as the counter-order form is prefilled with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoiceNoteCustomer {
    pub customer_id: i64,
    /// `wa`, `ig` or `msg`: the order is answered in this chat.
    pub provider: String,
    pub name: Option<String>,
    /// The phone on file, else the WhatsApp id (a phone number in international form).
    pub phone: Option<String>,
    /// `fr` or `ar`, once the conversation settled on one.
    pub lang: Option<String>,
}

/// Who sent voice note `media_id` (a customer's inbound audio attachment); `None` for any
/// other media or an id this device does not know.
pub fn voice_note_customer(
    c: &Connection,
    media_id: i64,
) -> rusqlite::Result<Option<VoiceNoteCustomer>> {
    c.prepare_cached(
        "SELECT u.id, u.provider, u.display_name, \
         coalesce(u.phone, CASE WHEN u.provider = 'wa' AND u.account_id <> '' THEN u.user_id END), u.lang \
         FROM media_files m JOIN transcript t ON t.id = m.transcript_id JOIN customers u ON u.id = t.customer_id \
         WHERE m.id = ?1 AND m.kind = 'audio' AND t.direction = 'in'",
    )?
    .query_row(params![media_id], |r| {
        Ok(VoiceNoteCustomer {
            customer_id: r.get(0)?,
            provider: r.get(1)?,
            name: r.get(2)?,
            phone: r.get(3)?,
            lang: r.get(4)?,
        })
    })
    .optional()
}

/// The customer's latest voice note received after `after` and after their previous order:
/// the one a chat order placed now came from (the conversation that had it).
pub fn recent_voice_note(
    c: &Connection,
    customer_id: i64,
    after: &str,
) -> rusqlite::Result<Option<i64>> {
    c.prepare_cached(
        "SELECT m.id FROM transcript t JOIN media_files m ON m.transcript_id = t.id \
         WHERE t.customer_id = ?1 AND t.direction = 'in' AND m.kind = 'audio' AND t.at > ?2 \
         AND t.at > coalesce((SELECT max(created_at) FROM orders WHERE customer_id = ?1), '') \
         ORDER BY t.id DESC, m.idx LIMIT 1",
    )?
    .query_row(params![customer_id, after], |r| r.get(0))
    .optional()
}

/// Files older than `before` go (media retention); returns their paths to delete.
pub fn forget_before(c: &Connection, before: &str) -> rusqlite::Result<Vec<String>> {
    let paths: Vec<String> = c
        .prepare_cached(
            "SELECT path FROM media_files WHERE state = 'have' AND fetched_at < ?1 AND path IS NOT NULL",
        )?
        .query_map(params![before], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    c.run(
        "UPDATE media_files SET state = 'failed', path = NULL, error = 'removed after the media retention period' \
         WHERE state = 'have' AND fetched_at < ?1",
        params![before],
    )?;
    Ok(paths)
}
