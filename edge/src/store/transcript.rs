//! The conversation as staff see it: every customer message (text or not) and every answer
//! (bot, staff, order notices), written in the same transaction as the message itself.

use crate::store::Cached;
use resto_sync::outbound::OutgoingMessage;
use resto_sync::InboundMessage;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

pub fn record_in(
    c: &Connection,
    customer_id: i64,
    msg: &InboundMessage,
    at: &str,
) -> rusqlite::Result<()> {
    let body = msg.text.clone().or_else(|| {
        msg.location.as_ref().map(|l| {
            let place = l
                .name
                .clone()
                .or_else(|| l.address.clone())
                .unwrap_or_default();
            format!("{place} ({:.5}, {:.5})", l.latitude, l.longitude)
                .trim()
                .to_string()
        })
    });
    // WhatsApp media URLs only open with the business token (the relay would have to fetch
    // them), so staff see a placeholder; Instagram and Messenger CDN URLs open as they are.
    let attachments: Vec<resto_sync::Attachment> = msg
        .attachments
        .iter()
        .cloned()
        .map(|mut a| {
            if msg.provider == resto_sync::Provider::Wa {
                a.url = None;
            }
            a
        })
        .collect();
    let media =
        (!attachments.is_empty()).then(|| serde_json::to_string(&attachments).unwrap_or_default());
    c.run(
        "INSERT INTO transcript (customer_id, direction, author, kind, body, media, at, msg_id) VALUES (?1, 'in', 'customer', ?2, ?3, ?4, ?5, ?6)",
        params![customer_id, msg.kind.as_str(), body, media, at, msg.msg_id],
    )?;
    crate::store::media::want(c, c.last_insert_rowid(), msg)
}

/// Applies a customer's edit or unsend to the line of their message; false when that line is
/// not here (sent before this version, or purged).
pub fn revise(
    c: &Connection,
    customer_id: i64,
    rev: &crate::domain::revision::Revision,
) -> rusqlite::Result<bool> {
    use crate::domain::revision::Revision;
    let n = match rev {
        Revision::Edited { original, text } => c.run(
            "UPDATE transcript SET body = ?3, revision = 'edited' \
             WHERE customer_id = ?1 AND msg_id = ?2 AND coalesce(revision, '') <> 'deleted'",
            params![customer_id, original, text],
        )?,
        Revision::Deleted { original } => c.run(
            "UPDATE transcript SET body = NULL, revision = 'deleted' \
             WHERE customer_id = ?1 AND msg_id = ?2",
            params![customer_id, original],
        )?,
    };
    Ok(n > 0)
}

/// A reply as staff see it; `outbox_id` is the item that carries it (see `outbox::queue_reply`).
/// The relay could not deliver the reply carried by `outbox_id`: its line says why, and the
/// customer's conversation is raised for staff. False when no line carries it.
pub fn mark_undelivered(
    c: &Connection,
    outbox_id: &str,
    why: &str,
    at: &str,
) -> rusqlite::Result<bool> {
    let customer: Option<i64> = c
        .prepare_cached(
            "UPDATE transcript SET undelivered = ?2 WHERE outbox_id = ?1 RETURNING customer_id",
        )?
        .query_row(params![outbox_id, why], |r| r.get(0))
        .optional()?;
    if let Some(id) = customer {
        crate::store::conversations::note_unread(c, id, at)?;
    }
    Ok(customer.is_some())
}

