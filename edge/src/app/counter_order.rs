//! Orders taken at the counter or on the phone, entered from the console. They need neither
//! the relay nor the internet: they are rows in the same store as chat orders.

use crate::app::handle_message::PICKUP_MINUTES;
use crate::app::move_order::BoardError;
use crate::domain::orders::order_number;
use crate::store::orders::restaurant_offset;
use crate::store::{self, fmt_ts, orders};
use chrono::{DateTime, Utc};
use rusqlite::Transaction;
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
        let item = store::menu::item_for_order(tx, &l.sku)?;
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
    let name = o
        .customer_name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    let customer_id = store::customers::walk_in(tx, &user_id, name, phone, &at)?;
    let day = now
        .with_timezone(&restaurant_offset(tx)?)
        .date_naive()
        .to_string();
    let daily_seq = orders::next_daily_seq(tx, &day)?;
    let number = order_number(daily_seq as u32);
    let subtotal: i64 = lines.iter().map(|(l, _, p)| p * l.qty as i64).sum();
    let lang = store::menu::default_language(tx)?;
    let fulfilment = if o.fulfilment == "delivery" {
        orders::Fulfilment::Delivery {
            address: o.address.clone().unwrap_or_default(),
            wilaya_code: None,
            commune: None,
            pin: None,
        }
    } else {
        orders::Fulfilment::Pickup
    };
    // Paid like any cash order (collected on delivery), with the same promise on record.
    let order = orders::NewOrder {
        customer_id,
        day: &day,
        daily_seq,
        number: &number,
        subtotal,
        delivery_fee: 0,
        total: subtotal,
        fulfilment,
        payment_method: "cod",
        payment_status: "pending",
        eta_minutes: o.eta_minutes.unwrap_or(PICKUP_MINUTES) as i64,
        lang: &lang,
        source: &o.source,
        lines: lines
            .iter()
            .map(|(l, name, price)| orders::NewLine {
                sku: &l.sku,
                name,
                qty: l.qty,
                unit_price: *price,
                options_json: "[]".into(),
            })
            .collect(),
    };
    let order_id = orders::insert_order(tx, &order, now)?;
    crate::app::payments::on_order_placed(tx, order_id, now)?;
    tracing::info!(order = %number, source = %o.source, total = subtotal, "order entered from the console");
    Ok((order_id, number))
}
