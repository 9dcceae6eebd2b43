//! The delivery columns of `orders`: issues on the way, the promised window, the actual
//! delivery time, and the reads the board and analytics make of them.

use super::Cached;
use rusqlite::{params, Connection, Transaction};

/// Flags an open delivery order's address as unclear; false when the order is not an open
/// delivery.
pub fn flag_address_unclear(
    tx: &Transaction<'_>,
    order_id: i64,
    at: &str,
) -> rusqlite::Result<bool> {
    Ok(tx.run(
        "UPDATE orders SET delivery_issue = 'address_unclear', updated_at = ?2 WHERE id = ?1 AND fulfilment = 'delivery' \
         AND status NOT IN ('delivered', 'cancelled', 'rejected')",
        params![order_id, at],
    )? == 1)
}

/// The ETA of an open order (`None`: finished, unknown, or no ETA).
pub fn open_eta(tx: &Transaction<'_>, order_id: i64) -> Option<String> {
    tx.row(
        "SELECT eta FROM orders WHERE id = ?1 AND status NOT IN ('delivered', 'cancelled', 'rejected')",
        params![order_id],
        |r| r.get(0),
    )
    .ok()
    .flatten()
}

/// Moves the ETA and records the courier's delay; the promise stays for analytics.
pub fn courier_delayed(
    tx: &Transaction<'_>,
    order_id: i64,
    eta: &str,
    at: &str,
) -> rusqlite::Result<()> {
    tx.run(
        "UPDATE orders SET eta = ?2, delivery_issue = 'courier_delayed', updated_at = ?3 WHERE id = ?1",
        params![order_id, eta, at],
    )?;
    Ok(())
}

/// Sets the promised window (and the ETA with it) of an open order.
pub fn set_promise(
    tx: &Transaction<'_>,
    order_id: i64,
    promised: &str,
    at: &str,
) -> rusqlite::Result<bool> {
    Ok(tx.run(
        "UPDATE orders SET promised_at = ?2, eta = ?2, updated_at = ?3 WHERE id = ?1 AND status NOT IN ('delivered', 'cancelled', 'rejected')",
        params![order_id, promised, at],
    )? == 1)
}

/// Records when the order reached the customer (the first time only).
pub fn mark_delivered(tx: &Transaction<'_>, order_id: i64, at: &str) -> rusqlite::Result<()> {
    tx.run(
        "UPDATE orders SET delivered_at = coalesce(delivered_at, ?2) WHERE id = ?1",
        params![order_id, at],
    )?;
    Ok(())
}

/// Open orders due by `until`: (id, number, eta), soonest first.
pub fn open_due_by(conn: &Connection, until: &str) -> rusqlite::Result<Vec<(i64, String, String)>> {
    let mut st = conn.prepare_cached(
        "SELECT id, number, eta FROM orders INDEXED BY orders_open_by_eta \
         WHERE status NOT IN ('delivered', 'cancelled', 'rejected') AND eta <= ?1 ORDER BY eta",
    )?;
    let rows = st.query_map(params![until], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    rows.collect()
}

/// Orders delivered since `since` with a promise: (number, day, promised_at, delivered_at).
pub fn delivered_since(
    conn: &Connection,
    since: &str,
) -> rusqlite::Result<Vec<(String, String, String, String)>> {
    let mut st = conn.prepare_cached(
        "SELECT number, day, promised_at, delivered_at FROM orders \
         WHERE delivered_at IS NOT NULL AND delivered_at >= ?1 AND promised_at IS NOT NULL ORDER BY delivered_at",
    )?;
    let rows = st.query_map(params![since], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
    })?;
    rows.collect()
}
