//! Per-node seqs under concurrent ingest from two relays: dense, never reused, and never
//! visible out of order to a reader that follows the log with a cursor.

use super::{cluster, message, relay, routed_node};
use resto_relay::store::{EventFate, IngestBatch};
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

const TASKS: usize = 32;
const PER_TASK: usize = 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn seqs_are_dense_and_never_seen_out_of_order_under_concurrent_ingest() {
    let cluster = cluster().await;
    let a = relay(&cluster).await;
    let b = relay(&cluster).await;
    let node = routed_node(&a, "Grill", "200").await;
    let other = routed_node(&a, "Tacos", "300").await;
    let total = TASKS * PER_TASK;

    // A reader on relay B follows the node's log while the writers run: every read must
    // continue exactly where the cursor is, or it has seen N+1 before N.
    let done = Arc::new(AtomicBool::new(false));
    let reader = {
        let (b, node, done) = (b.clone(), node.clone(), done.clone());
        tokio::spawn(async move {
            let mut cursor = 0u64;
            let mut reads = 0u32;
            loop {
                let finished = done.load(Ordering::SeqCst);
                let events = b.events_after(&node, cursor, 1000).await.unwrap();
                for e in &events {
                    assert_eq!(
                        e.seq,
                        cursor + 1,
                        "a reader saw seq {} after {cursor}",
                        e.seq
                    );
                    cursor = e.seq;
                }
                reads += 1;
                if finished && events.is_empty() {
                    return (cursor, reads);
                }
            }
        })
    };

    // Tasks alternate between the relays; each request carries one message for `node` and
    // one for `other`, so groups on both relays lock both nodes.
    let writers: Vec<_> = (0..TASKS)
        .map(|t| {
            let store = if t % 2 == 0 { a.clone() } else { b.clone() };
            tokio::spawn(async move {
                let mut seqs = Vec::new();
                for i in 0..PER_TASK {
                    let out = store
                        .ingest(IngestBatch {
                            events: vec![
                                message("200", &format!("m-{t}-{i}")),
                                message("300", &format!("o-{t}-{i}")),
                            ],
                            ..Default::default()
                        })
                        .await
                        .unwrap();
                    match &out.fates[0] {
                        EventFate::Appended { seq, .. } => seqs.push(*seq),
                        f => panic!("expected appended, got {f:?}"),
                    }
                }
                seqs
            })
        })
        .collect();
    let mut handed_out = Vec::new();
    for w in writers {
        let seqs = w.await.unwrap();
        // One task's requests are sequential, so its seqs increase.
        assert!(seqs.windows(2).all(|p| p[0] < p[1]), "{seqs:?}");
        handed_out.extend(seqs);
    }
    done.store(true, Ordering::SeqCst);
    let (cursor, reads) = reader.await.unwrap();

    handed_out.sort();
    assert_eq!(
        handed_out,
        (1..=total as u64).collect::<Vec<_>>(),
        "dense, none twice"
    );
    assert_eq!(cursor, total as u64, "the reader saw every event");
    let log = a.events_after(&node, 0, 1000).await.unwrap();
    let keys: HashSet<String> = log.iter().map(|e| e.payload["key"].to_string()).collect();
    assert_eq!(keys.len(), total, "every message once");
    assert_eq!(a.node_seqs(&other).await.unwrap(), Some((0, total as u64)));

    // Group commit: the requests that arrived together shared transactions (xmin names the
    // transaction that inserted a row).
    let c = a.pool().get().await.unwrap();
    let transactions: i64 = c
        .query_one(
            "SELECT count(DISTINCT xmin::text) FROM events WHERE node_id = $1",
            &[&node],
        )
        .await
        .unwrap()
        .get(0);
    println!(
        "{total} requests from {TASKS} tasks on 2 relays: {transactions} transactions, reader made {reads} reads"
    );
    assert!(
        (transactions as usize) < total,
        "{transactions} transactions for {total} requests: no group commit"
    );
}
