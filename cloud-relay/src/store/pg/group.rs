//! One group's transaction on PostgreSQL, step by step (the order is the lock order of
//! `writer.rs`: dedupe keys, then accounts (shared), then node rows (and the away notices
//! written under them), then outbox customers, then customer windows).

use super::super::writer::EventFate;
use super::super::{new_event_id, IngestBatch, IngestOutcome, NewEvent, StoreError};
use super::away::{Candidate, Presence, Told};
use super::writer::CHANNEL;
use chrono::{DateTime, Utc};
use deadpool_postgres::{Pool, Transaction};
use resto_sync::EventKind;
use std::collections::{BTreeSet, HashMap, HashSet};
use tokio_postgres::types::ToSql;
use tokio_postgres::Row;

/// An event waiting for its seq: where its fate goes (batch, index) and what it is.
struct Append<'a> {
    batch: usize,
    fate: usize,
    node_id: &'a str,
    kind: &'a str,
    payload: &'a str,
    /// The customer message it stores (None for status events), for away notices.
    event: Option<&'a NewEvent>,
}

/// What the group will write, decided from the dedupe keys and routes.
#[derive(Default)]
struct Plan<'a> {
    outcomes: Vec<IngestOutcome>,
    /// Events to append, in group order: routed new events, then the status events of the
    /// batch's outbox changes.
    appends: Vec<Append<'a>>,
    unrouted: Vec<&'a NewEvent>,
    /// New customer messages, for the customer windows.
    touched: Vec<&'a NewEvent>,
}

/// One transaction, one commit, for the whole group.
pub(super) async fn apply(
    pool: &Pool,
    batches: &[&IngestBatch],
    up_since: DateTime<Utc>,
) -> Result<Vec<IngestOutcome>, StoreError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let now: DateTime<Utc> = Utc::now();
    // Statements that do not wait on each other's answers are pipelined (sent together,
    // run in the order sent): four round trips a group instead of a dozen, while the
    // group's node rows are locked.
    let (fresh, routes) = tokio::try_join!(
        insert_dedupe_keys(&tx, batches, &now),
        read_routes(&tx, batches)
    )?;
    let mut plan = plan(batches, fresh, &routes);
    let (before, presence) = lock_nodes(&tx, batches, &plan).await?;
    let mut last_seq = before.clone();
    let mut rows = assign_seqs(&mut plan, &mut last_seq)?;
    // After the node rows, before the customer windows (the lock order).
    let told = tell_away(&tx, batches, &plan, &rows, presence, up_since, &now).await?;
    rows.away = rows
        .ids
        .iter()
        .map(|id| told.flagged_events.contains(id))
        .collect();
    let outbox_new = super::outbox::apply(&tx, batches, &told.notices, &now).await?;
    for ((outcome, new), flags) in plan.outcomes.iter_mut().zip(outbox_new).zip(told.flags) {
        outcome.outbox_new = new;
        outcome.away = flags;
    }
    tokio::try_join!(
        insert_events(&tx, &rows, &now),
        insert_unrouted(&tx, &plan.unrouted, &now),
        touch_windows(&tx, &plan.touched),
        apply_acks(&tx, batches, &now),
        insert_security(&tx, batches, &now),
        advance_and_notify(&tx, &before, &last_seq),
    )?;
    tx.commit().await?;
    Ok(plan.outcomes)
}

/// Away notices for the stored customer messages whose route wants them (`away.rs`).
async fn tell_away(
    tx: &Transaction<'_>,
    batches: &[&IngestBatch],
    plan: &Plan<'_>,
    rows: &EventRows<'_>,
    presence: HashMap<String, Presence>,
    up_since: DateTime<Utc>,
    now: &DateTime<Utc>,
) -> Result<Told, StoreError> {
    let candidates: Vec<Candidate> = plan
        .appends
        .iter()
        .zip(&rows.ids)
        .filter_map(|(a, id)| {
            let event = a.event?;
            Some(Candidate {
                batch: a.batch,
                node_id: a.node_id,
                event_id: id,
                event,
                notice: event.away.as_ref()?,
            })
        })
        .collect();
    if candidates.is_empty() {
        return Ok(Told {
            flags: vec![Vec::new(); batches.len()],
            notices: vec![Vec::new(); batches.len()],
            flagged_events: Vec::new(),
        });
    }
    let acks: Vec<Option<&str>> = batches
        .iter()
        .map(|b| b.ack.as_ref().map(|(n, _)| n.as_str()))
        .collect();
    super::away::tell(tx, &candidates, presence, &acks, up_since, now).await
}

