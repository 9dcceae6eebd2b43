//! The payment tables on PostgreSQL (`migrations/relay-pg/V4__payments.sql`), with
//! `payments::store`'s shapes and answers. Every change the node must hear about appends its
//! `payment_update` event in the same transaction (`store::pg::events::append_event`).
//!
//! Several relays run the payment worker: `claim_due_creations` and `claim_unsettled` lease
//! the rows they return (`next_attempt_at` moved past `LEASE`, `FOR UPDATE SKIP LOCKED`), so
//! two relays never create one checkout or re-check one row at once; a relay that dies
//! mid-call leaves its rows to the others once the lease is over.

use super::chargily::{next_state, CheckoutState};
use super::store::{Appended, CheckoutRow, Report};
use crate::store::pg::events::append_event;
use crate::store::pg::PgStore;
use crate::store::StoreError;
use chrono::{DateTime, SecondsFormat, Utc};
use deadpool_postgres::Transaction;
use resto_sync::payment::{CreateCheckout, PaymentState, PaymentUpdate};
use resto_sync::EventKind;

/// How long a claimed row is this relay's: longer than a gateway call can take.
const LEASE: chrono::Duration = chrono::Duration::seconds(60);

const COLUMNS: &str = "node_id, attempt_id, order_ref, amount, method, locale, state, checkout_id, attempts, delay_told, requested_at, created_at";

