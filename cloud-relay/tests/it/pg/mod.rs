//! The PostgreSQL backend (`store::pg`) against real throwaway clusters (`tests/src/pg.rs`,
//! one per test). Two `PgStore`s on one database stand for two relays: separate pools,
//! separate group-commit writers, separate LISTEN connections.

mod away;
mod crash;
mod ingest;
mod master_key;
mod media;
mod migrations;
mod outbox;
mod parity;
mod payments;
mod retention;
mod routes;
mod sequences;
mod tls;
mod wake;

use resto_relay::store::pg::PgStore;
use resto_relay::store::NewEvent;
use resto_sync::{EventKind, Provider};

pub use super::pg_cluster::PgCluster;

/// A fresh cluster; started off the async threads (initdb takes a second or two).
pub async fn cluster() -> PgCluster {
    tokio::task::spawn_blocking(PgCluster::start)
        .await
        .unwrap()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// A relay's store on the cluster's `postgres` database.
pub async fn relay(cluster: &PgCluster) -> PgStore {
    PgStore::open(&cluster.url())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

/// A customer message on WhatsApp account `account`, deduped by `key`.
pub fn message(account: &str, key: &str) -> NewEvent {
    NewEvent {
        provider: Provider::Wa,
        account_id: account.into(),
        msg_id: key.into(),
        dedupe_key: key.into(),
        label: "text".into(),
        kind: EventKind::InboundMessage,
        payload: serde_json::json!({
            "provider": "wa", "account_id": account, "user_id": "213555000111",
            "timestamp": "2026-12-05T10:00:00.000Z", "key": key,
        })
        .to_string(),
        away: None,
    }
}

/// A node with a route from WhatsApp account `account`.
pub async fn routed_node(store: &PgStore, name: &str, account: &str) -> String {
    let node = store.add_node(name).await.unwrap();
    store
        .add_route(Provider::Wa, account, &node.id, None)
        .await
        .unwrap();
    node.id
}
