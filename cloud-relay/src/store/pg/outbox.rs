//! The outbox on PostgreSQL, with `store::outbox`'s shapes: items posted by nodes are queued
//! per customer, each customer's `head` is the one reply that may be sent next, and the
//! turn passes on when it is sent or dead-lettered.
//!
//! Several relays share the queue. `head` is only changed under the customer's advisory lock
//! (taken after the node rows, `writer.rs` § Lock order), so a customer never has two heads.
//! Replies are claimed with `claim_items`: one statement that leases the chosen heads, if
//! still due, by moving their `next_attempt_at` to the end of the lease, so two relays never
//! claim one reply, and the lease of a relay that died runs out by itself (SQLite's
//! `release_dead_leases` at start-up would release the leases of live relays too).

use super::super::outbox::{Customer, DeadLetter, DueItem, OutboxChange, OutboxUpdate};
use super::super::{IngestBatch, NewOutboxItem, StoreError};
use super::PgStore;
use chrono::{DateTime, SecondsFormat, Utc};
use deadpool_postgres::Transaction;
use resto_sync::Provider;
use std::collections::BTreeSet;

const DUE_COLUMNS: &str = "node_id, id, payload, attempts, account, recipient, queue_seq";

/// Makes the lowest queued item of a customer its head (after the head left the queue).
const PROMOTE_HEAD: &str = "UPDATE outbox_items SET head = true \
     WHERE state = 'queued' AND NOT head AND account = $1 AND recipient = $2 AND queue_seq = \
       (SELECT min(queue_seq) FROM outbox_items WHERE state = 'queued' AND account = $1 AND recipient = $2)";

/// Makes the lowest queued item of a customer its head and every other one not.
const RESET_HEAD: &str = "UPDATE outbox_items SET head = (queue_seq = \
       (SELECT min(queue_seq) FROM outbox_items WHERE state = 'queued' AND account = $1 AND recipient = $2)) \
     WHERE state = 'queued' AND account = $1 AND recipient = $2";

/// The customer an item goes to, as `store::outbox::INSERT_ITEM` derives it on SQLite:
/// `<provider>:<account_id>` and `to` of the payload the HTTP layer checked ('' if absent).
fn customer_of(payload: &str) -> Customer {
    let v: serde_json::Value = serde_json::from_str(payload).unwrap_or_default();
    let text = |k: &str| match &v[k] {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    Customer {
        account: match (text("provider"), text("account_id")) {
            (Some(p), Some(a)) => format!("{p}:{a}"),
            _ => String::new(),
        },
        recipient: text("to").unwrap_or_default(),
    }
}

fn parse_time(t: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(t)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Invalid(format!("outbox time {t:?} is not RFC 3339: {e}")))
}

/// Takes the customers' advisory locks, in one sorted statement.
async fn lock_customers(
    tx: &Transaction<'_>,
    customers: &BTreeSet<Customer>,
) -> Result<(), StoreError> {
    if customers.is_empty() {
        return Ok(());
    }
    let accounts: Vec<&str> = customers.iter().map(|c| c.account.as_str()).collect();
    let recipients: Vec<&str> = customers.iter().map(|c| c.recipient.as_str()).collect();
    tx.query(
        "SELECT pg_advisory_xact_lock(k) FROM ( \
             SELECT DISTINCT hashtextextended('customer:' || a || ':' || r, 0) AS k \
             FROM unnest($1::text[], $2::text[]) AS t(a, r) ORDER BY k) AS keys",
        &[&accounts, &recipients],
    )
    .await?;
    Ok(())
}