fn row(r: &tokio_postgres::Row) -> CheckoutRow {
    let state: String = r.get(6);
    CheckoutRow {
        node_id: r.get(0),
        attempt_id: r.get(1),
        request: CreateCheckout {
            order_ref: r.get(2),
            amount: r.get(3),
            method: r.get(4),
            locale: r.get(5),
        },
        state: CheckoutState::parse(&state).unwrap_or(CheckoutState::Unavailable),
        checkout_id: r.get(7),
        attempts: r.get::<_, i32>(8) as u32,
        delay_told: r.get(9),
        requested_at: r.get(10),
        created_at: r.get(11),
    }
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Queues a node's requests in one transaction; for each, false when that attempt id was
/// asked for before.
pub async fn request(
    db: &PgStore,
    node_id: &str,
    requests: &[(String, CreateCheckout)],
    now: &str,
) -> Result<Vec<bool>, StoreError> {
    let mut client = db.pool().get().await?;
    let tx = client.transaction().await?;
    let mut fresh = Vec::with_capacity(requests.len());
    for (id, req) in requests {
        let n = tx
            .execute(
                "INSERT INTO payment_checkouts \
                 (node_id, attempt_id, order_ref, amount, method, locale, next_attempt_at, requested_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $7) ON CONFLICT DO NOTHING",
                &[&node_id, id, &req.order_ref, &req.amount, &req.method, &req.locale, &now],
            )
            .await?;
        fresh.push(n == 1);
    }
    tx.commit().await?;
    Ok(fresh)
}

/// Claims the requests whose creation attempt is due.
pub async fn claim_due_creations(
    db: &PgStore,
    now: DateTime<Utc>,
) -> Result<Vec<CheckoutRow>, StoreError> {
    claim(db, "state = 'requested'", 50, now).await
}

/// Claims the pending or processing checkouts whose re-check is due.
pub async fn claim_unsettled(
    db: &PgStore,
    now: DateTime<Utc>,
) -> Result<Vec<CheckoutRow>, StoreError> {
    claim(db, "state IN ('pending', 'processing')", 200, now).await
}

async fn claim(
    db: &PgStore,
    which: &str,
    limit: i64,
    now: DateTime<Utc>,
) -> Result<Vec<CheckoutRow>, StoreError> {
    let client = db.pool().get().await?;
    let rows = client
        .query(
            &format!(
                "WITH due AS ( \
                     SELECT node_id, attempt_id FROM payment_checkouts \
                     WHERE {which} AND next_attempt_at <= $1 \
                     ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED) \
                 UPDATE payment_checkouts p SET next_attempt_at = $3 FROM due \
                 WHERE p.node_id = due.node_id AND p.attempt_id = due.attempt_id \
                 RETURNING {}",
                COLUMNS
                    .split(", ")
                    .map(|c| format!("p.{c}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            &[&ts(now), &limit, &ts(now + LEASE)],
        )
        .await?;
    let mut due: Vec<CheckoutRow> = rows.iter().map(row).collect();
    due.sort_by(|a, b| a.requested_at.cmp(&b.requested_at));
    Ok(due)
}

async fn tell_node(
    tx: &Transaction<'_>,
    c: &CheckoutRow,
    state: PaymentState,
    extra: impl FnOnce(&mut PaymentUpdate),
) -> Result<(String, u64), StoreError> {
    let payload = super::store::update_payload(c, state, extra)?;
    let seq = append_event(tx, &c.node_id, EventKind::PaymentUpdate, &payload).await?;
    tracing::info!(node_id = %c.node_id, attempt_id = %c.attempt_id, state = state.as_str(), "payment update for the node");
    Ok((c.node_id.clone(), seq))
}

/// The gateway created the checkout: store it and send the link to the node.
pub async fn created(
    db: &PgStore,
    c: &CheckoutRow,
    checkout_id: &str,
    checkout_url: &str,
    expires_at: &str,
    recheck_at: &str,
    now: &str,
) -> Result<Appended, StoreError> {
    let mut client = db.pool().get().await?;
    let tx = client.transaction().await?;
    let n = tx
        .execute(
            "UPDATE payment_checkouts SET state = 'pending', checkout_id = $3, checkout_url = $4, \
             attempts = attempts + 1, created_at = $5, next_attempt_at = $6, updated_at = $5, last_error = NULL \
             WHERE node_id = $1 AND attempt_id = $2 AND state = 'requested'",
            &[&c.node_id, &c.attempt_id, &checkout_id, &checkout_url, &now, &recheck_at],
        )
        .await?;
    if n == 0 {
        return Ok(None);
    }
    let mut c = c.clone();
    c.checkout_id = Some(checkout_id.to_string());
    let amount = c.request.amount;
    let appended = tell_node(&tx, &c, PaymentState::Link, |u| {
        u.checkout_url = Some(checkout_url.to_string());
        u.amount = Some(amount);
        u.expires_at = Some(expires_at.to_string());
    })
    .await?;
    tx.commit().await?;
    Ok(Some(appended))
}

/// A creation attempt failed: `delayed` once, `unavailable` on giving up.
pub async fn creation_failed(
    db: &PgStore,
    c: &CheckoutRow,
    error: &str,
    retry_at: &str,
    give_up: bool,
    now: &str,
) -> Result<Appended, StoreError> {
    let mut client = db.pool().get().await?;
    let tx = client.transaction().await?;
    let state = if give_up { "unavailable" } else { "requested" };
    tx.execute(
        "UPDATE payment_checkouts SET state = $3, attempts = attempts + 1, last_error = $4, \
         next_attempt_at = $5, delay_told = true, updated_at = $6 \
         WHERE node_id = $1 AND attempt_id = $2 AND state = 'requested'",
        &[&c.node_id, &c.attempt_id, &state, &error, &retry_at, &now],
    )
    .await?;
    let appended = if give_up {
        Some(tell_node(&tx, c, PaymentState::Unavailable, |_| {}).await?)
    } else if !c.delay_told {
        Some(tell_node(&tx, c, PaymentState::Delayed, |_| {}).await?)
    } else {
        None
    };
    tx.commit().await?;
    Ok(appended)
}

/// Applies what the gateway says about a checkout, in one transaction with the webhook's
/// dedupe record when it came by webhook. The checkout row is locked first, so a webhook
/// and a reconciliation on two relays apply one after the other.
pub async fn report(
    db: &PgStore,
    checkout_id: &str,
    reported: CheckoutState,
    amount: i64,
    webhook_event: Option<(&str, &str)>,
    recheck_at: &str,
    now: &str,
) -> Result<Report, StoreError> {
    let mut client = db.pool().get().await?;
    let tx = client.transaction().await?;
    if let Some((id, kind)) = webhook_event {
        // The insert is the dedupe: a redelivery being handled by another relay waits here
        // for that transaction, then finds the id.
        let fresh = tx
            .execute(
                "INSERT INTO payment_webhook_events (id, type, checkout_id, outcome, received_at) \
                 VALUES ($1, $2, $3, 'unchanged', $4) ON CONFLICT DO NOTHING",
                &[&id, &kind, &checkout_id, &now],
            )
            .await?;
        if fresh == 0 {
            return Ok(Report::Duplicate);
        }
    }
    let current = tx
        .query_opt(
            &format!("SELECT {COLUMNS} FROM payment_checkouts WHERE checkout_id = $1 FOR UPDATE"),
            &[&checkout_id],
        )
        .await?
        .map(|r| row(&r));
    let outcome = match current {
        None => Report::UnknownCheckout,
        Some(c) if reported == CheckoutState::Paid && amount != c.request.amount => {
            tracing::error!(node_id = %c.node_id, checkout_id, expected = c.request.amount, reported = amount, "gateway reports a paid amount that differs from the order; NOT marked paid");
            Report::AmountMismatch
        }
        Some(c) => match next_state(c.state, reported) {
            None => {
                tx.execute(
                    "UPDATE payment_checkouts SET next_attempt_at = $2 WHERE checkout_id = $1",
                    &[&checkout_id, &recheck_at],
                )
                .await?;
                Report::Unchanged
            }
            Some(state) => {
                tx.execute(
                    "UPDATE payment_checkouts SET state = $2, updated_at = $3, next_attempt_at = $4 WHERE checkout_id = $1",
                    &[&checkout_id, &state.as_str(), &now, &recheck_at],
                )
                .await?;
                match state.for_node() {
                    Some(s) => Report::Moved {
                        state,
                        appended: tell_node(&tx, &c, s, |u| u.amount = Some(amount)).await?,
                    },
                    None => Report::Unchanged,
                }
            }
        },
    };
    if let Some((id, _)) = webhook_event {
        tx.execute(
            "UPDATE payment_webhook_events SET outcome = $2 WHERE id = $1",
            &[&id, &outcome.outcome()],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(outcome)
}
