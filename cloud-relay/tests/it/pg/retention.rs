//! Retention on PostgreSQL: acknowledged events go after their grace, unread ones that
//! expire are reported, old dedupe keys are forgotten, and purged seqs are never reused.

use super::{cluster, message, relay, routed_node};
use resto_relay::store::retention::RetentionPolicy;
use resto_relay::store::{EventFate, IngestBatch};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn purge_keeps_what_it_must_and_seqs_are_never_reused() {
    let cluster = cluster().await;
    let a = relay(&cluster).await;
    let node = routed_node(&a, "Couscous", "900").await;
    for k in ["r1", "r2", "r3", "r4"] {
        a.ingest(IngestBatch {
            events: vec![message("900", k)],
            ..Default::default()
        })
        .await
        .unwrap();
    }
    a.ingest(IngestBatch {
        ack: Some((node.clone(), 2)),
        ..Default::default()
    })
    .await
    .unwrap();
    // Events 1..3 and keys r1..r3 received ten days ago; 4 and r4 just now.
    let c = a.pool().get().await.unwrap();
    c.batch_execute(
        "UPDATE events SET received_at = now() - interval '10 days' WHERE seq <= 3; \
         UPDATE seen_messages SET seen_at = now() - interval '10 days' WHERE msg_id IN ('r1', 'r2', 'r3');",
    )
    .await
    .unwrap();

    let report = a.purge(RetentionPolicy::default()).await.unwrap();
    assert_eq!(report.acked_purged, 2, "{report:?}");
    assert_eq!(
        report.expired_unread,
        vec![(node.clone(), 1)],
        "seq 3, never read"
    );
    assert_eq!(report.dedupe_keys_purged, 3);
    let left: Vec<u64> = a
        .events_after(&node, 0, 10)
        .await
        .unwrap()
        .iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(left, vec![4]);

    // A second relay purging finds nothing left.
    let b = relay(&cluster).await;
    let again = b.purge(RetentionPolicy::default()).await.unwrap();
    assert_eq!((again.acked_purged, again.dedupe_keys_purged), (0, 0));
    assert!(again.expired_unread.is_empty());

    // A forgotten key is new again, and the next seq follows the highest ever handed out.
    let out = a
        .ingest(IngestBatch {
            events: vec![message("900", "r1"), message("900", "r4")],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        out.fates,
        vec![
            EventFate::Appended {
                node_id: node.clone(),
                seq: 5
            },
            EventFate::Duplicate
        ]
    );
}