/// The group's outbox work, inside its transaction, batch by batch (away notices, items,
/// then changes); returns each batch's `outbox_new`. Status events of the changes are appended by the
/// caller with the group's other events.
pub(super) async fn apply(
    tx: &Transaction<'_>,
    batches: &[&IngestBatch],
    notices: &[Vec<NewOutboxItem>],
    now: &DateTime<Utc>,
) -> Result<Vec<Vec<bool>>, StoreError> {
    let mut customers: BTreeSet<Customer> = batches
        .iter()
        .flat_map(|b| &b.outbox)
        .chain(notices.iter().flatten())
        .map(|i| customer_of(&i.payload))
        .collect();
    let updates: Vec<&OutboxUpdate> = batches.iter().flat_map(|b| &b.outbox_updates).collect();
    if !updates.is_empty() {
        let nodes: Vec<&str> = updates.iter().map(|u| u.node_id.as_str()).collect();
        let ids: Vec<&str> = updates.iter().map(|u| u.id.as_str()).collect();
        let rows = tx
            .query(
                "SELECT o.account, o.recipient FROM outbox_items o \
                 JOIN unnest($1::text[], $2::text[]) AS t(n, i) ON o.node_id = t.n AND o.id = t.i",
                &[&nodes, &ids],
            )
            .await?;
        customers.extend(rows.iter().map(|r| Customer {
            account: r.get(0),
            recipient: r.get(1),
        }));
    }
    if customers.is_empty() {
        return Ok(vec![Vec::new(); batches.len()]);
    }
    lock_customers(tx, &customers).await?;
    let mut out = Vec::with_capacity(batches.len());
    for (bi, batch) in batches.iter().enumerate() {
        // Away notices first: on SQLite they are queued as their message is stored, before
        // the batch's own items.
        for notice in notices.get(bi).into_iter().flatten() {
            insert(tx, notice, now).await?;
        }
        let mut new = Vec::with_capacity(batch.outbox.len());
        for item in &batch.outbox {
            new.push(insert(tx, item, now).await?);
        }
        for u in &batch.outbox_updates {
            apply_change(tx, u).await?;
        }
        out.push(new);
    }
    Ok(out)
}

/// Queues one item behind everything queued before it; false when its id was accepted
/// before (nothing changes).
async fn insert(
    tx: &Transaction<'_>,
    item: &NewOutboxItem,
    now: &DateTime<Utc>,
) -> Result<bool, StoreError> {
    let c = customer_of(&item.payload);
    let statement = tx
        .prepare_cached(
            "INSERT INTO outbox_items (node_id, id, kind, created_at, received_at, payload, \
                 next_attempt_at, account, recipient, head) \
             SELECT $1, $2, $3, $4, $5, $6, $5, $7, $8, NOT EXISTS ( \
                 SELECT 1 FROM outbox_items p WHERE p.state = 'queued' AND p.account = $7 AND p.recipient = $8) \
             ON CONFLICT (node_id, id) DO NOTHING",
        )
        .await?;
    let n = tx
        .execute(
            &statement,
            &[
                &item.node_id,
                &item.id,
                &item.kind,
                &item.created_at,
                now,
                &item.payload,
                &c.account,
                &c.recipient,
            ],
        )
        .await?;
    Ok(n == 1)
}

async fn apply_change(tx: &Transaction<'_>, u: &OutboxUpdate) -> Result<(), StoreError> {
    let key: [&(dyn tokio_postgres::types::ToSql + Sync); 2] = [&u.node_id, &u.id];
    match &u.change {
        OutboxChange::Claim { until } => {
            tx.execute(
                "UPDATE outbox_items SET attempts = attempts + 1, next_attempt_at = $3, leased = true \
                 WHERE node_id = $1 AND id = $2 AND state = 'queued'",
                &[key[0], key[1], &parse_time(until)?],
            )
            .await?;
        }
        OutboxChange::Retry { at, error } => {
            tx.execute(
                "UPDATE outbox_items SET next_attempt_at = $3, last_error = $4, leased = false, leased_by = NULL \
                 WHERE node_id = $1 AND id = $2 AND state = 'queued'",
                &[key[0], key[1], &parse_time(at)?, error],
            )
            .await?;
        }
        OutboxChange::Sent { provider_msg_id } => {
            let left = tx
                .query_opt(
                    "UPDATE outbox_items SET state = 'sent', head = false, leased = false, leased_by = NULL, \
                         provider_msg_id = $3, last_error = NULL \
                     WHERE node_id = $1 AND id = $2 RETURNING account, recipient",
                    &[key[0], key[1], provider_msg_id],
                )
                .await?;
            promote(tx, left).await?;
        }
        OutboxChange::Dead {
            error,
            released_later,
        } => {
            let left = tx
                .query_opt(
                    "UPDATE outbox_items SET state = 'dead', head = false, leased = false, leased_by = NULL, \
                         last_error = $3, released_later = $4 \
                     WHERE node_id = $1 AND id = $2 RETURNING account, recipient",
                    &[key[0], key[1], error, &(*released_later as i32)],
                )
                .await?;
            promote(tx, left).await?;
        }
    }
    Ok(())
}

