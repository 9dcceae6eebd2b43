//! What a kitchen ticket needs to know of an order, read in one go: the order, its customer,
//! its lines with their menu names in both languages and their category (station routing).

use super::Cached;
use rusqlite::{params, Connection, OptionalExtension};

#[derive(Debug, Clone, PartialEq)]
pub struct OrderForTicket {
    pub restaurant: String,
    pub number: String,
    pub created_at: String,
    pub pickup: bool,
    pub commune: Option<String>,
    pub address: Option<String>,
    /// The promise made to the customer (UTC timestamp), falling back to the ETA.
    pub promised_at: Option<String>,
    pub payment_method: String,
    pub payment_status: String,
    pub total: i64,
    pub customer_name: String,
    pub customer_phone: String,
    pub note: Option<String>,
    pub lines: Vec<LineForTicket>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LineForTicket {
    pub quantity: u32,
    /// The name the order was placed with (the customer's language).
    pub name: String,
    /// The menu's names, when the item is still on the menu.
    pub name_fr: Option<String>,
    pub name_ar: Option<String>,
    /// Menu category id; None for an item since removed from the menu.
    pub category: Option<String>,
    pub options: Vec<String>,
}

pub fn order_for_ticket(c: &Connection, order_id: i64) -> rusqlite::Result<Option<OrderForTicket>> {
    let head = c
        .row(
            "SELECT coalesce((SELECT name FROM restaurant WHERE id = 1), ''), o.number, o.created_at, o.fulfilment = 'pickup', \
             o.commune, o.address, coalesce(o.promised_at, o.eta), o.payment_method, o.payment_status, o.total, \
             coalesce(c.display_name, ''), coalesce(c.phone, ''), o.note \
             FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.id = ?1",
            params![order_id],
            |r| {
                Ok(OrderForTicket {
                    restaurant: r.get(0)?,
                    number: r.get(1)?,
                    created_at: r.get(2)?,
                    pickup: r.get(3)?,
                    commune: r.get(4)?,
                    address: r.get(5)?,
                    promised_at: r.get(6)?,
                    payment_method: r.get(7)?,
                    payment_status: r.get(8)?,
                    total: r.get(9)?,
                    customer_name: r.get(10)?,
                    customer_phone: r.get(11)?,
                    note: r.get(12)?,
                    lines: Vec::new(),
                })
            },
        )
        .optional()?;
    let Some(mut head) = head else {
        return Ok(None);
    };
    let mut st = c.prepare_cached(
        "SELECT i.quantity, i.name, m.name_fr, m.name_ar, m.category_id, i.options \
         FROM order_items i LEFT JOIN menu_items m ON m.sku = i.sku WHERE i.order_id = ?1 ORDER BY i.line_no",
    )?;
    let lines = st.query_map(params![order_id], |r| {
        let options: String = r.get(5)?;
        Ok(LineForTicket {
            quantity: r.get(0)?,
            name: r.get(1)?,
            name_fr: r.get(2)?,
            name_ar: r.get(3)?,
            category: r.get(4)?,
            options: serde_json::from_str(&options).unwrap_or_default(),
        })
    })?;
    head.lines = lines.collect::<rusqlite::Result<_>>()?;
    Ok(Some(head))
}

pub fn restaurant_name(c: &Connection) -> rusqlite::Result<String> {
    Ok(
        c.row("SELECT name FROM restaurant WHERE id = 1", [], |r| r.get(0))
            .optional()?
            .unwrap_or_default(),
    )
}
