//! The relay's outbox: items waiting to be sent to Meta, and the dead-letter queue.

use super::{now_rfc3339, NewOutboxItem, Store, StoreError};
use resto_sync::Provider;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

/// The next reply of one customer, due now (`head` of its customer's queue).
#[derive(Debug, Clone)]
pub struct DueItem {
    pub node_id: String,
    pub id: String,
    pub payload: String,
    /// Attempts made before this one.
    pub attempts: u32,
    /// Who it goes to, from where: at most one reply per customer is in flight.
    pub customer: Customer,
    /// Its place in the queue (arrival order = the edge's outbox order).
    pub queue_seq: i64,
}

/// One customer of one channel account: the unit of reply order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Customer {
    /// `wa:<phone_number_id>`, `msg:<page id>`, `ig:<account id>`.
    pub account: String,
    /// The payload's `to`.
    pub recipient: String,
}

/// A change to one outbox item, committed by the writer.
#[derive(Debug, Clone, PartialEq)]
pub enum OutboxChange {
    /// About to send: counts the attempt and leases the item until `until`, so a relay killed
    /// mid-send retries it after the lease instead of never or at once.
    Claim { until: String },
    /// Graph accepted it; the customer's next reply becomes due.
    Sent { provider_msg_id: String },
    /// Try again at `at`; the customer's later replies keep waiting behind it.
    Retry { at: String, error: String },
    /// Dead-lettered. The customer's later replies are released (sent without it);
    /// `released_later` is how many were queued then, kept in the dead-letter queue.
    Dead { error: String, released_later: u32 },
}

#[derive(Debug, Clone)]
pub struct OutboxUpdate {
    pub node_id: String,
    pub id: String,
    pub change: OutboxChange,
    /// A `message_status` event to append to the node's log in the same transaction.
    pub status_event: Option<String>,
}

/// The customers' next replies whose attempt is due, oldest first; none from `skip_accounts`
/// (accounts the sender cannot take more from right now).
pub const DUE_HEADS: &str = "SELECT node_id, id, payload, attempts, account, recipient, queue_seq \
     FROM outbox_items INDEXED BY outbox_items_due_heads \
     WHERE state = 'queued' AND head = 1 AND next_attempt_at <= ?1 \
       AND account NOT IN (SELECT value FROM json_each(?2)) \
     ORDER BY queue_seq LIMIT ?3";

/// Replies queued for one customer after `queue_seq`.
pub const QUEUED_AFTER: &str =
    "SELECT count(*) FROM outbox_items INDEXED BY outbox_items_customer_queue \
     WHERE state = 'queued' AND account = ?1 AND recipient = ?2 AND queue_seq > ?3";

/// Makes the lowest queued item of a customer its head (after the head left the queue).
pub const PROMOTE_HEAD: &str = "UPDATE outbox_items SET head = 1 \
     WHERE state = 'queued' AND head = 0 AND queue_seq = \
       (SELECT min(queue_seq) FROM outbox_items INDEXED BY outbox_items_customer_queue \
        WHERE state = 'queued' AND account = ?1 AND recipient = ?2)";

