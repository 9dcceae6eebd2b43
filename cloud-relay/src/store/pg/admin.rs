//! Operator actions on nodes and routes on PostgreSQL, with `store::admin`'s rows and
//! answers. Each is one short transaction.
//!
//! `add_route` hands the node every event parked for the account. On SQLite the single
//! writer serialises that with ingest; here an ingest that found no route could otherwise
//! commit a parked event just after the hand-over, and it would stay parked although the
//! route exists. So `add_route` takes the account's advisory lock exclusively, and every
//! ingest takes the accounts it routes shared before reading routes (`group.rs`).

use super::super::admin::{added_node, new_node, route_account, NodeRow, RouteAdded, RouteRow};
use super::super::StoreError;
use super::writer::CHANNEL;
use super::PgStore;
use chrono::{DateTime, SecondsFormat, Utc};
use resto_sync::Provider;

fn shown(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl PgStore {
    pub async fn add_node(&self, name: &str) -> Result<NodeRow, StoreError> {
        let (id, name) = new_node(name)?;
        let now = Utc::now();
        let client = self.pool().get().await?;
        let inserted = client
            .execute(
                "INSERT INTO nodes (id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                &[&id, &name, &now],
            )
            .await?;
        added_node(inserted, id, name, shown(now))
    }

    pub async fn list_nodes(&self) -> Result<Vec<NodeRow>, StoreError> {
        let client = self.pool().get().await?;
        let rows = client
            .query(
                "SELECT n.id, n.name, n.secret_generation, n.last_seq, n.created_at, n.last_seen_at, \
                        (SELECT count(*) FROM routes r WHERE r.node_id = n.id) \
                 FROM nodes n ORDER BY n.created_at, n.id",
                &[],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| NodeRow {
                id: r.get(0),
                name: r.get(1),
                secret_generation: r.get::<_, i32>(2) as u32,
                last_seq: r.get::<_, i64>(3) as u64,
                created_at: shown(r.get(4)),
                last_seen_at: r.get::<_, Option<DateTime<Utc>>>(5).map(shown),
                routes: r.get::<_, i64>(6) as u64,
            })
            .collect())
    }

    pub async fn find_node(&self, id: &str) -> Result<Option<NodeRow>, StoreError> {
        Ok(self.list_nodes().await?.into_iter().find(|n| n.id == id))
    }

    pub async fn list_routes(&self) -> Result<Vec<RouteRow>, StoreError> {
        let client = self.pool().get().await?;
        let rows = client
            .query(
                "SELECT provider, account_id, node_id, access_token IS NOT NULL, created_at, window_template \
                 FROM routes ORDER BY node_id, provider, account_id",
                &[],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| RouteRow {
                provider: Provider::parse(r.get(0)).unwrap_or(Provider::Wa),
                account_id: r.get(1),
                node_id: r.get(2),
                has_access_token: r.get(3),
                created_at: shown(r.get(4)),
                window_template: r.get(5),
            })
            .collect())
    }

    /// Adds or replaces a route, and hands the node every event that was parked for the
    /// account, in the order they were parked.
    pub async fn add_route(
        &self,
        provider: Provider,
        account_id: &str,
        node_id: &str,
        access_token: Option<&str>,
    ) -> Result<RouteAdded, StoreError> {
        let account_id = route_account(account_id)?;
        let p = provider.as_str();
        let mut client = self.pool().get().await?;
        let tx = client.transaction().await?;
        // The account first, then the node: the lock order of ingest (`writer.rs`).
        tx.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended($1 || ':' || $2, 0))",
            &[&p, &account_id],
        )
        .await?;
        let Some(node) = tx
            .query_opt(
                "SELECT last_seq FROM nodes WHERE id = $1 FOR NO KEY UPDATE",
                &[&node_id],
            )
            .await?
        else {
            return Err(StoreError::Invalid(format!(
                "no node with id {node_id:?}; create one with `resto-relay node add NAME` or see `resto-relay node list`"
            )));
        };
        let last_seq: i64 = node.get(0);
        let replaced = tx
            .query_opt(
                "SELECT 1 FROM routes WHERE provider = $1 AND account_id = $2",
                &[&p, &account_id],
            )
            .await?
            .is_some();
        tx.execute(
            "INSERT INTO routes (provider, account_id, node_id, access_token, created_at) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (provider, account_id) DO UPDATE SET node_id = excluded.node_id, \
               access_token = COALESCE(excluded.access_token, routes.access_token)",
            &[&p, &account_id, &node_id, &access_token, &Utc::now()],
        )
        .await?;
        // Parked events become the node's next seqs, in parking order, keeping their
        // received_at; one statement moves them all.
        let moved = tx
            .execute(
                "WITH parked AS ( \
                     DELETE FROM unrouted_events WHERE provider = $1 AND account_id = $2 \
                     RETURNING arrival, id, kind, received_at, payload) \
                 INSERT INTO events (node_id, seq, id, kind, received_at, payload) \
                 SELECT $3, $4 + row_number() OVER (ORDER BY arrival), id, kind, received_at, payload \
                 FROM parked",
                &[&p, &account_id, &node_id, &last_seq],
            )
            .await?;
        if moved > 0 {
            let new_last = last_seq + moved as i64;
            tx.execute(
                "UPDATE nodes SET last_seq = $2 WHERE id = $1",
                &[&node_id, &new_last],
            )
            .await?;
            tx.execute(
                "SELECT pg_notify($1, $2)",
                &[&CHANNEL, &format!("{node_id} {new_last}")],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(RouteAdded {
            moved_unrouted: moved as usize,
            replaced,
        })
    }

    /// The WhatsApp template late notices go as (`store::window::set_template`); false when
    /// the account has no route.
    pub async fn set_template(
        &self,
        provider: Provider,
        account_id: &str,
        template: Option<&str>,
    ) -> Result<bool, StoreError> {
        let client = self.pool().get().await?;
        let n = client
            .execute(
                "UPDATE routes SET window_template = $3 WHERE provider = $1 AND account_id = $2",
                &[&provider.as_str(), &account_id.trim(), &template],
            )
            .await?;
        Ok(n == 1)
    }
}
