//! The sender's queue on either backend: what is due, claiming it, and what it needs to
//! send. On SQLite one relay owns the database, so its claim always succeeds; on PostgreSQL
//! another relay may have claimed the same reply between the look and the claim, and only
//! what this relay actually leased comes back.

use super::EventStore;
use crate::store::outbox::{DueItem, OutboxChange, OutboxUpdate};
use crate::store::{IngestBatch, StoreError};
use chrono::{DateTime, SecondsFormat, Utc};
use resto_sync::Provider;

impl EventStore {
    /// The customers' next replies whose attempt is due, oldest first; none from
    /// `skip_accounts`. Only a look: `claim` is what takes them.
    pub async fn due_outbox(
        &self,
        limit: u32,
        skip_accounts: Vec<String>,
    ) -> Result<Vec<DueItem>, StoreError> {
        match self {
            EventStore::Sqlite(s) => s.due_outbox(limit, skip_accounts).await,
            EventStore::Postgres(s) => s.due_outbox(limit, skip_accounts).await,
        }
    }

    /// Counts the attempt and leases `items` until `until`, durably, before any call leaves.
    /// Returns the items this relay now holds: on PostgreSQL the ones no other relay claimed
    /// first.
    pub async fn claim(
        &self,
        items: Vec<DueItem>,
        until: DateTime<Utc>,
    ) -> Result<Vec<DueItem>, StoreError> {
        match self {
            EventStore::Sqlite(s) => {
                let until = until.to_rfc3339_opts(SecondsFormat::Millis, true);
                let outbox_updates = items
                    .iter()
                    .map(|d| OutboxUpdate {
                        node_id: d.node_id.clone(),
                        id: d.id.clone(),
                        change: OutboxChange::Claim {
                            until: until.clone(),
                        },
                        status_event: None,
                    })
                    .collect();
                s.ingest(IngestBatch {
                    outbox_updates,
                    ..Default::default()
                })
                .await?;
                Ok(items)
            }
            EventStore::Postgres(s) => s.claim_items(&items, until).await,
        }
    }

    /// How many replies to the same customer wait behind `item`.
    pub async fn queued_after(&self, item: &DueItem) -> Result<u32, StoreError> {
        match self {
            EventStore::Sqlite(s) => s.queued_after(item).await,
            EventStore::Postgres(s) => s.queued_after(item).await,
        }
    }

    /// The Meta access token of a route (tokens live only on the relay).
    pub async fn access_token(
        &self,
        provider: Provider,
        account_id: &str,
    ) -> Result<Option<String>, StoreError> {
        match self {
            EventStore::Sqlite(s) => s.access_token(provider, account_id).await,
            EventStore::Postgres(s) => s.access_token(provider, account_id).await,
        }
    }

    /// At start-up, with the data-dir lock held: makes the replies leased by this relay's
    /// previous process due now. On PostgreSQL only its own (by relay id): the other relays'
    /// leases are live, and a relay that never returns leaves its leases to run out.
    pub async fn release_dead_leases(&self) -> Result<usize, StoreError> {
        match self {
            EventStore::Sqlite(s) => s.release_dead_leases().await,
            EventStore::Postgres(s) => s.release_own_leases().await,
        }
    }

    /// The customer's window and the route's late-notice template (`store::window`).
    pub async fn window(
        &self,
        provider: Provider,
        account_id: &str,
        user_id: &str,
    ) -> Result<crate::store::window::Window, StoreError> {
        match self {
            EventStore::Sqlite(s) => s.window(provider, account_id, user_id).await,
            EventStore::Postgres(s) => s.window(provider, account_id, user_id).await,
        }
    }

    /// Replies in the dead-letter queue.
    pub async fn dead_count(&self) -> Result<u64, StoreError> {
        match self {
            EventStore::Sqlite(s) => {
                s.read(|c| {
                    Ok(c.query_row(crate::store::retention::COUNT_DEAD, [], |r| {
                        r.get::<_, i64>(0)
                    })? as u64)
                })
                .await
            }
            EventStore::Postgres(s) => s.dead_count().await,
        }
    }
}