/// Hands the customer's turn to their next queued reply.
async fn promote(
    tx: &Transaction<'_>,
    left: Option<tokio_postgres::Row>,
) -> Result<(), StoreError> {
    if let Some(r) = left {
        let (account, recipient): (String, String) = (r.get(0), r.get(1));
        tx.execute(PROMOTE_HEAD, &[&account, &recipient]).await?;
    }
    Ok(())
}

fn due_item(r: &tokio_postgres::Row) -> DueItem {
    DueItem {
        node_id: r.get(0),
        id: r.get(1),
        payload: r.get(2),
        attempts: r.get::<_, i32>(3) as u32,
        customer: Customer {
            account: r.get(4),
            recipient: r.get(5),
        },
        queue_seq: r.get(6),
    }
}

impl PgStore {
    /// The customers' next replies whose attempt is due, oldest first; none from
    /// `skip_accounts`. Only a look: `claim_items` is what takes them.
    pub async fn due_outbox(
        &self,
        limit: u32,
        skip_accounts: Vec<String>,
    ) -> Result<Vec<DueItem>, StoreError> {
        let client = self.pool().get().await?;
        let rows = client
            .query(
                &format!(
                    "SELECT {DUE_COLUMNS} FROM outbox_items \
                     WHERE state = 'queued' AND head AND next_attempt_at <= now() AND account <> ALL($1) \
                     ORDER BY queue_seq LIMIT $2"
                ),
                &[&skip_accounts, &(limit as i64)],
            )
            .await?;
        Ok(rows.iter().map(due_item).collect())
    }

    /// Leases the chosen `items` until `until` if they are still due heads, `FOR UPDATE SKIP
    /// LOCKED`: of two relays that chose the same reply, the second skips the row the first
    /// is claiming, or (once that committed) no longer sees it due; never both, and neither
    /// waits on the other.
    pub async fn claim_items(
        &self,
        items: &[DueItem],
        until: DateTime<Utc>,
    ) -> Result<Vec<DueItem>, StoreError> {
        if items.is_empty() {
            return Ok(Vec::new());
        }
        let nodes: Vec<&str> = items.iter().map(|d| d.node_id.as_str()).collect();
        let ids: Vec<&str> = items.iter().map(|d| d.id.as_str()).collect();
        let client = self.pool().get().await?;
        let rows = client
            .query(
                "WITH c AS ( \
                     SELECT o.node_id, o.id FROM outbox_items o \
                     JOIN unnest($1::text[], $2::text[]) AS chosen(node_id, id) USING (node_id, id) \
                     WHERE o.state = 'queued' AND o.head AND o.next_attempt_at <= now() \
                     FOR UPDATE OF o SKIP LOCKED) \
                 UPDATE outbox_items o SET attempts = o.attempts + 1, next_attempt_at = $3, leased = true, \
                     leased_by = $4 \
                 FROM c WHERE o.node_id = c.node_id AND o.id = c.id \
                 RETURNING o.node_id, o.id, o.payload, o.attempts - 1, o.account, o.recipient, o.queue_seq",
                &[&nodes, &ids, &until, &self.instance()],
            )
            .await?;
        let mut claimed: Vec<DueItem> = rows.iter().map(due_item).collect();
        claimed.sort_by_key(|d| d.queue_seq);
        Ok(claimed)
    }

