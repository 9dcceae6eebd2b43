//! The payment tables (`migrations/relay/V4__payments.sql`). Every change that the node must
//! hear about appends its `payment_update` event in the same transaction.

use super::chargily::{next_state, CheckoutState};
use crate::store::{append_to_node, new_event_id, StoreError};
use resto_sync::payment::{CreateCheckout, PaymentState, PaymentUpdate};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

/// A checkout row, as the worker needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckoutRow {
    pub node_id: String,
    pub attempt_id: String,
    pub request: CreateCheckout,
    pub state: CheckoutState,
    pub checkout_id: Option<String>,
    pub attempts: u32,
    pub delay_told: bool,
    pub requested_at: String,
    pub created_at: Option<String>,
}

/// An event appended for a node (to wake its long-poll after commit).
pub type Appended = Option<(String, u64)>;

const COLUMNS: &str = "node_id, attempt_id, order_ref, amount, method, locale, state, checkout_id, attempts, delay_told, requested_at, created_at";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CheckoutRow> {
    let state: String = r.get(6)?;
    Ok(CheckoutRow {
        node_id: r.get(0)?,
        attempt_id: r.get(1)?,
        request: CreateCheckout {
            order_ref: r.get(2)?,
            amount: r.get(3)?,
            method: r.get(4)?,
            locale: r.get(5)?,
        },
        state: CheckoutState::parse(&state).unwrap_or(CheckoutState::Unavailable),
        checkout_id: r.get(7)?,
        attempts: r.get(8)?,
        delay_told: r.get::<_, i64>(9)? == 1,
        requested_at: r.get(10)?,
        created_at: r.get(11)?,
    })
}

/// Queues a node's request; false when this attempt id was asked for before.
pub fn request(
    conn: &Connection,
    node_id: &str,
    attempt_id: &str,
    req: &CreateCheckout,
    now: &str,
) -> Result<bool, StoreError> {
    let n = conn.execute(
        "INSERT OR IGNORE INTO payment_checkouts \
         (node_id, attempt_id, order_ref, amount, method, locale, next_attempt_at, requested_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?7)",
        params![node_id, attempt_id, req.order_ref, req.amount, req.method, req.locale, now],
    )?;
    Ok(n == 1)
}

/// Requests whose next creation attempt is due.
pub fn due_creations(conn: &Connection, now: &str) -> Result<Vec<CheckoutRow>, StoreError> {
    let mut st = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM payment_checkouts WHERE state = 'requested' AND next_attempt_at <= ?1 \
         ORDER BY next_attempt_at LIMIT 50"
    ))?;
    let rows = st.query_map(params![now], row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Pending or processing checkouts whose re-check is due.
pub fn unsettled(conn: &Connection, now: &str) -> Result<Vec<CheckoutRow>, StoreError> {
    let mut st = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM payment_checkouts WHERE state IN ('pending', 'processing') \
         AND next_attempt_at <= ?1 ORDER BY next_attempt_at LIMIT 200"
    ))?;
    let rows = st.query_map(params![now], row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn by_checkout_id(
    conn: &Connection,
    checkout_id: &str,
) -> Result<Option<CheckoutRow>, StoreError> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM payment_checkouts WHERE checkout_id = ?1"),
            params![checkout_id],
            row,
        )
        .optional()?)
}

/// The `payment_update` event's payload telling the node where checkout `c` stands.
pub(super) fn update_payload(
    c: &CheckoutRow,
    state: PaymentState,
    extra: impl FnOnce(&mut PaymentUpdate),
) -> Result<String, StoreError> {
    let mut u = PaymentUpdate {
        attempt_id: c.attempt_id.clone(),
        order_ref: c.request.order_ref.clone(),
        state,
        checkout_id: c.checkout_id.clone(),
        checkout_url: None,
        amount: None,
        expires_at: None,
    };
    extra(&mut u);
    serde_json::to_string(&u).map_err(|e| StoreError::Invalid(e.to_string()))
}

fn tell_node(
    conn: &Connection,
    c: &CheckoutRow,
    state: PaymentState,
    extra: impl FnOnce(&mut PaymentUpdate),
    now: &str,
) -> Result<(String, u64), StoreError> {
    let payload = update_payload(c, state, extra)?;
    let seq = append_to_node(
        conn,
        &c.node_id,
        &new_event_id(),
        "payment_update",
        now,
        &payload,
    )?;
    tracing::info!(node_id = %c.node_id, attempt_id = %c.attempt_id, state = state.as_str(), "payment update for the node");
    Ok((c.node_id.clone(), seq))
}

