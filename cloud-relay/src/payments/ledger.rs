//! The payment worker's and handlers' one way to the payment tables, whichever backend the
//! relay runs on: `store` on SQLite, `store_pg` on PostgreSQL (same answers; on PostgreSQL
//! the due rows are claimed, for several relays).

use super::chargily::CheckoutState;
use super::store::{self, Appended, CheckoutRow, Report};
use super::store_pg;
use crate::store::{EventStore, StoreError};
use chrono::{DateTime, SecondsFormat, Utc};
use resto_sync::payment::CreateCheckout;

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Queues a node's checkout requests in one transaction; for each, false when that attempt
/// id was asked for before.
pub async fn request(
    db: &EventStore,
    node_id: &str,
    requests: Vec<(String, CreateCheckout)>,
    now: String,
) -> Result<Vec<bool>, StoreError> {
    match db {
        EventStore::Sqlite(s) => {
            let node_id = node_id.to_string();
            s.with_connection(move |c| {
                let tx = c.transaction()?;
                let mut fresh = Vec::new();
                for (id, req) in &requests {
                    fresh.push(store::request(&tx, &node_id, id, req, &now)?);
                }
                tx.commit()?;
                Ok(fresh)
            })
            .await
        }
        EventStore::Postgres(p) => store_pg::request(p, node_id, &requests, &now).await,
    }
}

/// Requests whose creation attempt is due (claimed, on PostgreSQL).
pub async fn due_creations(
    db: &EventStore,
    now: DateTime<Utc>,
) -> Result<Vec<CheckoutRow>, StoreError> {
    match db {
        EventStore::Sqlite(s) => {
            s.with_connection(move |c| store::due_creations(c, &ts(now)))
                .await
        }
        EventStore::Postgres(p) => store_pg::claim_due_creations(p, now).await,
    }
}

/// Pending or processing checkouts whose re-check is due (claimed, on PostgreSQL).
pub async fn unsettled(
    db: &EventStore,
    now: DateTime<Utc>,
) -> Result<Vec<CheckoutRow>, StoreError> {
    match db {
        EventStore::Sqlite(s) => {
            s.with_connection(move |c| store::unsettled(c, &ts(now)))
                .await
        }
        EventStore::Postgres(p) => store_pg::claim_unsettled(p, now).await,
    }
}

/// The gateway created the checkout: store it and send the link to the node.
pub async fn created(
    db: &EventStore,
    c: CheckoutRow,
    checkout_id: String,
    checkout_url: String,
    expires_at: String,
    recheck_at: String,
    now: String,
) -> Result<Appended, StoreError> {
    match db {
        EventStore::Sqlite(s) => {
            s.with_connection(move |conn| {
                store::created(
                    conn,
                    &c,
                    &checkout_id,
                    &checkout_url,
                    &expires_at,
                    &recheck_at,
                    &now,
                )
            })
            .await
        }
        EventStore::Postgres(p) => {
            store_pg::created(
                p,
                &c,
                &checkout_id,
                &checkout_url,
                &expires_at,
                &recheck_at,
                &now,
            )
            .await
        }
    }
}

/// A creation attempt failed: the node hears `delayed` once, `unavailable` on giving up.
pub async fn creation_failed(
    db: &EventStore,
    c: CheckoutRow,
    error: String,
    retry_at: String,
    give_up: bool,
    now: String,
) -> Result<Appended, StoreError> {
    match db {
        EventStore::Sqlite(s) => {
            s.with_connection(move |conn| {
                store::creation_failed(conn, &c, &error, &retry_at, give_up, &now)
            })
            .await
        }
        EventStore::Postgres(p) => {
            store_pg::creation_failed(p, &c, &error, &retry_at, give_up, &now).await
        }
    }
}

/// What the gateway reported about a checkout (by webhook `(id, type)` or by a poll).
pub async fn report(
    db: &EventStore,
    checkout_id: String,
    reported: CheckoutState,
    amount: i64,
    webhook_event: Option<(String, String)>,
    recheck_at: String,
    now: String,
) -> Result<Report, StoreError> {
    match db {
        EventStore::Sqlite(s) => {
            s.with_connection(move |conn| {
                let event = webhook_event
                    .as_ref()
                    .map(|(i, k)| (i.as_str(), k.as_str()));
                store::report(
                    conn,
                    &checkout_id,
                    reported,
                    amount,
                    event,
                    &recheck_at,
                    &now,
                )
            })
            .await
        }
        EventStore::Postgres(p) => {
            let event = webhook_event
                .as_ref()
                .map(|(i, k)| (i.as_str(), k.as_str()));
            store_pg::report(p, &checkout_id, reported, amount, event, &recheck_at, &now).await
        }
    }
}
