//! Durable ingest, dedupe by the database's unique key, reading after a cursor, acks.

use super::{cluster, message, relay, routed_node};
use resto_relay::security::{SecurityEvent, SecurityEventType};
use resto_relay::store::pg::PgStore;
use resto_relay::store::{EventFate, IngestBatch};

fn batch(events: Vec<resto_relay::store::NewEvent>) -> IngestBatch {
    IngestBatch {
        events,
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_reads_after_a_cursor_acks_and_rejects_duplicates_across_relays_and_restarts() {
    let cluster = cluster().await;
    let a = relay(&cluster).await;
    let node = routed_node(&a, "Pizzeria", "100").await;

    // One routed message, one for an account nobody routes, and a retry inside the batch.
    let out = a
        .ingest(IngestBatch {
            security: vec![SecurityEvent {
                kind: SecurityEventType::SignatureInvalid,
                source: Some("127.0.0.1".into()),
                reason: "bad signature".into(),
            }],
            ..batch(vec![
                message("100", "wamid.1"),
                message("999", "wamid.2"),
                message("100", "wamid.1"),
            ])
        })
        .await
        .unwrap();
    assert_eq!(
        out.fates,
        vec![
            EventFate::Appended {
                node_id: node.clone(),
                seq: 1
            },
            EventFate::Unrouted,
            EventFate::Duplicate,
        ]
    );

    // Meta retries to the same relay, to another relay, and after a restart: all duplicates,
    // because the key is in the database, not in a relay's memory.
    let b = relay(&cluster).await;
    for store in [&a, &b] {
        let again = store
            .ingest(batch(vec![
                message("100", "wamid.1"),
                message("999", "wamid.2"),
            ]))
            .await
            .unwrap();
        assert_eq!(
            again.fates,
            vec![EventFate::Duplicate, EventFate::Duplicate]
        );
    }
    drop(a);
    let a = relay(&cluster).await;
    let after_restart = a
        .ingest(batch(vec![message("100", "wamid.1")]))
        .await
        .unwrap();
    assert_eq!(after_restart.fates, vec![EventFate::Duplicate]);

    let second = b
        .ingest(batch(vec![message("100", "wamid.3")]))
        .await
        .unwrap();
    assert_eq!(
        second.fates,
        vec![EventFate::Appended {
            node_id: node.clone(),
            seq: 2
        }]
    );

    // Reading after a cursor, from either relay.
    let all = a.events_after(&node, 0, 100).await.unwrap();
    assert_eq!(all.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![1, 2]);
    assert_eq!(all[0].payload["key"], "wamid.1");
    assert!(all[0].received_at.ends_with('Z'), "{}", all[0].received_at);
    assert_eq!(
        b.events_after(&node, 1, 100).await.unwrap()[0].payload["key"],
        "wamid.3"
    );
    assert_eq!(a.events_after(&node, 0, 1).await.unwrap().len(), 1, "limit");
    assert!(a.events_after(&node, 2, 100).await.unwrap().is_empty());

    // Acks: never beyond what was handed out, never backwards.
    let ack = |seq| IngestBatch {
        ack: Some((node.clone(), seq)),
        ..Default::default()
    };
    a.ingest(ack(1)).await.unwrap();
    assert_eq!(a.node_seqs(&node).await.unwrap(), Some((1, 2)));
    a.ingest(ack(50)).await.unwrap();
    assert_eq!(a.node_seqs(&node).await.unwrap(), Some((2, 2)));
    b.ingest(ack(0)).await.unwrap();
    assert_eq!(b.node_seqs(&node).await.unwrap(), Some((2, 2)));

    let counts = counts(&a).await;
    // Customer windows: the customer wrote on both accounts (routed or not, as on SQLite).
    assert_eq!(
        counts,
        (1, 1, 2, 3),
        "unrouted, security, customer windows, dedupe keys"
    );
    assert!(a.node_auth_info(&node).await.unwrap().is_some());
    assert!(a.node_auth_info("node_nobody").await.unwrap().is_none());
}

async fn counts(store: &PgStore) -> (i64, i64, i64, i64) {
    let c = store.pool().get().await.unwrap();
    let row = c
        .query_one(
            "SELECT (SELECT count(*) FROM unrouted_events), (SELECT count(*) FROM security_events), \
                    (SELECT count(*) FROM customer_windows), (SELECT count(*) FROM seen_messages)",
            &[],
        )
        .await
        .unwrap();
    (row.get(0), row.get(1), row.get(2), row.get(3))
}