impl Store {
    pub async fn due_outbox(
        &self,
        limit: u32,
        skip_accounts: Vec<String>,
    ) -> Result<Vec<DueItem>, StoreError> {
        let skip = serde_json::to_string(&skip_accounts).unwrap_or_else(|_| "[]".into());
        self.read(move |c| {
            let mut st = c.prepare_cached(DUE_HEADS)?;
            let rows = st.query_map(params![now_rfc3339(), skip, limit], |r| {
                Ok(DueItem {
                    node_id: r.get(0)?,
                    id: r.get(1)?,
                    payload: r.get(2)?,
                    attempts: r.get(3)?,
                    customer: Customer {
                        account: r.get(4)?,
                        recipient: r.get(5)?,
                    },
                    queue_seq: r.get(6)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    /// How many replies to the same customer wait behind `item`.
    pub async fn queued_after(&self, item: &DueItem) -> Result<u32, StoreError> {
        let (c, seq) = (item.customer.clone(), item.queue_seq);
        self.read(move |conn| {
            Ok(conn
                .prepare_cached(QUEUED_AFTER)?
                .query_row(params![c.account, c.recipient, seq], |r| r.get(0))?)
        })
        .await
    }

    /// Makes every reply leased by a previous relay process due now; returns how many. Called
    /// at start-up while the data-dir lock is held, so no live sender owns any of them: the
    /// calls they stood for died with that process (at most one per customer, see
    /// docs/protocol.md § Claim).
    pub async fn release_dead_leases(&self) -> Result<usize, StoreError> {
        self.with_connection(|c| {
            Ok(c.prepare_cached(
                "UPDATE outbox_items SET leased = 0, next_attempt_at = ?1 \
                 WHERE state = 'queued' AND leased = 1",
            )?
            .execute(params![now_rfc3339()])?)
        })
        .await
    }

    /// The Meta access token of a route (tokens live only on the relay).
    pub async fn access_token(
        &self,
        provider: Provider,
        account_id: &str,
    ) -> Result<Option<String>, StoreError> {
        let account_id = account_id.to_string();
        self.read(move |c| {
            Ok(c.prepare_cached(
                "SELECT access_token FROM routes WHERE provider = ?1 AND account_id = ?2",
            )?
            .query_row(params![provider.as_str(), account_id], |r| {
                r.get::<_, Option<String>>(0)
            })
            .optional()?
            .flatten())
        })
        .await
    }
}

/// Account and recipient come from the payload the HTTP layer already checked; an item is
/// the head of its customer's queue when nothing else of that customer is queued.
pub const INSERT_ITEM: &str = "INSERT OR IGNORE INTO outbox_items \
     (node_id, id, kind, created_at, received_at, payload, next_attempt_at, \
      queue_seq, account, recipient, head) \
     SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?5, q.seq, c.account, c.recipient, \
        NOT EXISTS (SELECT 1 FROM outbox_items p INDEXED BY outbox_items_customer_queue \
                    WHERE p.state = 'queued' AND p.account = c.account AND p.recipient = c.recipient) \
     FROM (SELECT coalesce(max(queue_seq), 0) + 1 AS seq FROM outbox_items) AS q, \
          (SELECT coalesce(json_extract(?6, '$.provider') || ':' || json_extract(?6, '$.account_id'), '') AS account, \
                  coalesce(json_extract(?6, '$.to'), '') AS recipient) AS c";

/// Queues one item posted by a node, behind everything queued before it; returns false when
/// its id was accepted before (nothing changes). Inside the writer's transaction.
pub(super) fn insert(
    conn: &Connection,
    item: &NewOutboxItem,
    now: &str,
) -> Result<bool, StoreError> {
    let n = conn.prepare_cached(INSERT_ITEM)?.execute(params![
        item.node_id,
        item.id,
        item.kind,
        item.created_at,
        now,
        item.payload
    ])?;
    Ok(n == 1)
}

/// Applies one change inside the writer's transaction.
pub(super) fn apply_change(conn: &Connection, u: &OutboxUpdate) -> Result<(), StoreError> {
    match &u.change {
        OutboxChange::Claim { until } => {
            conn.prepare_cached(
                "UPDATE outbox_items SET attempts = attempts + 1, next_attempt_at = ?3, leased = 1 \
                 WHERE node_id = ?1 AND id = ?2 AND state = 'queued'",
            )?
            .execute(params![u.node_id, u.id, until])?;
        }
        OutboxChange::Retry { at, error } => {
            conn.prepare_cached(
                "UPDATE outbox_items SET next_attempt_at = ?3, last_error = ?4, leased = 0 \
                 WHERE node_id = ?1 AND id = ?2 AND state = 'queued'",
            )?
            .execute(params![u.node_id, u.id, at, error])?;
        }
        OutboxChange::Sent { provider_msg_id } => leave_queue(
            conn,
            "UPDATE outbox_items SET state = 'sent', head = 0, leased = 0, provider_msg_id = ?3, last_error = NULL \
             WHERE node_id = ?1 AND id = ?2 RETURNING account, recipient",
            params![u.node_id, u.id, provider_msg_id],
        )?,
        OutboxChange::Dead {
            error,
            released_later,
        } => leave_queue(
            conn,
            "UPDATE outbox_items SET state = 'dead', head = 0, leased = 0, last_error = ?3, released_later = ?4 \
             WHERE node_id = ?1 AND id = ?2 RETURNING account, recipient",
            params![u.node_id, u.id, error, released_later],
        )?,
    }
    Ok(())
}

/// Runs `sql` (an UPDATE taking the item out of the queue, returning its customer) and hands
/// the customer's turn to their next queued reply, in the same transaction.
fn leave_queue(conn: &Connection, sql: &str, p: impl rusqlite::Params) -> Result<(), StoreError> {
    let customer = conn
        .prepare_cached(sql)?
        .query_row(p, |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .optional()?;
    if let Some((account, recipient)) = customer {
        conn.prepare_cached(PROMOTE_HEAD)?
            .execute(params![account, recipient])?;
    }
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
pub struct DeadLetter {
    pub node_id: String,
    pub id: String,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub received_at: String,
    /// Later replies to the same customer that were queued when this one died: they were
    /// sent without it (None for items dead-lettered before the relay recorded this).
    pub released_later: Option<u32>,
}

pub fn list_dead(conn: &Connection) -> Result<Vec<DeadLetter>, StoreError> {
    let mut st = conn.prepare(
        "SELECT node_id, id, attempts, last_error, received_at, released_later FROM outbox_items \
         WHERE state = 'dead' ORDER BY received_at, id",
    )?;
    let rows = st.query_map([], |r| {
        Ok(DeadLetter {
            node_id: r.get(0)?,
            id: r.get(1)?,
            attempts: r.get(2)?,
            last_error: r.get(3)?,
            received_at: r.get(4)?,
            released_later: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Puts dead items (one id, or all when `id` is None) back in the queue, due now, with a
/// fresh attempt budget. Returns how many were requeued. A requeued item takes back its
/// place in its customer's queue: if replies queued after it are still waiting, it goes
/// first (those already sent stay sent).
pub fn retry_dead(conn: &Connection, id: Option<&str>) -> Result<usize, StoreError> {
    let tx = conn.unchecked_transaction()?;
    let customers: Vec<(String, String)> = tx
        .prepare(
            "UPDATE outbox_items SET state = 'queued', attempts = 0, next_attempt_at = ?1, \
             released_later = NULL WHERE state = 'dead' AND (?2 IS NULL OR id = ?2) \
             RETURNING account, recipient",
        )?
        .query_map(params![now_rfc3339(), id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut distinct = customers.clone();
    distinct.sort();
    distinct.dedup();
    for (account, recipient) in &distinct {
        tx.execute(RESET_HEAD, params![account, recipient])?;
    }
    tx.commit()?;
    Ok(customers.len())
}

/// Makes the lowest queued item of a customer its head and every other one not.
pub const RESET_HEAD: &str =
    "UPDATE outbox_items INDEXED BY outbox_items_customer_queue SET head = (queue_seq IS \
       (SELECT min(queue_seq) FROM outbox_items INDEXED BY outbox_items_customer_queue \
        WHERE state = 'queued' AND account = ?1 AND recipient = ?2)) \
     WHERE state = 'queued' AND account = ?1 AND recipient = ?2";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{admin, migrate, open_connection, IngestBatch};

    fn item(node: &str, id: &str, to: &str) -> NewOutboxItem {
        NewOutboxItem {
            node_id: node.into(),
            id: id.into(),
            kind: "send_message".into(),
            created_at: now_rfc3339(),
            payload: serde_json::json!({"provider": "wa", "account_id": "1098", "to": to,
                "message": {"type": "text", "text": id}})
            .to_string(),
        }
    }

    fn change(node: &str, id: &str, change: OutboxChange) -> IngestBatch {
        IngestBatch {
            outbox_updates: vec![OutboxUpdate {
                node_id: node.into(),
                id: id.into(),
                change,
                status_event: None,
            }],
            ..Default::default()
        }
    }

    async fn due_ids(store: &Store) -> Vec<String> {
        let due = store.due_outbox(100, Vec::new()).await.unwrap();
        due.into_iter().map(|d| d.id).collect()
    }

    fn setup(tag: &str) -> (std::path::PathBuf, Store, String) {
        let dir = std::env::temp_dir().join(format!("relay-{tag}-{}", ulid::Ulid::new()));
        let path = dir.join("relay.db");
        migrate(&path).unwrap();
        let node = admin::add_node(&mut open_connection(&path).unwrap(), "n")
            .unwrap()
            .id;
        (dir, Store::open(&path).unwrap(), node)
    }

    /// Each customer's next reply is offered, in queue order; the next one only once the
    /// previous one is sent or dead (then the later ones are released and counted).
    #[tokio::test]
    async fn only_each_customers_next_reply_is_due_and_the_turn_passes_on_its_outcome() {
        let (dir, store, n) = setup("order");
        let batch = IngestBatch {
            outbox: ["a1", "b1", "a2", "a3"]
                .iter()
                .map(|id| item(&n, id, &id[..1]))
                .collect(),
            ..Default::default()
        };
        store.ingest(batch).await.unwrap();
        assert_eq!(due_ids(&store).await, vec!["a1", "b1"]);
        let later = chrono::Utc::now() + chrono::Duration::seconds(60);
        let until = later.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        store
            .ingest(change(&n, "a1", OutboxChange::Claim { until }))
            .await
            .unwrap();
        assert_eq!(due_ids(&store).await, vec!["b1"], "a1 in flight holds a2");
        let due = store.due_outbox(100, Vec::new()).await.unwrap();
        assert_eq!(due[0].customer.account, "wa:1098");
        assert_eq!(due[0].customer.recipient, "b");
        assert_eq!(
            store
                .due_outbox(100, vec!["wa:1098".into()])
                .await
                .unwrap()
                .len(),
            0,
            "a skipped account offers nothing"
        );
        let sent = OutboxChange::Sent {
            provider_msg_id: "wamid.1".into(),
        };
        store.ingest(change(&n, "a1", sent)).await.unwrap();
        assert_eq!(due_ids(&store).await, vec!["b1", "a2"]);
        let a2 = store.due_outbox(100, Vec::new()).await.unwrap().remove(1);
        assert_eq!(store.queued_after(&a2).await.unwrap(), 1);
        let dead = OutboxChange::Dead {
            error: "refused".into(),
            released_later: 1,
        };
        store.ingest(change(&n, "a2", dead)).await.unwrap();
        assert_eq!(due_ids(&store).await, vec!["b1", "a3"], "a3 released");
        let path = dir.join("relay.db");
        let conn = open_connection(&path).unwrap();
        let dlq = list_dead(&conn).unwrap();
        assert_eq!((dlq[0].id.as_str(), dlq[0].released_later), ("a2", Some(1)));
        // Retried, a dead letter takes back its place before what is still queued.
        assert_eq!(retry_dead(&conn, Some("a2")).unwrap(), 1);
        assert_eq!(due_ids(&store).await, vec!["b1", "a2"]);
        // A new reply of a customer with nothing queued is due at once, behind nobody.
        let batch = IngestBatch {
            outbox: vec![item(&n, "c1", "c"), item(&n, "a4", "a")],
            ..Default::default()
        };
        let out = store.ingest(batch).await.unwrap();
        assert_eq!(out.outbox_new, vec![true, true]);
        assert_eq!(due_ids(&store).await, vec!["b1", "a2", "c1"]);
        std::fs::remove_dir_all(dir).ok();
    }

    /// A lease left by a dead process is released at start-up, so the customer's queue moves
    /// at once; a retry waiting out its backoff is not a lease and keeps its time.
    #[tokio::test]
    async fn leases_of_a_dead_relay_are_released_and_backoffs_kept() {
        let (dir, store, n) = setup("lease");
        let batch = IngestBatch {
            outbox: vec![
                item(&n, "a1", "a"),
                item(&n, "a2", "a"),
                item(&n, "b1", "b"),
            ],
            ..Default::default()
        };
        store.ingest(batch).await.unwrap();
        let later = chrono::Utc::now() + chrono::Duration::seconds(60);
        let until = later.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        for id in ["a1", "b1"] {
            let claim = OutboxChange::Claim {
                until: until.clone(),
            };
            store.ingest(change(&n, id, claim)).await.unwrap();
        }
        let retry = OutboxChange::Retry {
            at: until.clone(),
            error: "500".into(),
        };
        store.ingest(change(&n, "b1", retry)).await.unwrap();
        assert!(
            due_ids(&store).await.is_empty(),
            "a1 leased, b1 backing off"
        );
        assert_eq!(store.release_dead_leases().await.unwrap(), 1);
        assert_eq!(
            due_ids(&store).await,
            vec!["a1"],
            "a1 again; b1 keeps its backoff"
        );
        assert_eq!(
            store.release_dead_leases().await.unwrap(),
            0,
            "released once"
        );
        std::fs::remove_dir_all(dir).ok();
    }

    /// Replies queued before the upgrade keep their arrival order, one head per customer.
    #[tokio::test]
    async fn replies_queued_before_the_upgrade_keep_their_order() {
        let dir = std::env::temp_dir().join(format!("relay-v8-{}", ulid::Ulid::new()));
        let path = dir.join("relay.db");
        std::fs::create_dir_all(&dir).unwrap();
        {
            let mut c = open_connection(&path).unwrap();
            crate::store::embedded::migrations::runner()
                .set_target(refinery::Target::Version(7))
                .run(&mut c)
                .unwrap();
            let n = admin::add_node(&mut c, "n").unwrap().id;
            for (id, to, at, state) in [
                ("x2", "x", "2026-11-23T10:00:02.000Z", "queued"),
                ("x1", "x", "2026-11-23T10:00:01.000Z", "queued"),
                ("y1", "y", "2026-11-23T10:00:03.000Z", "queued"),
                ("x0", "x", "2026-11-23T10:00:00.000Z", "sent"),
            ] {
                let p = item(&n, id, to).payload;
                c.execute(
                    "INSERT INTO outbox_items (node_id, id, kind, created_at, received_at, payload, state, next_attempt_at) \
                     VALUES (?1, ?2, 'send_message', ?3, ?3, ?4, ?5, ?3)",
                    params![n, id, at, p, state],
                )
                .unwrap();
            }
        }
        let store = Store::open(&path).unwrap();
        assert_eq!(due_ids(&store).await, vec!["x1", "y1"]);
        std::fs::remove_dir_all(dir).ok();
    }
}