/// Acks in batch order (a later poll of the group may ack further).
async fn apply_acks(
    tx: &Transaction<'_>,
    batches: &[&IngestBatch],
    now: &DateTime<Utc>,
) -> Result<(), StoreError> {
    for batch in batches {
        if let Some((node, seq)) = &batch.ack {
            exec(
                tx,
                "UPDATE nodes SET acked_seq = GREATEST(acked_seq, LEAST($2, last_seq)), last_seen_at = $3 WHERE id = $1",
                &[node, &(*seq as i64), now],
            )
            .await?;
        }
    }
    Ok(())
}

/// All the group's dedupe keys in one sorted insert; returns those nobody had seen.
async fn insert_dedupe_keys(
    tx: &Transaction<'_>,
    batches: &[&IngestBatch],
    now: &DateTime<Utc>,
) -> Result<HashSet<(String, String)>, StoreError> {
    let keys: BTreeSet<(&str, &str)> = batches
        .iter()
        .flat_map(|b| &b.events)
        .map(|e| (e.provider.as_str(), e.dedupe_key.as_str()))
        .collect();
    if keys.is_empty() {
        return Ok(HashSet::new());
    }
    let (providers, msg_ids): (Vec<&str>, Vec<&str>) = keys.iter().copied().unzip();
    let rows = query(
        tx,
        "INSERT INTO seen_messages (provider, msg_id, seen_at) \
             SELECT p, k, $3 FROM unnest($1::text[], $2::text[]) AS t(p, k) ORDER BY p, k \
             ON CONFLICT DO NOTHING RETURNING provider, msg_id",
        &[&providers, &msg_ids, now],
    )
    .await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// Routes of the group's accounts, read inside the transaction so a route added by an
/// operator is used by the very next webhook.
async fn read_routes(
    tx: &Transaction<'_>,
    batches: &[&IngestBatch],
) -> Result<HashMap<(String, String), String>, StoreError> {
    let accounts: BTreeSet<(&str, &str)> = batches
        .iter()
        .flat_map(|b| &b.events)
        .map(|e| (e.provider.as_str(), e.account_id.as_str()))
        .collect();
    if accounts.is_empty() {
        return Ok(HashMap::new());
    }
    let (providers, ids): (Vec<&str>, Vec<&str>) = accounts.iter().copied().unzip();
    // Shared with every other ingest, exclusive with `route add` for the same account
    // (`admin.rs`): an event parked for lack of a route cannot be committed just after the
    // route's parked events were handed over, and stay parked for good.
    query(
        tx,
        "SELECT pg_advisory_xact_lock_shared(k) FROM ( \
             SELECT DISTINCT hashtextextended(p || ':' || a, 0) AS k \
             FROM unnest($1::text[], $2::text[]) AS t(p, a) ORDER BY k) AS keys",
        &[&providers, &ids],
    )
    .await?;
    let rows = query(
        tx,
            "SELECT r.provider, r.account_id, r.node_id FROM routes r \
             JOIN unnest($1::text[], $2::text[]) AS t(p, a) ON r.provider = t.p AND r.account_id = t.a",
            &[&providers, &ids],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| ((r.get(0), r.get(1)), r.get(2)))
        .collect())
}

/// Fates in group order: the first occurrence of a fresh key is stored, every other one is
/// a duplicate. Routed events get their seq once their node is locked.
fn plan<'a>(
    batches: &[&'a IngestBatch],
    mut fresh: HashSet<(String, String)>,
    routes: &'a HashMap<(String, String), String>,
) -> Plan<'a> {
    let mut plan = Plan::default();
    for (bi, batch) in batches.iter().enumerate() {
        let mut outcome = IngestOutcome::default();
        for ev in &batch.events {
            let key = (ev.provider.as_str().to_string(), ev.dedupe_key.clone());
            if !fresh.remove(&key) {
                outcome.fates.push(EventFate::Duplicate);
                continue;
            }
            if ev.kind == EventKind::InboundMessage {
                plan.touched.push(ev);
            }
            let route = (ev.provider.as_str().to_string(), ev.account_id.clone());
            match routes.get(&route) {
                Some(node_id) => plan.appends.push(Append {
                    batch: bi,
                    fate: outcome.fates.len(),
                    node_id,
                    kind: ev.kind.as_str(),
                    payload: &ev.payload,
                    event: Some(ev),
                }),
                None => plan.unrouted.push(ev),
            }
            // Routed ones are replaced by their seq in `assign_seqs`.
            outcome.fates.push(EventFate::Unrouted);
        }
        // As on SQLite: the sender's outcome reaches the node as a `message_status` event.
        for u in &batch.outbox_updates {
            if let Some(payload) = &u.status_event {
                plan.appends.push(Append {
                    batch: bi,
                    fate: outcome.fates.len(),
                    node_id: &u.node_id,
                    kind: EventKind::MessageStatus.as_str(),
                    payload,
                    event: None,
                });
                outcome.fates.push(EventFate::Unrouted);
            }
        }
        plan.outcomes.push(outcome);
    }
    plan
}

