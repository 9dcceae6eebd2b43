//! The outbox: what the edge asks of the relay (messages to customers, checkouts), written in
//! the transaction of the change that caused it and drained by the sync worker.

use crate::store::Cached;
use resto_sync::outbound::{OutboxItem, SendMessage};
use resto_sync::payment::{CreateCheckout, CREATE_CHECKOUT};
use rusqlite::{params, Connection, Transaction};

/// Queues a message to a customer and writes it in their transcript as `author`'s, linked to
/// its outbox item so a delivery failure reported later shows on that line.
pub fn queue_reply(
    tx: &Transaction<'_>,
    customer_id: i64,
    author: &str,
    m: &SendMessage,
    at: &str,
) -> rusqlite::Result<()> {
    let id = ulid::Ulid::new().to_string();
    tx.run(
        "INSERT INTO outbox (id, kind, created_at, payload) VALUES (?1, 'send_message', ?2, ?3)",
        params![id, at, serde_json::to_string(m).unwrap_or_default()],
    )?;
    crate::store::transcript::record_out(tx, customer_id, author, &m.message, at, &id)
}

/// Adds a `create_checkout` row; `id` is the attempt's id, which the relay dedupes on.
pub fn queue_checkout(
    c: &Connection,
    id: &str,
    req: &CreateCheckout,
    at: &str,
) -> rusqlite::Result<()> {
    c.run(
        "INSERT INTO outbox (id, kind, created_at, payload) VALUES (?1, ?2, ?3, ?4)",
        params![
            id,
            CREATE_CHECKOUT,
            at,
            serde_json::to_string(req).unwrap_or_default()
        ],
    )?;
    Ok(())
}

/// The `limit` oldest items, in creation order: what the drain sends next.
pub fn oldest(c: &Connection, limit: u32) -> rusqlite::Result<Vec<OutboxItem>> {
    let mut st =
        c.prepare_cached("SELECT id, kind, created_at, payload FROM outbox ORDER BY seq LIMIT ?1")?;
    let rows = st.query_map(params![limit], |r| {
        let payload: String = r.get(3)?;
        Ok(OutboxItem {
            id: r.get(0)?,
            kind: r.get(1)?,
            created_at: r.get(2)?,
            payload: serde_json::from_str(&payload).unwrap_or_default(),
        })
    })?;
    rows.collect()
}

/// Forgets items the relay accepted (or had already).
pub fn delete_sent(tx: &Transaction<'_>, ids: &[String]) -> rusqlite::Result<()> {
    for id in ids {
        tx.run("DELETE FROM outbox WHERE id = ?1", params![id])?;
    }
    Ok(())
}
