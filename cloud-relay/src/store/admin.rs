//! Operator actions on nodes and routes (the `node` and `route` subcommands). They run in
//! their own process against the same file, so everything here is one short transaction.

use super::writer::append_to_node;
use super::{now_rfc3339, StoreError};
use resto_sync::Provider;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct NodeRow {
    pub id: String,
    pub name: String,
    pub secret_generation: u32,
    pub last_seq: u64,
    pub created_at: String,
    pub last_seen_at: Option<String>,
    pub routes: u64,
}

pub fn add_node(conn: &mut Connection, name: &str) -> Result<NodeRow, StoreError> {
    let (id, name) = new_node(name)?;
    let now = now_rfc3339();
    let inserted = conn.execute(
        "INSERT OR IGNORE INTO nodes (id, name, created_at) VALUES (?1, ?2, ?3)",
        params![id, name, now],
    )?;
    added_node(inserted as u64, id, name, now)
}

/// The account a route answers for, trimmed, or why it is refused. Both backends.
pub(crate) fn route_account(account_id: &str) -> Result<&str, StoreError> {
    let account_id = account_id.trim();
    if account_id.is_empty() {
        return Err(StoreError::Invalid(
            "--account is empty: give the WhatsApp phone_number_id, the Page id or the Instagram account id".into(),
        ));
    }
    Ok(account_id)
}

/// A new node's id and its trimmed name, or why the name is refused. Both backends.
pub(crate) fn new_node(name: &str) -> Result<(String, &str), StoreError> {
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
    Ok((id, name))
}

/// The node just inserted, or the "name taken" error when the insert did nothing.
pub(crate) fn added_node(
    inserted: u64,
    id: String,
    name: &str,
    created_at: String,
) -> Result<NodeRow, StoreError> {
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
        created_at,
        last_seen_at: None,
        routes: 0,
    })
}