/// Locks every node row the group appends to or acks, in id order, and reads their seqs
/// and presence (for away notices).
async fn lock_nodes(
    tx: &Transaction<'_>,
    batches: &[&IngestBatch],
    plan: &Plan<'_>,
) -> Result<(HashMap<String, i64>, HashMap<String, Presence>), StoreError> {
    let mut nodes: BTreeSet<&str> = plan.appends.iter().map(|a| a.node_id).collect();
    nodes.extend(
        batches
            .iter()
            .filter_map(|b| b.ack.as_ref())
            .map(|(n, _)| n.as_str()),
    );
    if nodes.is_empty() {
        return Ok((HashMap::new(), HashMap::new()));
    }
    let ids: Vec<&str> = nodes.into_iter().collect();
    let rows = query(
        tx,
        "SELECT id, last_seq, last_seen_at, created_at FROM nodes WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE",
        &[&ids],
    )
    .await?;
    Ok((
        rows.iter().map(|r| (r.get(0), r.get(1))).collect(),
        rows.iter()
            .map(|r| (r.get(0), (r.get(2), r.get(3))))
            .collect(),
    ))
}

/// The routed events with their seqs, as the columns of one insert.
#[derive(Default)]
struct EventRows<'a> {
    nodes: Vec<&'a str>,
    seqs: Vec<i64>,
    ids: Vec<String>,
    kinds: Vec<&'a str>,
    payloads: Vec<&'a str>,
    /// Stored while the node was away, its customer told (`away_notice`).
    away: Vec<bool>,
}

/// Gives the routed events their seqs, from the locked rows' `last_seq`.
fn assign_seqs<'a>(
    plan: &mut Plan<'a>,
    last_seq: &mut HashMap<String, i64>,
) -> Result<EventRows<'a>, StoreError> {
    let mut rows = EventRows::default();
    for a in &plan.appends {
        let node_id = a.node_id;
        let seq = last_seq.get_mut(node_id).ok_or_else(|| {
            // Its route was read in this transaction, so the node was removed since: Meta
            // retries, and the retry finds no route.
            StoreError::Invalid(format!(
                "node {node_id} was removed while its events were being stored"
            ))
        })?;
        *seq += 1;
        plan.outcomes[a.batch].fates[a.fate] = EventFate::Appended {
            node_id: node_id.to_string(),
            seq: *seq as u64,
        };
        rows.nodes.push(node_id);
        rows.seqs.push(*seq);
        rows.ids.push(new_event_id());
        rows.kinds.push(a.kind);
        rows.payloads.push(a.payload);
    }
    Ok(rows)
}

async fn insert_events(
    tx: &Transaction<'_>,
    rows: &EventRows<'_>,
    now: &DateTime<Utc>,
) -> Result<(), StoreError> {
    if rows.nodes.is_empty() {
        return Ok(());
    }
    exec(
        tx,
        "INSERT INTO events (node_id, seq, id, kind, received_at, payload, away_notice) \
         SELECT n, s, i, k, $6, p, a FROM unnest($1::text[], $2::int8[], $3::text[], $4::text[], $5::text[], $7::bool[]) \
             AS t(n, s, i, k, p, a)",
        &[&rows.nodes, &rows.seqs, &rows.ids, &rows.kinds, &rows.payloads, now, &rows.away],
    )
    .await?;
    Ok(())
}

async fn insert_unrouted(
    tx: &Transaction<'_>,
    unrouted: &[&NewEvent],
    now: &DateTime<Utc>,
) -> Result<(), StoreError> {
    if unrouted.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = unrouted.iter().map(|_| new_event_id()).collect();
    let providers: Vec<&str> = unrouted.iter().map(|e| e.provider.as_str()).collect();
    let accounts: Vec<&str> = unrouted.iter().map(|e| e.account_id.as_str()).collect();
    let kinds: Vec<&str> = unrouted.iter().map(|e| e.kind.as_str()).collect();
    let payloads: Vec<&str> = unrouted.iter().map(|e| e.payload.as_str()).collect();
    exec(
        tx,
        "INSERT INTO unrouted_events (id, provider, account_id, kind, received_at, payload) \
         SELECT i, p, a, k, $6, b FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS t(i, p, a, k, b)",
        &[&ids, &providers, &accounts, &kinds, &payloads, now],
    )
    .await?;
    Ok(())
}

