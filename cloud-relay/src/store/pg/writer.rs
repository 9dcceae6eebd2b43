//! Group commit on PostgreSQL: one task per relay takes every request that arrived while the
//! previous commit was in flight and commits them in one transaction, so concurrent webhooks
//! share one WAL flush (the same shape as `store::writer` on SQLite).
//!
//! # Sequences across relays
//! Several relays append to the same node's log. Each transaction that appends to (or acks)
//! a node first locks the node's row (`SELECT … FOR NO KEY UPDATE`), takes its seqs from
//! `nodes.last_seq`, writes the events and the new `last_seq`, and keeps the lock until it
//! commits. So transactions that append to one node run one after the other: the next
//! one reads `last_seq` only after the previous one committed (READ COMMITTED re-reads a row
//! it waited for), seqs are never handed out twice, and they become visible in seq order, all
//! of a transaction at once. A reader can never see seq N+1 committed while N is in flight,
//! so a node reading "after its cursor" never skips an event. Seqs are never reused:
//! `last_seq` only grows, and retention deletes events but never lowers it.
//!
//! # Lock order
//! Every group takes its locks in one global order: dedupe keys (one sorted insert), then
//! its accounts (shared advisory locks), then node rows (sorted by id), then the customers
//! of outbox items (advisory, sorted; `outbox.rs`), then customer windows (sorted). `route add` takes its account (exclusive) before its node row. So no
//! two transactions ever wait on each other in a cycle, whatever they carry.
//!
//! `NO KEY UPDATE` rather than `UPDATE`: it excludes every other appender just the same,
//! but not the key-share locks that foreign-key checks of rows referring to the node take
//! (an outbox item, a route), which would otherwise queue behind the node's appends.
//!
//! # Dedupe
//! The unique key of `seen_messages` decides, for every relay at once: a key being inserted
//! by another relay's open transaction makes this insert wait for its outcome, then do
//! nothing (it committed: duplicate) or insert (it rolled back). No in-memory set.

use super::super::{IngestBatch, IngestOutcome, StoreError};
use super::group;
use chrono::{DateTime, Utc};
use deadpool_postgres::Pool;
use tokio::sync::{mpsc, oneshot};

/// How many requests one commit may carry; bounds the latency one commit can add.
const MAX_JOBS_PER_COMMIT: usize = 512;
/// Back-pressure: requests beyond this wait in the HTTP layer instead of growing memory.
const QUEUE_DEPTH: usize = 4096;
/// The NOTIFY channel that tells every relay "node N has events up to seq S".
pub const CHANNEL: &str = "relay_events";

pub(super) struct Job {
    pub batch: IngestBatch,
    pub reply: oneshot::Sender<Result<IngestOutcome, StoreError>>,
}

pub(super) fn spawn(pool: Pool) -> mpsc::Sender<Job> {
    let (tx, rx) = mpsc::channel(QUEUE_DEPTH);
    // No node can have polled this relay while it was down: away counts from here at the
    // earliest (`away.rs`).
    tokio::spawn(run(pool, rx, Utc::now()));
    tx
}

async fn run(pool: Pool, mut rx: mpsc::Receiver<Job>, up_since: DateTime<Utc>) {
    let mut jobs = Vec::with_capacity(MAX_JOBS_PER_COMMIT);
    while let Some(first) = rx.recv().await {
        jobs.push(first);
        while jobs.len() < MAX_JOBS_PER_COMMIT {
            match rx.try_recv() {
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
        commit_group(&pool, std::mem::take(&mut jobs), up_since).await;
    }
}

async fn commit_group(pool: &Pool, ready: Vec<Job>, up_since: DateTime<Utc>) {
    let batches: Vec<&IngestBatch> = ready.iter().map(|j| &j.batch).collect();
    let results: Vec<Result<IngestOutcome, StoreError>> = match group::apply(
        pool, &batches, up_since,
    )
    .await
    {
        Ok(results) => results.into_iter().map(Ok).collect(),
        // One bad request must not fail its neighbours forever (Meta would resend them all
        // together), and a deadlock or lost connection deserves a second try: retry each
        // alone, so only the culprit is refused.
        Err(e) if ready.len() > 1 => {
            tracing::warn!(error = %e, jobs = ready.len(), "PostgreSQL group commit failed; retrying requests one by one");
            let mut out = Vec::with_capacity(ready.len());
            for b in &batches {
                out.push(
                    group::apply(pool, std::slice::from_ref(b), up_since)
                        .await
                        .and_then(|mut r| {
                            r.pop().ok_or_else(|| StoreError::Invalid("empty".into()))
                        }),
                );
            }
            out
        }
        Err(e) => {
            tracing::error!(error = %e, "PostgreSQL commit failed; answering 503 so Meta retries");
            vec![Err(e)]
        }
    };
    for (job, result) in ready.into_iter().zip(results) {
        // The requester may have gone away (client hung up); the data is committed anyway.
        let _ = job.reply.send(result);
    }
}

/// Parses a notification payload, `"<node_id> <seq>"`.
pub(super) fn parse_notification(payload: &str) -> Option<(&str, u64)> {
    let (node, seq) = payload.rsplit_once(' ')?;
    Some((node, seq.parse().ok()?))
}
