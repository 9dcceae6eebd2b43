//! What the runners read from the edge's database: the conversation state (for the cart when
//! a reply shows none, and to see whether a message changed anything) and the order placed.

use super::corpus::{Line, MenuFacts};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::Value;

/// The engine's conversation state, read leniently (unknown fields ignored).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StateView {
    pub stage: String,
    pub cart: Vec<Line>,
    /// Items waiting for an answer (a size): sku and quantity, when known.
    pub pending: Vec<(Option<String>, u32)>,
    /// `pickup` or `delivery` once chosen.
    pub fulfilment: Option<String>,
    pub commune: Option<String>,
    pub payment: Option<String>,
    /// The whole state, to tell whether a message changed anything.
    pub raw: Value,
}

impl StateView {
    pub fn from_json(v: Value) -> StateView {
        let s = |v: &Value| v.as_str().map(str::to_string);
        let cart = v["cart"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|l| Line {
                sku: s(&l["sku"]).unwrap_or_default(),
                qty: l["qty"].as_u64().unwrap_or(0) as u32,
                size: l["choices"]
                    .as_array()
                    .and_then(|c| c.first())
                    .and_then(|c| c.as_str())
                    .filter(|c| !c.is_empty())
                    .map(str::to_string),
            })
            .collect();
        let pending = v["pending"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| (s(&p["sku"]), p["qty"].as_u64().unwrap_or(1) as u32))
            .collect();
        let f = &v["fulfilment"];
        StateView {
            stage: s(&v["stage"]).unwrap_or_default(),
            cart,
            pending,
            fulfilment: s(&f["mode"]),
            commune: s(&f["commune"]),
            payment: s(&v["payment"]),
            raw: v,
        }
    }
}

/// An order the customer placed, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct PlacedOrder {
    pub number: String,
    pub lines: Vec<Line>,
    pub fulfilment: String,
    pub commune: Option<String>,
    pub address: Option<String>,
    pub payment: String,
}

fn customer_id(c: &Connection, user: &str) -> Option<i64> {
    c.query_row(
        "SELECT id FROM customers WHERE provider = 'wa' AND user_id = ?1",
        params![user],
        |r| r.get(0),
    )
    .optional()
    .ok()
    .flatten()
}

pub fn state(c: &Connection, user: &str) -> Option<StateView> {
    let id = customer_id(c, user)?;
    let raw: String = c
        .query_row(
            "SELECT state FROM conversations WHERE customer_id = ?1",
            params![id],
            |r| r.get(0),
        )
        .optional()
        .ok()
        .flatten()?;
    let mut v: Value = serde_json::from_str(&raw).ok()?;
    // The cart lives in its own table beside the state.
    let lines: Option<String> = c
        .query_row(
            "SELECT lines FROM carts WHERE customer_id = ?1",
            params![id],
            |r| r.get(0),
        )
        .optional()
        .ok()
        .flatten();
    if let Some(lines) = lines.and_then(|l| serde_json::from_str::<Value>(&l).ok()) {
        v["cart"] = lines;
    }
    Some(StateView::from_json(v))
}

/// The customer's latest order, if any.
pub fn placed(c: &Connection, user: &str, menu: &MenuFacts) -> Option<PlacedOrder> {
    let id = customer_id(c, user)?;
    type Row = (i64, String, String, Option<String>, Option<String>, String);
    let (oid, number, fulfilment, commune, address, payment): Row = c
        .query_row(
            "SELECT id, number, fulfilment, commune, address, payment_method FROM orders
             WHERE customer_id = ?1 ORDER BY id DESC LIMIT 1",
            params![id],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            },
        )
        .optional()
        .ok()
        .flatten()?;
    let mut st = c
        .prepare(
            "SELECT sku, quantity, options FROM order_items WHERE order_id = ?1 ORDER BY line_no",
        )
        .ok()?;
    let lines = st
        .query_map(params![oid], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
            ))
        })
        .ok()?
        .filter_map(Result::ok)
        .map(|(sku, qty, options)| {
            let names: Vec<String> = serde_json::from_str(&options).unwrap_or_default();
            let size = menu.item(&sku).and_then(|it| {
                it.sizes
                    .iter()
                    .find(|(c, _)| names.iter().any(|n| n == &c.fr || n == &c.ar || n == &c.id))
                    .map(|(c, _)| c.id.clone())
            });
            Line {
                sku,
                qty: qty as u32,
                size,
            }
        })
        .collect();
    Some(PlacedOrder {
        number,
        lines,
        fulfilment,
        commune,
        address,
        payment,
    })
}