    /// At start-up: makes the replies leased by this relay's previous process due now (its
    /// data-dir lock says that process is dead); other relays' leases stay.
    pub async fn release_own_leases(&self) -> Result<usize, StoreError> {
        let client = self.pool().get().await?;
        let n = client
            .execute(
                "UPDATE outbox_items SET leased = false, leased_by = NULL, next_attempt_at = now() \
                 WHERE state = 'queued' AND leased AND leased_by = $1",
                &[&self.instance()],
            )
            .await?;
        Ok(n as usize)
    }

    /// Replies in the dead-letter queue.
    pub async fn dead_count(&self) -> Result<u64, StoreError> {
        let client = self.pool().get().await?;
        let n: i64 = client
            .query_one(
                "SELECT count(*) FROM outbox_items WHERE state = 'dead'",
                &[],
            )
            .await?
            .get(0);
        Ok(n as u64)
    }

    /// How many replies to the same customer wait behind `item`.
    pub async fn queued_after(&self, item: &DueItem) -> Result<u32, StoreError> {
        let client = self.pool().get().await?;
        let n: i64 = client
            .query_one(
                "SELECT count(*) FROM outbox_items \
                 WHERE state = 'queued' AND account = $1 AND recipient = $2 AND queue_seq > $3",
                &[
                    &item.customer.account,
                    &item.customer.recipient,
                    &item.queue_seq,
                ],
            )
            .await?
            .get(0);
        Ok(n as u32)
    }

    /// The Meta access token of a route (tokens live only on the relay).
    pub async fn access_token(
        &self,
        provider: Provider,
        account_id: &str,
    ) -> Result<Option<String>, StoreError> {
        let client = self.pool().get().await?;
        Ok(client
            .query_opt(
                "SELECT access_token FROM routes WHERE provider = $1 AND account_id = $2",
                &[&provider.as_str(), &account_id],
            )
            .await?
            .and_then(|r| r.get(0)))
    }

    pub async fn list_dead(&self) -> Result<Vec<DeadLetter>, StoreError> {
        let client = self.pool().get().await?;
        let rows = client
            .query(
                "SELECT node_id, id, attempts, last_error, received_at, released_later FROM outbox_items \
                 WHERE state = 'dead' ORDER BY received_at, id",
                &[],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| DeadLetter {
                node_id: r.get(0),
                id: r.get(1),
                attempts: r.get::<_, i32>(2) as u32,
                last_error: r.get(3),
                received_at: r
                    .get::<_, DateTime<Utc>>(4)
                    .to_rfc3339_opts(SecondsFormat::Millis, true),
                released_later: r.get::<_, Option<i32>>(5).map(|n| n as u32),
            })
            .collect())
    }

    /// Puts dead items (one id, or all when `id` is None) back in the queue, due now, with a
    /// fresh attempt budget; a requeued item takes back its place before what its customer
    /// still has queued. Returns how many were requeued.
    pub async fn retry_dead(&self, id: Option<&str>) -> Result<usize, StoreError> {
        let mut client = self.pool().get().await?;
        let tx = client.transaction().await?;
        let customers: BTreeSet<Customer> = tx
            .query(
                "SELECT account, recipient FROM outbox_items WHERE state = 'dead' AND ($1::text IS NULL OR id = $1)",
                &[&id],
            )
            .await?
            .iter()
            .map(|r| Customer {
                account: r.get(0),
                recipient: r.get(1),
            })
            .collect();
        lock_customers(&tx, &customers).await?;
        let n = tx
            .execute(
                "UPDATE outbox_items SET state = 'queued', attempts = 0, next_attempt_at = now(), \
                 released_later = NULL WHERE state = 'dead' AND ($1::text IS NULL OR id = $1)",
                &[&id],
            )
            .await?;
        for c in &customers {
            tx.execute(RESET_HEAD, &[&c.account, &c.recipient]).await?;
        }
        tx.commit().await?;
        Ok(n as usize)
    }
}