pub fn record_out(
    c: &Connection,
    customer_id: i64,
    author: &str,
    m: &OutgoingMessage,
    at: &str,
    outbox_id: &str,
) -> rusqlite::Result<()> {
    let (kind, body) = match m {
        OutgoingMessage::Text { text } => ("text", text.clone()),
        OutgoingMessage::Buttons { text, buttons } => (
            "buttons",
            format!(
                "{text}\n{}",
                buttons
                    .iter()
                    .map(|b| format!("[{}]", b.title))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
        ),
        OutgoingMessage::List { text, sections, .. } => (
            "list",
            format!(
                "{text}\n{}",
                sections
                    .iter()
                    .flat_map(|s| &s.rows)
                    .map(|r| format!("• {}", r.title))
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
        ),
        OutgoingMessage::Template { name, .. } => ("template", name.clone()),
    };
    c.run(
        "INSERT INTO transcript (customer_id, direction, author, kind, body, at, outbox_id) VALUES (?1, 'out', ?2, ?3, ?4, ?5, ?6)",
        params![customer_id, author, kind, body, at, outbox_id],
    )?;
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub id: i64,
    pub direction: String,
    pub author: String,
    pub kind: String,
    pub body: Option<String>,
    pub media: Vec<Media>,
    pub at: String,
    /// `edited` or `deleted` when the customer changed the message afterwards.
    pub revision: Option<String>,
    /// Why the relay could not deliver this reply, when it could not.
    pub undelivered: Option<String>,
}

/// A media item as the console shows it: the device's own copy once the relay fetched it
/// (`/api/media/<id>`), else a CDN URL the relay passed, else a placeholder naming the kind.
#[derive(Debug, Clone, Serialize)]
pub struct Media {
    /// The device's row for it (`media_files.id`): what a voice-note order names.
    pub id: Option<i64>,
    pub kind: String,
    pub url: Option<String>,
    pub mime_type: Option<String>,
    pub voice: bool,
    /// `here` (on the device), `fetching` (asked from the relay), `failed`, or `none`.
    pub state: &'static str,
    /// Why it is not here, when it failed.
    pub error: Option<String>,
}

/// The last `limit` entries, oldest first.
pub fn list(c: &Connection, customer_id: i64, limit: u32) -> rusqlite::Result<Vec<Entry>> {
    let mut st = c.prepare_cached(
        "SELECT id, direction, author, kind, body, media, at, revision, undelivered FROM \
         (SELECT * FROM transcript WHERE customer_id = ?1 ORDER BY id DESC LIMIT ?2) ORDER BY id",
    )?;
    let rows = st.query_map(params![customer_id, limit], |r| {
        let media: Option<String> = r.get(5)?;
        let attachments = media
            .and_then(|m| serde_json::from_str::<Vec<resto_sync::Attachment>>(&m).ok())
            .unwrap_or_default();
        Ok((
            Entry {
                id: r.get(0)?,
                direction: r.get(1)?,
                author: r.get(2)?,
                kind: r.get(3)?,
                body: r.get(4)?,
                media: Vec::new(),
                at: r.get(6)?,
                revision: r.get(7)?,
                undelivered: r.get(8)?,
            },
            attachments,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (mut entry, attachments) = row?;
        if !attachments.is_empty() {
            let copies = local_copies(c, entry.id)?;
            entry.media = attachments
                .into_iter()
                .enumerate()
                .map(|(i, a)| {
                    let copy = copies.iter().find(|(idx, ..)| *idx == i as i64);
                    let cdn = a.url.filter(|u| u.starts_with("https://"));
                    let (url, state, error) = match copy {
                        Some((_, id, st, _)) if st == "have" => {
                            (Some(format!("/api/media/{id}")), "here", None)
                        }
                        Some((_, _, st, err)) if st == "failed" => (cdn, "failed", err.clone()),
                        Some(_) => (cdn, "fetching", None),
                        None => (cdn, "none", None),
                    };
                    Media {
                        id: copy.map(|(_, id, ..)| *id),
                        url,
                        kind: a.kind,
                        mime_type: a.mime_type,
                        voice: a.voice.unwrap_or(false),
                        state,
                        error,
                    }
                })
                .collect();
        }
        out.push(entry);
    }
    Ok(out)
}

/// (attachment index, media file id, state, error) of one transcript entry's media.
type LocalCopy = (i64, i64, String, Option<String>);

fn local_copies(c: &Connection, transcript_id: i64) -> rusqlite::Result<Vec<LocalCopy>> {
    c.prepare_cached("SELECT idx, id, state, error FROM media_files WHERE transcript_id = ?1")?
        .query_map(params![transcript_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect()
}
