//! The same requests through `EventStore` on SQLite and on PostgreSQL give the same answers:
//! fates, seqs, away notices, the events read back, acks, gauges and the funnel. Node ids differ (fresh ULIDs), so
//! everything is recorded by node name.

use super::{cluster, message, relay};
use resto_relay::security::{SecurityEvent, SecurityEventType};
use resto_relay::store::{self, EventFate, EventStore, IngestBatch};
use resto_sync::Provider;
use std::collections::HashMap;

fn away(mut m: resto_relay::store::NewEvent) -> resto_relay::store::NewEvent {
    m.away = Some(resto_relay::store::away::AwayNotice {
        after: chrono::Duration::seconds(-1),
        to: "213555000111".into(),
        text: "saved".into(),
    });
    m
}

/// What a backend answered, node ids replaced by names.
type Record = Vec<String>;

async fn scenario(store: EventStore, nodes: &HashMap<String, String>) -> Record {
    let name = |id: &str| nodes.get(id).cloned().unwrap_or_else(|| id.to_string());
    let id_of = |n: &str| {
        nodes
            .iter()
            .find(|(_, v)| v.as_str() == n)
            .map(|(k, _)| k.clone())
            .unwrap()
    };
    let mut record = Vec::new();
    let batches = vec![
        IngestBatch {
            events: vec![
                message("100", "k1"),
                message("999", "k2"),
                message("100", "k1"),
            ],
            security: vec![SecurityEvent {
                kind: SecurityEventType::SignatureInvalid,
                source: None,
                reason: "bad".into(),
            }],
            ..Default::default()
        },
        IngestBatch {
            events: vec![message("100", "k3"), message("200", "k4")],
            ..Default::default()
        },
        IngestBatch {
            ack: Some((id_of("Pizzeria"), 1)),
            ..Default::default()
        },
        IngestBatch {
            events: vec![message("100", "k1"), message("200", "k5")],
            ..Default::default()
        },
        IngestBatch {
            ack: Some((id_of("Grill"), 99)),
            ..Default::default()
        },
        // A customer of a node counted away at once (negative threshold): told, flagged.
        IngestBatch {
            events: vec![away(message("100", "k6")), away(message("100", "k7"))],
            ..Default::default()
        },
    ];
    for b in batches {
        let out = store.ingest(b).await.unwrap();
        let fates: Vec<String> = out
            .fates
            .iter()
            .map(|f| match f {
                EventFate::Appended { node_id, seq } => format!("{}#{seq}", name(node_id)),
                other => format!("{other:?}"),
            })
            .collect();
        record.push(format!("fates {fates:?}"));
        let flags: Vec<String> = out
            .away
            .iter()
            .map(|f| format!("{} told now {}", name(&f.node_id), f.notice_queued))
            .collect();
        record.push(format!("away {flags:?} outbox {:?}", out.outbox_new));
    }
    for n in ["Pizzeria", "Grill"] {
        for e in store.events_after(&id_of(n), 0, 100).await.unwrap() {
            record.push(format!(
                "{n} {} {} {} away={}",
                e.seq,
                e.kind.as_str(),
                e.payload,
                e.away_notice
            ));
        }
        record.push(format!(
            "{n} after 1: {}",
            store.events_after(&id_of(n), 1, 100).await.unwrap().len()
        ));
        record.push(format!(
            "{n} auth {:?}",
            store.node_auth_info(&id_of(n)).await.unwrap()
        ));
    }
    let mut gauges: Vec<String> = store
        .node_gauges()
        .await
        .unwrap()
        .into_iter()
        .map(|g| {
            format!(
                "{} backlog {} unacked {} seen {}",
                name(&g.node_id),
                g.backlog,
                g.oldest_unacked_at.is_some(),
                g.last_seen_at.is_some()
            )
        })
        .collect();
    gauges.sort();
    record.extend(gauges);
    record.push(format!(
        "unknown node {:?}",
        store.node_auth_info("node_nobody").await.unwrap()
    ));
    record.push(format!(
        "unrouted {}",
        store.unrouted_count().await.unwrap()
    ));
    let since = chrono::Utc::now() - chrono::Duration::days(1);
    for r in store.relay_funnel(since).await.unwrap() {
        record.push(format!(
            "funnel {} {} {} messages {} senders {} referred {} replies {}",
            r.node_name,
            r.day,
            r.channel,
            r.messages,
            r.senders,
            r.referred_senders,
            r.replies_sent
        ));
    }
    store.health().await.unwrap();
    record
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_and_postgres_answer_the_ingest_path_alike() {
    // SQLite.
    let dir = std::env::temp_dir().join(format!("relay-parity-{}", ulid::Ulid::new()));
    let path = dir.join("relay.db");
    store::migrate(&path).unwrap();
    let mut sqlite_nodes = HashMap::new();
    {
        let mut c = store::open_connection(&path).unwrap();
        for (name, account) in [("Pizzeria", "100"), ("Grill", "200")] {
            let n = store::admin::add_node(&mut c, name).unwrap();
            store::admin::add_route(&mut c, Provider::Wa, account, &n.id, None).unwrap();
            sqlite_nodes.insert(n.id, name.to_string());
        }
    }
    let sqlite = EventStore::from(store::Store::open(&path).unwrap());
    let on_sqlite = scenario(sqlite, &sqlite_nodes).await;

    // PostgreSQL.
    let cluster = cluster().await;
    let pg = relay(&cluster).await;
    let mut pg_nodes = HashMap::new();
    for (name, account) in [("Pizzeria", "100"), ("Grill", "200")] {
        let n = pg.add_node(name).await.unwrap();
        pg.add_route(Provider::Wa, account, &n.id, None)
            .await
            .unwrap();
        pg_nodes.insert(n.id, name.to_string());
    }
    let on_pg = scenario(EventStore::from(pg), &pg_nodes).await;

    assert_eq!(on_sqlite, on_pg);
    assert!(on_pg.iter().any(|l| l.contains("Grill#2")), "{on_pg:#?}");
    assert!(
        on_pg.iter().any(|l| l.contains("told now true")),
        "{on_pg:#?}"
    );
    assert!(
        on_pg.iter().any(|l| l.starts_with("funnel Pizzeria")),
        "{on_pg:#?}"
    );
    std::fs::remove_dir_all(dir).ok();
}
