//! The single writer: owns the write connection and commits every request that arrived while
//! the previous commit was syncing in one transaction (group commit, DESIGN §4), so many
//! concurrent webhooks share one fsync.

use super::away::{self, AwayFlag, Told};
use super::dedupe::{key_hash, DedupeIndex, KeyHash};
use super::{new_event_id, IngestBatch, NewEvent, StoreError};
use chrono::{DateTime, SecondsFormat, Utc};
use resto_sync::{EventKind, Provider};
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot};

/// How many requests one commit may carry; bounds the latency a single fsync can add.
const MAX_JOBS_PER_COMMIT: usize = 512;
/// Back-pressure: requests beyond this wait in the HTTP layer instead of growing memory.
const QUEUE_DEPTH: usize = 4096;

pub(super) struct Job {
    pub batch: IngestBatch,
    pub reply: oneshot::Sender<Result<IngestOutcome, StoreError>>,
}

/// What happened to one event of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventFate {
    /// Appended to this node's log with this seq.
    Appended { node_id: String, seq: u64 },
    /// Parked: no route exists for its account yet.
    Unrouted,
    /// Its dedupe key had been seen before (a Meta retry).
    Duplicate,
}

/// What one batch did: one fate per event, in batch order, and for each outbox item whether
/// it was new (false: its id had been accepted before).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct IngestOutcome {
    pub fates: Vec<EventFate>,
    pub outbox_new: Vec<bool>,
    /// Customer messages stored while their node was away (`store::away`).
    pub away: Vec<AwayFlag>,
}

impl IngestOutcome {
    pub fn stored(&self) -> usize {
        self.fates
            .iter()
            .filter(|f| **f != EventFate::Duplicate)
            .count()
    }
    pub fn duplicates(&self) -> usize {
        self.fates.len() - self.stored()
    }
}

pub(super) fn spawn(
    conn: Connection,
    dedupe: Arc<Mutex<DedupeIndex>>,
) -> Result<mpsc::Sender<Job>, StoreError> {
    let (tx, rx) = mpsc::channel(QUEUE_DEPTH);
    // No node can have polled while the relay was down: away counts from here at the earliest.
    let up_since = Utc::now();
    std::thread::Builder::new()
        .name("relay-db-writer".into())
        .spawn(move || run(conn, dedupe, rx, up_since))
        .map_err(|e| StoreError::Invalid(format!("cannot start the database writer: {e}")))?;
    Ok(tx)
}