/// `store::window::TOUCH` on SQLite: each customer's last message, one row per customer,
/// in key order.
async fn touch_windows(tx: &Transaction<'_>, touched: &[&NewEvent]) -> Result<(), StoreError> {
    if touched.is_empty() {
        return Ok(());
    }
    let providers: Vec<&str> = touched.iter().map(|e| e.provider.as_str()).collect();
    let accounts: Vec<&str> = touched.iter().map(|e| e.account_id.as_str()).collect();
    let payloads: Vec<&str> = touched.iter().map(|e| e.payload.as_str()).collect();
    exec(
        tx,
        "INSERT INTO customer_windows (provider, account_id, user_id, last_inbound_at) \
         SELECT p, a, u, max(ts) FROM ( \
             SELECT p, a, j->>'user_id' AS u, j->>'timestamp' AS ts \
             FROM (SELECT p, a, b::jsonb AS j FROM unnest($1::text[], $2::text[], $3::text[]) AS t(p, a, b)) AS parsed \
             WHERE j->>'user_id' IS NOT NULL AND j->>'timestamp' IS NOT NULL \
               AND j#>>'{raw,user_preferences}' IS NULL) AS w \
         GROUP BY p, a, u ORDER BY p, a, u \
         ON CONFLICT (provider, account_id, user_id) \
         DO UPDATE SET last_inbound_at = GREATEST(customer_windows.last_inbound_at, excluded.last_inbound_at)",
        &[&providers, &accounts, &payloads],
    )
    .await?;
    Ok(())
}

async fn insert_security(
    tx: &Transaction<'_>,
    batches: &[&IngestBatch],
    now: &DateTime<Utc>,
) -> Result<(), StoreError> {
    let security: Vec<_> = batches.iter().flat_map(|b| &b.security).collect();
    if security.is_empty() {
        return Ok(());
    }
    let types: Vec<&str> = security.iter().map(|s| s.kind.as_str()).collect();
    let sources: Vec<Option<&str>> = security.iter().map(|s| s.source.as_deref()).collect();
    let reasons: Vec<&str> = security.iter().map(|s| s.reason.as_str()).collect();
    exec(
        tx,
        "INSERT INTO security_events (type, source, reason, at) \
         SELECT t, s, r, $4 FROM unnest($1::text[], $2::text[], $3::text[]) AS u(t, s, r)",
        &[&types, &sources, &reasons, now],
    )
    .await?;
    Ok(())
}

/// Saves the nodes' new `last_seq` and notifies every relay's listener: PostgreSQL delivers
/// the notification at commit, and only if the transaction commits.
async fn advance_and_notify(
    tx: &Transaction<'_>,
    before: &HashMap<String, i64>,
    after: &HashMap<String, i64>,
) -> Result<(), StoreError> {
    let advanced: Vec<(&str, i64)> = after
        .iter()
        .filter(|(n, s)| before.get(*n) != Some(s))
        .map(|(n, s)| (n.as_str(), *s))
        .collect();
    if advanced.is_empty() {
        return Ok(());
    }
    let (ids, seqs): (Vec<&str>, Vec<i64>) = advanced.into_iter().unzip();
    exec(
        tx,
        "UPDATE nodes SET last_seq = t.s FROM unnest($1::text[], $2::int8[]) AS t(n, s) WHERE nodes.id = t.n",
        &[&ids, &seqs],
    )
    .await?;
    exec(
        tx,
        "SELECT pg_notify($3, n || ' ' || s) FROM unnest($1::text[], $2::int8[]) AS t(n, s)",
        &[&ids, &seqs, &CHANNEL],
    )
    .await?;
    Ok(())
}

/// Runs a statement prepared once per connection: one round trip instead of two (parse, then
/// execute) while the group holds its node locks.
async fn exec(
    tx: &Transaction<'_>,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<u64, StoreError> {
    let statement = tx.prepare_cached(sql).await?;
    Ok(tx.execute(&statement, params).await?)
}

async fn query(
    tx: &Transaction<'_>,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Vec<Row>, StoreError> {
    let statement = tx.prepare_cached(sql).await?;
    Ok(tx.query(&statement, params).await?)
}
