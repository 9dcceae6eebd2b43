//! The server crashing under load (`pg_ctl stop -m immediate`, then a restart): every ingest
//! that was answered Ok is still there after recovery, the log has no hole (a transaction
//! cut off takes its seqs with it), and the same relay carries on once the server is back.

use super::{cluster, message, routed_node};
use resto_relay::store::pg::PgStore;
use resto_relay::store::IngestBatch;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_ingests_survive_a_server_crash_and_seqs_stay_dense() {
    let cluster = Arc::new(Mutex::new(cluster().await));
    let url = cluster.lock().unwrap().url();
    let a = PgStore::open(&url).await.unwrap();
    let node = routed_node(&a, "Brasserie", "700").await;

    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..8)
        .map(|t| {
            let (a, stop) = (a.clone(), stop.clone());
            tokio::spawn(async move {
                let (mut acked, mut failed) = (Vec::new(), 0u32);
                let mut i = 0;
                while !stop.load(Ordering::SeqCst) {
                    let key = format!("crash-{t}-{i}");
                    i += 1;
                    let batch = IngestBatch {
                        events: vec![message("700", &key)],
                        ..Default::default()
                    };
                    match a.ingest(batch).await {
                        Ok(_) => acked.push(key),
                        Err(_) => {
                            failed += 1;
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        }
                    }
                }
                (acked, failed)
            })
        })
        .collect();

    tokio::time::sleep(Duration::from_millis(400)).await;
    let c = cluster.clone();
    tokio::task::spawn_blocking(move || c.lock().unwrap().stop())
        .await
        .unwrap()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let c = cluster.clone();
    tokio::task::spawn_blocking(move || c.lock().unwrap().restart())
        .await
        .unwrap()
        .unwrap();
    // Long enough for the pool to replace its dead connections and commit again.
    let before = loop {
        match a.node_seqs(&node).await {
            Ok(Some((_, last))) => break last,
            _ => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    };
    tokio::time::sleep(Duration::from_millis(700)).await;
    stop.store(true, Ordering::SeqCst);

    let (mut acked, mut failed) = (Vec::new(), 0);
    for w in writers {
        let (a, f) = w.await.unwrap();
        acked.extend(a);
        failed += f;
    }
    let c = a.pool().get().await.unwrap();
    let row = c
        .query_one(
            "SELECT count(*), coalesce(max(seq), 0), (SELECT last_seq FROM nodes WHERE id = $1) \
             FROM events WHERE node_id = $1",
            &[&node],
        )
        .await
        .unwrap();
    let (count, max, last): (i64, i64, i64) = (row.get(0), row.get(1), row.get(2));
    let stored: HashSet<String> = a
        .events_after(&node, 0, 100_000)
        .await
        .unwrap()
        .iter()
        .map(|e| e.payload["key"].as_str().unwrap().to_string())
        .collect();
    println!(
        "crash under load: {} acknowledged, {failed} refused while down, {count} stored, last seq {last}",
        acked.len()
    );
    let lost: Vec<&String> = acked.iter().filter(|k| !stored.contains(*k)).collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    assert_eq!((count, max), (last, last), "seqs 1..=last_seq, no hole");
    assert!(failed > 0, "the crash was felt");
    assert!(
        last as u64 > before,
        "the relay stored again after the restart"
    );
}