fn run(
    mut conn: Connection,
    dedupe: Arc<Mutex<DedupeIndex>>,
    mut rx: mpsc::Receiver<Job>,
    up_since: DateTime<Utc>,
) {
    let mut jobs = Vec::with_capacity(MAX_JOBS_PER_COMMIT);
    while let Some(first) = rx.blocking_recv() {
        jobs.push(first);
        while jobs.len() < MAX_JOBS_PER_COMMIT {
            match rx.try_recv() {
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
        // Poisoned only if a previous group panicked mid-way; the index itself is only
        // changed after a commit, so it is still right.
        let mut index = dedupe.lock().unwrap_or_else(|p| p.into_inner());
        commit_group(&mut conn, &mut index, &mut jobs, up_since);
    }
}

fn commit_group(
    conn: &mut Connection,
    index: &mut DedupeIndex,
    jobs: &mut Vec<Job>,
    up_since: DateTime<Utc>,
) {
    let results: Vec<Result<IngestOutcome, StoreError>> = match apply_group(
        conn, index, jobs, up_since,
    ) {
        Ok(results) => results.into_iter().map(Ok).collect(),
        // One bad request must not fail its neighbours forever (Meta would resend them all
        // together): retry each alone, so only the culprit is refused.
        Err(e) if jobs.len() > 1 => {
            tracing::warn!(error = %e, jobs = jobs.len(), "group commit failed; retrying requests one by one");
            jobs.iter()
                .map(|j| {
                    apply_group(conn, index, std::slice::from_ref(j), up_since).and_then(|mut r| {
                        r.pop().ok_or_else(|| StoreError::Invalid("empty".into()))
                    })
                })
                .collect()
        }
        Err(e) => {
            tracing::error!(error = %e, "commit failed; answering 503 so Meta retries");
            vec![Err(e)]
        }
    };
    for (job, result) in jobs.drain(..).zip(results) {
        // The requester may have gone away (client hung up); the data is committed anyway.
        let _ = job.reply.send(result);
    }
}

/// Routes and seqs read once per group: the write lock is held for the whole transaction,
/// so nothing else can change them meanwhile.
/// Dedupe keys of the group are staged here and reach the index only once committed.
struct GroupCache<'a> {
    routes: HashMap<(Provider, String), Option<String>>,
    last_seq: HashMap<String, i64>,
    /// A node's `(last_seen_at, created_at)` for away notices; dropped when it polls.
    presence: HashMap<String, (Option<String>, String)>,
    /// When this relay started: a node is never away for longer than the relay was up.
    up_since: DateTime<Utc>,
    index: &'a DedupeIndex,
    new_keys: HashSet<KeyHash>,
    last_key_id: i64,
}

/// One transaction, one fsync, for the whole group.
fn apply_group(
    conn: &mut Connection,
    index: &mut DedupeIndex,
    jobs: &[Job],
    up_since: DateTime<Utc>,
) -> Result<Vec<IngestOutcome>, StoreError> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    index.catch_up(&tx)?;
    let at: DateTime<Utc> = Utc::now();
    let now = at.to_rfc3339_opts(SecondsFormat::Millis, true);
    let mut cache = GroupCache {
        routes: HashMap::new(),
        last_seq: HashMap::new(),
        presence: HashMap::new(),
        up_since,
        index,
        new_keys: HashSet::new(),
        last_key_id: 0,
    };
    let mut results = Vec::with_capacity(jobs.len());
    for job in jobs {
        results.push(apply_batch(&tx, &job.batch, &now, &mut cache)?);
    }
    let mut save = tx.prepare_cached("UPDATE nodes SET last_seq = ?2 WHERE id = ?1")?;
    for (node, seq) in &cache.last_seq {
        save.execute(params![node, seq])?;
    }
    drop(save);
    tx.commit()?;
    let (new_keys, last_key_id) = (cache.new_keys, cache.last_key_id);
    index.committed(&new_keys, at, last_key_id);
    Ok(results)
}

fn apply_batch(
    conn: &Connection,
    batch: &IngestBatch,
    now: &str,
    cache: &mut GroupCache,
) -> Result<IngestOutcome, StoreError> {
    let mut outcome = IngestOutcome::default();
    for ev in &batch.events {
        let (fate, away) = append_event(conn, ev, now, cache)?;
        outcome.fates.push(fate);
        outcome.away.extend(away);
    }
    for item in &batch.outbox {
        outcome
            .outbox_new
            .push(super::outbox::insert(conn, item, now)?);
    }
    for u in &batch.outbox_updates {
        super::outbox::apply_change(conn, u)?;
        if let Some(payload) = &u.status_event {
            let seq = next_seq(conn, cache, &u.node_id)?;
            insert_event(
                conn,
                &u.node_id,
                seq,
                &new_event_id(),
                "message_status",
                now,
                payload,
                false,
            )?;
            outcome.fates.push(EventFate::Appended {
                node_id: u.node_id.clone(),
                seq: seq as u64,
            });
        }
    }
    if let Some((node, seq)) = &batch.ack {
        conn.prepare_cached(
            "UPDATE nodes SET acked_seq = max(acked_seq, min(?2, last_seq)), last_seen_at = ?3 WHERE id = ?1",
        )?
        .execute(params![node, *seq as i64, now])?;
        // The node is back: a message later in this group must see the new last poll.
        cache.presence.remove(node);
    }
    if !batch.security.is_empty() {
        let mut sec = conn.prepare_cached(
            "INSERT INTO security_events (type, source, reason, at) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for s in &batch.security {
            sec.execute(params![s.kind.as_str(), s.source, s.reason, now])?;
        }
    }
    Ok(outcome)
}