/// The gateway created the checkout: store it and send the link to the node.
pub fn created(
    conn: &mut Connection,
    c: &CheckoutRow,
    checkout_id: &str,
    checkout_url: &str,
    expires_at: &str,
    recheck_at: &str,
    now: &str,
) -> Result<Appended, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let n = tx.execute(
        "UPDATE payment_checkouts SET state = 'pending', checkout_id = ?3, checkout_url = ?4, \
         attempts = attempts + 1, created_at = ?5, next_attempt_at = ?6, updated_at = ?5, last_error = NULL \
         WHERE node_id = ?1 AND attempt_id = ?2 AND state = 'requested'",
        params![c.node_id, c.attempt_id, checkout_id, checkout_url, now, recheck_at],
    )?;
    if n == 0 {
        return Ok(None);
    }
    let mut c = c.clone();
    c.checkout_id = Some(checkout_id.to_string());
    let appended = tell_node(
        &tx,
        &c,
        PaymentState::Link,
        |u| {
            u.checkout_url = Some(checkout_url.to_string());
            u.amount = Some(c.request.amount);
            u.expires_at = Some(expires_at.to_string());
        },
        now,
    )?;
    tx.commit()?;
    Ok(Some(appended))
}

/// A creation attempt failed. The node hears `delayed` once; after `give_up` it hears
/// `unavailable` and the request stops.
pub fn creation_failed(
    conn: &mut Connection,
    c: &CheckoutRow,
    error: &str,
    retry_at: &str,
    give_up: bool,
    now: &str,
) -> Result<Appended, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let state = if give_up { "unavailable" } else { "requested" };
    tx.execute(
        "UPDATE payment_checkouts SET state = ?3, attempts = attempts + 1, last_error = ?4, \
         next_attempt_at = ?5, delay_told = 1, updated_at = ?6 \
         WHERE node_id = ?1 AND attempt_id = ?2 AND state = 'requested'",
        params![c.node_id, c.attempt_id, state, error, retry_at, now],
    )?;
    let appended = if give_up {
        Some(tell_node(&tx, c, PaymentState::Unavailable, |_| {}, now)?)
    } else if !c.delay_told {
        Some(tell_node(&tx, c, PaymentState::Delayed, |_| {}, now)?)
    } else {
        None
    };
    tx.commit()?;
    Ok(appended)
}

/// What a gateway report (webhook or poll) did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Report {
    /// The same webhook event id was handled before.
    Duplicate,
    UnknownCheckout,
    /// The gateway reports another amount than we asked for: never marked paid.
    AmountMismatch,
    Unchanged,
    Moved {
        state: CheckoutState,
        appended: (String, u64),
    },
}

impl Report {
    pub(crate) fn outcome(&self) -> &'static str {
        match self {
            Report::UnknownCheckout => "unknown_checkout",
            Report::AmountMismatch => "amount_mismatch",
            Report::Moved { .. } => "applied",
            Report::Duplicate | Report::Unchanged => "unchanged",
        }
    }
}

/// Applies what the gateway says about a checkout, in one transaction with the webhook's
/// dedupe record (`webhook_event`: id and type) when it came by webhook.
pub fn report(
    conn: &mut Connection,
    checkout_id: &str,
    reported: CheckoutState,
    amount: i64,
    webhook_event: Option<(&str, &str)>,
    recheck_at: &str,
    now: &str,
) -> Result<Report, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    if let Some((id, _)) = webhook_event {
        let seen: Option<i64> = tx
            .query_row(
                "SELECT 1 FROM payment_webhook_events WHERE id = ?1",
                params![id],
                |r| r.get(0),
            )
            .optional()?;
        if seen.is_some() {
            return Ok(Report::Duplicate);
        }
    }
    let outcome = match by_checkout_id(&tx, checkout_id)? {
        None => Report::UnknownCheckout,
        Some(c) if reported == CheckoutState::Paid && amount != c.request.amount => {
            tracing::error!(node_id = %c.node_id, checkout_id, expected = c.request.amount, reported = amount, "gateway reports a paid amount that differs from the order; NOT marked paid");
            Report::AmountMismatch
        }
        Some(c) => match next_state(c.state, reported) {
            None => {
                tx.execute(
                    "UPDATE payment_checkouts SET next_attempt_at = ?2 WHERE checkout_id = ?1",
                    params![checkout_id, recheck_at],
                )?;
                Report::Unchanged
            }
            Some(state) => {
                tx.execute(
                    "UPDATE payment_checkouts SET state = ?2, updated_at = ?3, next_attempt_at = ?4 WHERE checkout_id = ?1",
                    params![checkout_id, state.as_str(), now, recheck_at],
                )?;
                match state.for_node() {
                    Some(s) => Report::Moved {
                        state,
                        appended: tell_node(&tx, &c, s, |u| u.amount = Some(amount), now)?,
                    },
                    None => Report::Unchanged,
                }
            }
        },
    };
    if let Some((id, kind)) = webhook_event {
        tx.execute(
            "INSERT INTO payment_webhook_events (id, type, checkout_id, outcome, received_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, kind, checkout_id, outcome.outcome(), now],
        )?;
    }
    tx.commit()?;
    Ok(outcome)
}
