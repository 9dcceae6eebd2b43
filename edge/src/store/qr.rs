//! The QR codes registered for table cards and flyers, with how many customers came through
//! each (from the funnel's `conversation_started` events).

use rusqlite::{params, Connection, OptionalExtension};

/// Registers the code for a prefilled text (normalised: one code per text), or updates it.
pub fn register(
    c: &Connection,
    text_norm: &str,
    label: &str,
    channel: &str,
    link: &str,
    now: &str,
    text: &str,
) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO qr_codes (text_norm, label, channel, link, created_at, text) VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
         ON CONFLICT (text_norm) DO UPDATE SET label = excluded.label, channel = excluded.channel, link = excluded.link, \
         text = excluded.text",
        params![text_norm, label, channel, link, now, text],
    )?;
    Ok(())
}

/// A registered code as the console lists it, with how many customers came through it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Card {
    /// The prefilled text the customer sends (what the card tells them to send).
    pub text: String,
    pub label: String,
    pub channel: String,
    pub link: String,
    pub created_at: String,
    /// Distinct customers whose conversation started from this code.
    pub scans: i64,
}

pub fn cards(c: &Connection) -> rusqlite::Result<Vec<Card>> {
    let mut st = c.prepare(
        "SELECT CASE q.text WHEN '' THEN q.text_norm ELSE q.text END, q.label, q.channel, q.link, q.created_at, \
           (SELECT count(DISTINCT f.customer_id) FROM funnel_events f \
             WHERE f.step = 'conversation_started' AND f.source = 'qr:' || q.label) \
         FROM qr_codes q ORDER BY q.created_at DESC",
    )?;
    let rows = st.query_map([], |r| {
        Ok(Card {
            text: r.get(0)?,
            label: r.get(1)?,
            channel: r.get(2)?,
            link: r.get(3)?,
            created_at: r.get(4)?,
            scans: r.get(5)?,
        })
    })?;
    rows.collect()
}

/// The link registered for this prefilled text, if any: printing goes through registration
/// so that every card handed out is counted in the funnel.
pub fn registered_link(c: &Connection, text: &str) -> rusqlite::Result<Option<String>> {
    c.query_row(
        "SELECT link FROM qr_codes WHERE text_norm = ?1",
        params![crate::domain::text::normalize(text)],
        |r| r.get(0),
    )
    .optional()
}
