//! One interface over both backends for the path every webhook and long-poll takes: ingest
//! (with acks), reading a node's log after a cursor, node authentication lookups, health,
//! the per-node gauges, the funnel, the retention pass and housekeeping; the sender's queue
//! (`outbox.rs`). SQLite (`Store`) and PostgreSQL (`pg::PgStore`) give the same answers to the
//! same requests (`tests/it/pg/parity.rs`), so handlers, workers and commands hold an
//! `EventStore` and need not know which one it is.

mod media;
mod outbox;

use crate::store::events::NodeAuthInfo;
use crate::store::pg::{AppendSink, Listener, PgStore};
use crate::store::{IngestBatch, IngestOutcome, NodeGauge, Store, StoreError};
use resto_sync::Event;
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone)]
pub enum EventStore {
    Sqlite(Store),
    Postgres(PgStore),
}

impl From<Store> for EventStore {
    fn from(s: Store) -> Self {
        EventStore::Sqlite(s)
    }
}

impl From<PgStore> for EventStore {
    fn from(s: PgStore) -> Self {
        EventStore::Postgres(s)
    }
}

impl EventStore {
    /// Commits the batch; resolves once it is durable.
    pub async fn ingest(&self, batch: IngestBatch) -> Result<IngestOutcome, StoreError> {
        match self {
            EventStore::Sqlite(s) => s.ingest(batch).await,
            EventStore::Postgres(s) => s.ingest(batch).await,
        }
    }

    /// Events with `seq > after`, oldest first, at most `limit`.
    pub async fn events_after(
        &self,
        node_id: &str,
        after: u64,
        limit: u32,
    ) -> Result<Vec<Event>, StoreError> {
        match self {
            EventStore::Sqlite(s) => s.events_after(node_id, after, limit).await,
            EventStore::Postgres(s) => s.events_after(node_id, after, limit).await,
        }
    }

    pub async fn node_auth_info(&self, node_id: &str) -> Result<Option<NodeAuthInfo>, StoreError> {
        match self {
            EventStore::Sqlite(s) => s.node_auth_info(node_id).await,
            EventStore::Postgres(s) => s.node_auth_info(node_id).await,
        }
    }

    pub async fn health(&self) -> Result<(), StoreError> {
        match self {
            EventStore::Sqlite(s) => s.health().await,
            EventStore::Postgres(s) => s.health().await,
        }
    }

    pub async fn node_gauges(&self) -> Result<Vec<NodeGauge>, StoreError> {
        match self {
            EventStore::Sqlite(s) => s.node_gauges().await,
            EventStore::Postgres(s) => s.node_gauges().await,
        }
    }

    /// The operator's funnel since `since` (`store::funnel`).
    pub async fn relay_funnel(
        &self,
        since: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<crate::store::funnel::RelayFunnelRow>, StoreError> {
        match self {
            EventStore::Sqlite(s) => {
                let since = since.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
                s.read(move |c| Ok(crate::store::funnel::relay_funnel(c, &since)?))
                    .await
            }
            EventStore::Postgres(s) => s.relay_funnel(since).await,
        }
    }

    /// Events parked for lack of a route.
    pub async fn unrouted_count(&self) -> Result<u64, StoreError> {
        match self {
            EventStore::Sqlite(s) => s.unrouted_count().await,
            EventStore::Postgres(s) => s.unrouted_count().await,
        }
    }

    /// One retention pass (`store::retention`).
    pub async fn purge(
        &self,
        policy: crate::store::retention::RetentionPolicy,
    ) -> Result<crate::store::retention::PurgeReport, StoreError> {
        match self {
            EventStore::Sqlite(s) => s.purge(policy).await,
            EventStore::Postgres(s) => s.purge(policy).await,
        }
    }

    /// The purges of everything but the event log.
    pub async fn housekeeping(
        &self,
        policy: crate::store::retention::HousekeepingPolicy,
    ) -> Result<crate::store::retention::HousekeepingReport, StoreError> {
        match self {
            EventStore::Sqlite(s) => s.housekeeping(policy).await,
            EventStore::Postgres(s) => s.housekeeping(policy).await,
        }
    }

    /// Wake-ups for events stored by other relays. On SQLite there are none (one relay per
    /// database, and it wakes its own polls as it stores), so nothing is started.
    pub fn listen(&self, sink: Arc<dyn AppendSink>, fallback: Duration) -> Option<Listener> {
        match self {
            EventStore::Sqlite(_) => None,
            EventStore::Postgres(s) => Some(s.listen(sink, fallback)),
        }
    }
}