fn append_event(
    conn: &Connection,
    ev: &NewEvent,
    now: &str,
    cache: &mut GroupCache,
) -> Result<(EventFate, Option<AwayFlag>), StoreError> {
    let provider = ev.provider.as_str();
    let hash = key_hash(ev.provider, &ev.dedupe_key);
    if cache.index.contains(&hash) || !cache.new_keys.insert(hash) {
        return Ok((EventFate::Duplicate, None));
    }
    conn.prepare_cached(
        "INSERT INTO seen_messages (provider, msg_id, seen_at) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![provider, ev.dedupe_key, now])?;
    cache.last_key_id = conn.last_insert_rowid();
    if ev.kind == EventKind::InboundMessage {
        conn.prepare_cached(super::window::TOUCH)?.execute(params![
            provider,
            ev.account_id,
            ev.payload
        ])?;
    }
    // Looked up inside the transaction, so a route added by `resto-relay route add` in another
    // process is seen by the very next webhook, and never half-way through a batch.
    let key = (ev.provider, ev.account_id.clone());
    let node = match cache.routes.get(&key) {
        Some(n) => n.clone(),
        None => {
            let n: Option<String> = conn
                .prepare_cached(
                    "SELECT node_id FROM routes WHERE provider = ?1 AND account_id = ?2",
                )?
                .query_row(params![provider, ev.account_id], |r| r.get(0))
                .optional()?;
            cache.routes.insert(key, n.clone());
            n
        }
    };
    let id = new_event_id();
    match node {
        Some(node_id) => {
            let seq = next_seq(conn, cache, &node_id)?;
            let away = match &ev.away {
                Some(notice) => tell_if_away(conn, cache, &node_id, ev, notice, &id, now)?,
                None => None,
            };
            let flagged = away.is_some();
            insert_event(
                conn,
                &node_id,
                seq,
                &id,
                ev.kind.as_str(),
                now,
                &ev.payload,
                flagged,
            )?;
            Ok((
                EventFate::Appended {
                    node_id,
                    seq: seq as u64,
                },
                away,
            ))
        }
        None => {
            conn.prepare_cached(
                "INSERT INTO unrouted_events (id, provider, account_id, kind, received_at, payload) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![id, provider, ev.account_id, ev.kind.as_str(), now, ev.payload])?;
            Ok((EventFate::Unrouted, None))
        }
    }
}

/// `store::away::tell_once` with the node's presence read once per group.
fn tell_if_away(
    conn: &Connection,
    cache: &mut GroupCache,
    node_id: &str,
    ev: &NewEvent,
    notice: &away::AwayNotice,
    event_id: &str,
    now: &str,
) -> Result<Option<AwayFlag>, StoreError> {
    let presence = match cache.presence.get(node_id) {
        Some(p) => p.clone(),
        None => {
            let p = away::presence(conn, node_id)?;
            cache.presence.insert(node_id.to_string(), p.clone());
            p
        }
    };
    let told = away::tell_once(
        conn,
        &presence,
        cache.up_since,
        (node_id, event_id),
        ev,
        notice,
        now,
    )?;
    Ok(match told {
        Told::NotAway => None,
        Told::Now | Told::Earlier => Some(AwayFlag {
            node_id: node_id.to_string(),
            provider: ev.provider,
            notice_queued: told == Told::Now,
        }),
    })
}

/// The node's next seq, counted in the group cache and saved once at commit.
fn next_seq(conn: &Connection, cache: &mut GroupCache, node_id: &str) -> Result<i64, StoreError> {
    let seq = match cache.last_seq.get(node_id) {
        Some(s) => *s,
        None => conn
            .prepare_cached("SELECT last_seq FROM nodes WHERE id = ?1")?
            .query_row(params![node_id], |r| r.get(0))?,
    } + 1;
    cache.last_seq.insert(node_id.to_string(), seq);
    Ok(seq)
}

#[allow(clippy::too_many_arguments)]
fn insert_event(
    conn: &Connection,
    node_id: &str,
    seq: i64,
    id: &str,
    kind: &str,
    received_at: &str,
    payload: &str,
    away_notice: bool,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO events (node_id, seq, id, kind, received_at, payload, away_notice) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![node_id, seq, id, kind, received_at, payload, away_notice])?;
    Ok(())
}

/// Appends to a node's log with the next seq. Also used when parked events are routed.
pub(crate) fn append_to_node(
    conn: &Connection,
    node_id: &str,
    id: &str,
    kind: &str,
    received_at: &str,
    payload: &str,
) -> Result<u64, StoreError> {
    let seq: i64 = conn
        .prepare_cached(
            "UPDATE nodes SET last_seq = last_seq + 1 WHERE id = ?1 RETURNING last_seq",
        )?
        .query_row(params![node_id], |r| r.get(0))?;
    conn.prepare_cached(
        "INSERT INTO events (node_id, seq, id, kind, received_at, payload) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![node_id, seq, id, kind, received_at, payload])?;
    Ok(seq as u64)
}
