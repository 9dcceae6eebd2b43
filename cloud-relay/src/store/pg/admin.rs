//! Operator actions on nodes and routes on PostgreSQL (`store::admin` on SQLite); for now
//! the two that the ingest path needs to have something to route to.

use super::super::admin::NodeRow;
use super::super::StoreError;
use super::PgStore;
use chrono::{SecondsFormat, Utc};
use resto_sync::Provider;

impl PgStore {
    pub async fn add_node(&self, name: &str) -> Result<NodeRow, StoreError> {
        let name = name.trim();
        if name.is_empty() || name.len() > 100 {
            return Err(StoreError::Invalid(
                "a node name must be 1 to 100 characters, e.g. the restaurant's name".into(),
            ));
        }
        let id = format!(
            "node_{}",
            ulid::Ulid::new().to_string().to_ascii_lowercase()
        );
        let now = Utc::now();
        let client = self.pool().get().await?;
        let inserted = client
            .execute(
                "INSERT INTO nodes (id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                &[&id, &name, &now],
            )
            .await?;
        if inserted == 0 {
            return Err(StoreError::Invalid(format!(
                "a node named {name:?} already exists; pick another name or see `resto-relay node list`"
            )));
        }
        Ok(NodeRow {
            id,
            name: name.to_string(),
            secret_generation: 1,
            last_seq: 0,
            created_at: now.to_rfc3339_opts(SecondsFormat::Millis, true),
            last_seen_at: None,
            routes: 0,
        })
    }

    /// Routes an account to a node (replacing its previous node). Unlike SQLite's
    /// `admin::add_route` it does not yet move the account's parked (unrouted) events onto
    /// the node.
    pub async fn add_route(
        &self,
        provider: Provider,
        account_id: &str,
        node_id: &str,
    ) -> Result<(), StoreError> {
        let client = self.pool().get().await?;
        client
            .execute(
                "INSERT INTO routes (provider, account_id, node_id, created_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (provider, account_id) DO UPDATE SET node_id = excluded.node_id",
                &[&provider.as_str(), &account_id, &node_id, &Utc::now()],
            )
            .await?;
        Ok(())
    }
}