pub fn list_nodes(conn: &Connection) -> Result<Vec<NodeRow>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT n.id, n.name, n.secret_generation, n.last_seq, n.created_at, n.last_seen_at, \
                (SELECT count(*) FROM routes r WHERE r.node_id = n.id) \
         FROM nodes n ORDER BY n.created_at, n.id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(NodeRow {
            id: r.get(0)?,
            name: r.get(1)?,
            secret_generation: r.get(2)?,
            last_seq: r.get::<_, i64>(3)? as u64,
            created_at: r.get(4)?,
            last_seen_at: r.get(5)?,
            routes: r.get::<_, i64>(6)? as u64,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn find_node(conn: &Connection, id: &str) -> Result<Option<NodeRow>, StoreError> {
    Ok(list_nodes(conn)?.into_iter().find(|n| n.id == id))
}

#[derive(Debug, Clone, Serialize)]
pub struct RouteRow {
    pub provider: Provider,
    pub account_id: String,
    pub node_id: String,
    pub has_access_token: bool,
    pub created_at: String,
    /// The template late notices go as (`route template`).
    pub window_template: Option<String>,
}

/// What `route add` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteAdded {
    /// Parked events for this account now appended to the node's log.
    pub moved_unrouted: usize,
    /// The route existed and pointed elsewhere (or had another token); it was replaced.
    pub replaced: bool,
}

/// Adds or replaces a route, and hands the node every event that was parked for the account.
pub fn add_route(
    conn: &mut Connection,
    provider: Provider,
    account_id: &str,
    node_id: &str,
    access_token: Option<&str>,
) -> Result<RouteAdded, StoreError> {
    let account_id = route_account(account_id)?;
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let exists: bool = tx
        .query_row(
            "SELECT 1 FROM nodes WHERE id = ?1",
            params![node_id],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    if !exists {
        return Err(StoreError::Invalid(format!(
            "no node with id {node_id:?}; create one with `resto-relay node add NAME` or see `resto-relay node list`"
        )));
    }
    let replaced = tx
        .query_row(
            "SELECT 1 FROM routes WHERE provider = ?1 AND account_id = ?2",
            params![provider.as_str(), account_id],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    let now = now_rfc3339();
    tx.execute(
        "INSERT INTO routes (provider, account_id, node_id, access_token, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (provider, account_id) DO UPDATE SET node_id = excluded.node_id, \
           access_token = COALESCE(excluded.access_token, routes.access_token)",
        params![provider.as_str(), account_id, node_id, access_token, now],
    )?;
    let parked: Vec<(String, String, String, String)> = {
        let mut stmt = tx.prepare(
            "SELECT id, kind, received_at, payload FROM unrouted_events \
             WHERE provider = ?1 AND account_id = ?2 ORDER BY received_at, rowid",
        )?;
        let rows = stmt.query_map(params![provider.as_str(), account_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
        rows.collect::<Result<_, _>>()?
    };
    for (id, kind, received_at, payload) in &parked {
        append_to_node(&tx, node_id, id, kind, received_at, payload)?;
    }
    tx.execute(
        "DELETE FROM unrouted_events WHERE provider = ?1 AND account_id = ?2",
        params![provider.as_str(), account_id],
    )?;
    tx.commit()?;
    Ok(RouteAdded {
        moved_unrouted: parked.len(),
        replaced,
    })
}

pub fn list_routes(conn: &Connection) -> Result<Vec<RouteRow>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT provider, account_id, node_id, access_token IS NOT NULL, created_at, window_template \
         FROM routes ORDER BY node_id, provider, account_id",
    )?;
    let rows = stmt.query_map([], |r| {
        let p: String = r.get(0)?;
        Ok(RouteRow {
            provider: Provider::parse(&p).unwrap_or(Provider::Wa),
            account_id: r.get(1)?,
            node_id: r.get(2)?,
            has_access_token: r.get(3)?,
            created_at: r.get(4)?,
            window_template: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{migrate, open_connection};

    fn db() -> (std::path::PathBuf, Connection) {
        let dir = std::env::temp_dir().join(format!(
            "relay-admin-{}-{}",
            std::process::id(),
            ulid::Ulid::new()
        ));
        let path = dir.join("relay.db");
        migrate(&path).unwrap();
        (dir, open_connection(&path).unwrap())
    }

    #[test]
    fn route_to_an_unknown_node_is_refused_with_a_hint() {
        let (dir, mut c) = db();
        let err = add_route(&mut c, Provider::Wa, "123", "node_nope", None).unwrap_err();
        assert!(err.to_string().contains("node list"), "{err}");
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn adding_a_route_moves_parked_events_to_the_node_in_order() {
        let (dir, mut c) = db();
        let node = add_node(&mut c, "Pizzeria").unwrap();
        for (i, t) in ["2026-01-01T00:00:00.000Z", "2026-01-01T00:00:01.000Z"]
            .iter()
            .enumerate()
        {
            c.execute(
                "INSERT INTO unrouted_events (id, provider, account_id, kind, received_at, payload) \
                 VALUES (?1, 'wa', '42', 'inbound_message', ?2, '{}')",
                params![format!("evt_{i}"), t],
            )
            .unwrap();
        }
        let added = add_route(&mut c, Provider::Wa, "42", &node.id, None).unwrap();
        assert_eq!(added.moved_unrouted, 2);
        let ids: Vec<(i64, String)> = c
            .prepare("SELECT seq, id FROM events ORDER BY seq")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(ids, vec![(1, "evt_0".into()), (2, "evt_1".into())]);
        let left: i64 = c
            .query_row("SELECT count(*) FROM unrouted_events", [], |r| r.get(0))
            .unwrap();
        assert_eq!(left, 0);
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn node_names_are_unique() {
        let (dir, mut c) = db();
        add_node(&mut c, "Chez Amine").unwrap();
        let err = add_node(&mut c, "Chez Amine").unwrap_err();
        assert!(err.to_string().contains("already exists"));
        std::fs::remove_dir_all(dir).ok();
    }
}
