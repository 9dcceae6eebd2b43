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

    // Housekeeping: old security events and old sent replies go, dead letters stay.
    c.batch_execute(&format!(
        "INSERT INTO security_events (type, reason, at) VALUES \
             ('AUTH_DENY', 'old', now() - interval '100 days'), ('AUTH_DENY', 'new', now()); \
         INSERT INTO outbox_items (node_id, id, kind, created_at, received_at, payload, state, next_attempt_at, account, recipient) VALUES \
             ('{node}', 'sent-old', 'send_message', 'x', now() - interval '100 days', '{{}}', 'sent', now(), 'wa:1', 'c'), \
             ('{node}', 'sent-new', 'send_message', 'x', now(), '{{}}', 'sent', now(), 'wa:1', 'c'), \
             ('{node}', 'dead-old', 'send_message', 'x', now() - interval '100 days', '{{}}', 'dead', now(), 'wa:1', 'c');"
    ))
    .await
    .unwrap();
    let policy = resto_relay::store::retention::HousekeepingPolicy {
        security_events: chrono::Duration::days(90),
        sent_outbox: chrono::Duration::days(30),
    };
    let report = a.housekeeping(policy).await.unwrap();
    assert_eq!((report.security_events, report.sent_outbox), (1, 1));
    assert_eq!(a.list_dead().await.unwrap().len(), 1, "dead letters stay");
}
