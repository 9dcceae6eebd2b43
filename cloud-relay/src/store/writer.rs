//! The single writer: owns the write connection and commits every request that arrived while
//! the previous commit was syncing in one transaction (group commit, DESIGN §4), so many
//! concurrent webhooks share one fsync.

use super::{new_event_id, now_rfc3339, IngestBatch, NewEvent, StoreError};
use rusqlite::{params, Connection, OptionalExtension};
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

/// What one batch did: one fate per event, in batch order.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct IngestOutcome {
    pub fates: Vec<EventFate>,
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

pub(super) fn spawn(conn: Connection) -> Result<mpsc::Sender<Job>, StoreError> {
    let (tx, rx) = mpsc::channel(QUEUE_DEPTH);
    std::thread::Builder::new()
        .name("relay-db-writer".into())
        .spawn(move || run(conn, rx))
        .map_err(|e| StoreError::Invalid(format!("cannot start the database writer: {e}")))?;
    Ok(tx)
}

fn run(mut conn: Connection, mut rx: mpsc::Receiver<Job>) {
    let mut jobs = Vec::with_capacity(MAX_JOBS_PER_COMMIT);
    while let Some(first) = rx.blocking_recv() {
        jobs.push(first);
        while jobs.len() < MAX_JOBS_PER_COMMIT {
            match rx.try_recv() {
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
        commit_group(&mut conn, &mut jobs);
    }
}

fn commit_group(conn: &mut Connection, jobs: &mut Vec<Job>) {
    let results = match apply_group(conn, jobs) {
        Ok(results) => results,
        Err(e) => {
            tracing::error!(error = %e, jobs = jobs.len(), "group commit failed; answering 503 so Meta retries");
            let msg = e.to_string();
            jobs.iter()
                .map(|_| Err(StoreError::Invalid(msg.clone())))
                .collect()
        }
    };
    for (job, result) in jobs.drain(..).zip(results) {
        // The requester may have gone away (client hung up); the data is committed anyway.
        let _ = job.reply.send(result);
    }
}

/// One transaction for the whole group; each job in its own savepoint so a bad job fails
/// alone instead of taking its neighbours down with it.
fn apply_group(
    conn: &mut Connection,
    jobs: &[Job],
) -> Result<Vec<Result<IngestOutcome, StoreError>>, StoreError> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let now = now_rfc3339();
    let mut results = Vec::with_capacity(jobs.len());
    for job in jobs {
        tx.execute_batch("SAVEPOINT job")?;
        match apply_batch(&tx, &job.batch, &now) {
            Ok(outcome) => {
                tx.execute_batch("RELEASE job")?;
                results.push(Ok(outcome));
            }
            Err(e) => {
                tx.execute_batch("ROLLBACK TO job; RELEASE job")?;
                results.push(Err(e));
            }
        }
    }
    tx.commit()?;
    Ok(results)
}

fn apply_batch(
    conn: &Connection,
    batch: &IngestBatch,
    now: &str,
) -> Result<IngestOutcome, StoreError> {
    let mut outcome = IngestOutcome::default();
    for ev in &batch.events {
        append_event(conn, ev, now, &mut outcome)?;
    }
    let mut sec = conn.prepare_cached(
        "INSERT INTO security_events (type, source, reason, at) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for s in &batch.security {
        sec.execute(params![s.kind.as_str(), s.source, s.reason, now])?;
    }
    Ok(outcome)
}

fn append_event(
    conn: &Connection,
    ev: &NewEvent,
    now: &str,
    outcome: &mut IngestOutcome,
) -> Result<(), StoreError> {
    let provider = ev.provider.as_str();
    let fresh = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO seen_messages (provider, msg_id, seen_at) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![provider, ev.dedupe_key, now])?;
    if fresh == 0 {
        outcome.fates.push(EventFate::Duplicate);
        return Ok(());
    }
    // Looked up inside the transaction, so a route added by `resto-relay route add` in another
    // process is seen by the very next webhook, and never half-way through a batch.
    let node: Option<String> = conn
        .prepare_cached("SELECT node_id FROM routes WHERE provider = ?1 AND account_id = ?2")?
        .query_row(params![provider, ev.account_id], |r| r.get(0))
        .optional()?;
    let id = new_event_id();
    match node {
        Some(node_id) => {
            let seq = append_to_node(conn, &node_id, &id, ev.kind.as_str(), now, &ev.payload)?;
            outcome.fates.push(EventFate::Appended { node_id, seq });
        }
        None => {
            conn.prepare_cached(
                "INSERT INTO unrouted_events (id, provider, account_id, kind, received_at, payload) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![id, provider, ev.account_id, ev.kind.as_str(), now, ev.payload])?;
            outcome.fates.push(EventFate::Unrouted);
        }
    }
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
