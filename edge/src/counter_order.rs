//! Orders taken at the counter or on the phone, entered from the console. They need neither
//! the relay nor the internet: they are rows in the same store as chat orders.

use crate::chat::PICKUP_MINUTES;
use crate::order_board::{fmt_ts, restaurant_offset, BoardError};
use crate::orders::order_number;
use chrono::{DateTime, Duration, Utc};
use rusqlite::{params, OptionalExtension, Transaction};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct CounterOrder {
    /// `counter` or `phone`.
    pub source: String,
    #[serde(default)]
    pub customer_name: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    pub lines: Vec<CounterLine>,
    /// `pickup` or `delivery`.
    pub fulfilment: String,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub eta_minutes: Option<u32>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CounterLine {
    pub sku: String,
    pub qty: u32,
}

/// Checks the order against the menu; every problem is listed.
fn check(o: &CounterOrder) -> Vec<String> {
    let mut p = Vec::new();
    if !matches!(o.source.as_str(), "counter" | "phone") {
        p.push("source must be counter or phone".into());
    }
    if o.lines.is_empty() {
        p.push("add at least one item".into());
    }
    if o.lines.iter().any(|l| !(1..=50).contains(&l.qty)) {
        p.push("quantities must be 1 to 50".into());
    }
    match o.fulfilment.as_str() {
        "pickup" => {}
        "delivery" if o.address.as_deref().is_some_and(|a| !a.trim().is_empty()) => {}
        "delivery" => p.push("a delivery needs an address".into()),
        _ => p.push("fulfilment must be pickup or delivery".into()),
    }
    if o.eta_minutes.is_some_and(|m| !(1..=600).contains(&m)) {
        p.push("the ETA must be 1 to 600 minutes".into());
    }
    p
}

/// Places the order as `new` (staff accept it like any other); returns its id and number.
pub fn place(
    tx: &Transaction<'_>,
    o: &CounterOrder,
    now: DateTime<Utc>,
) -> Result<(i64, String), BoardError> {
    let mut problems = check(o);
    let mut lines = Vec::new();
    for l in &o.lines {
        let item: Option<(String, i64, bool)> = tx
            .query_row(
                "SELECT name_fr, price, available FROM menu_items WHERE sku = ?1",
                params![l.sku],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        match item {
            Some((_, _, false)) => problems.push(format!("{} is marked unavailable", l.sku)),
            Some((name, price, true)) => lines.push((l, name, price)),
            None => problems.push(format!("{} is not on the menu", l.sku)),
        }
    }
    if !problems.is_empty() {
        return Err(BoardError::Invalid(problems.join("; ")));
    }
    let at = fmt_ts(now);
    let phone = o.phone.as_deref().map(str::trim).filter(|p| !p.is_empty());
    // Walk-in customers live beside chat customers; `account_id` is empty (no chat to
    // write to) and the key is the phone number when one was given.
    let user_id = match phone {
        Some(p) => format!("{}:{p}", o.source),
        None => format!("{}:{}", o.source, ulid::Ulid::new()),
    };
    tx.execute(
        "INSERT INTO customers (provider, user_id, account_id, display_name, phone, flags, created_at) \
         VALUES ('wa', ?1, '', ?2, ?3, '[\"walk_in\"]', ?4) \
         ON CONFLICT (provider, user_id) DO UPDATE SET display_name = coalesce(excluded.display_name, customers.display_name)",
        params![user_id, o.customer_name.as_deref().map(str::trim).filter(|n| !n.is_empty()), phone, at],
    )?;
    let customer_id: i64 = tx.query_row(
        "SELECT id FROM customers WHERE provider = 'wa' AND user_id = ?1",
        params![user_id],
        |r| r.get(0),
    )?;
    let day = now
        .with_timezone(&restaurant_offset(tx)?)
        .date_naive()
        .to_string();
    let daily_seq: i64 = tx.query_row(
        "SELECT coalesce(max(daily_seq), 0) + 1 FROM orders WHERE day = ?1",
        params![day],
        |r| r.get(0),
    )?;
    let number = order_number(daily_seq as u32);
    let subtotal: i64 = lines.iter().map(|(l, _, p)| p * l.qty as i64).sum();
    let lang: String = tx
        .query_row(
            "SELECT default_language FROM restaurant WHERE id = 1",
            [],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or_else(|| "fr".into());
    let eta = fmt_ts(now + Duration::minutes(o.eta_minutes.unwrap_or(PICKUP_MINUTES) as i64));
    let address = (o.fulfilment == "delivery").then(|| o.address.clone().unwrap_or_default());
    tx.execute(
        "INSERT INTO orders (number, day, daily_seq, customer_id, status, subtotal, delivery_fee, total, fulfilment, address, \
         payment_method, payment_status, eta, lang, source, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, 'new', ?5, 0, ?5, ?6, ?7, 'cod', 'pending', ?8, ?9, ?10, ?11, ?11)",
        params![number, day, daily_seq, customer_id, subtotal, o.fulfilment, address, eta, lang, o.source, at],
    )?;
    let order_id = tx.last_insert_rowid();
    // Paid like any cash order (collected on delivery), with the same promise on record.
    tx.execute(
        "UPDATE orders SET promised_at = eta WHERE id = ?1",
        params![order_id],
    )?;
    crate::payments::on_order_placed(tx, order_id, now)?;
    for (i, (l, name, price)) in lines.iter().enumerate() {
        tx.execute(
            "INSERT INTO order_items (order_id, line_no, sku, name, quantity, unit_price, options, line_total) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, '[]', ?7)",
            params![order_id, i as i64 + 1, l.sku, name, l.qty, price, price * l.qty as i64],
        )?;
    }
    tracing::info!(order = %number, source = %o.source, total = subtotal, "order entered from the console");
    Ok((order_id, number))
}
