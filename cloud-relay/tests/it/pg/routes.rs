//! Nodes and routes on PostgreSQL: a new route hands its node the events parked for the
//! account, in order, and an event being ingested while the route is added never stays
//! parked behind it.

use super::{cluster, message, relay};
use resto_relay::store::{EventFate, IngestBatch};
use resto_sync::Provider;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_route_hands_over_parked_events_in_order() {
    let cluster = cluster().await;
    let a = relay(&cluster).await;
    for keys in [&["p1", "p2", "p3"][..], &["p4"]] {
        let out = a
            .ingest(IngestBatch {
                events: keys.iter().map(|k| message("42", k)).collect(),
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(out.fates.iter().all(|f| *f == EventFate::Unrouted));
    }
    let err = a
        .add_route(Provider::Wa, "42", "node_nope", None)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("node list"), "{err}");

    let node = a.add_node("Pizzeria").await.unwrap();
    let added = a
        .add_route(Provider::Wa, "42", &node.id, Some("token"))
        .await
        .unwrap();
    assert_eq!((added.moved_unrouted, added.replaced), (4, false));
    let events = a.events_after(&node.id, 0, 10).await.unwrap();
    let keys: Vec<(u64, &str)> = events
        .iter()
        .map(|e| (e.seq, e.payload["key"].as_str().unwrap()))
        .collect();
    assert_eq!(keys, vec![(1, "p1"), (2, "p2"), (3, "p3"), (4, "p4")]);

    let next = a
        .ingest(IngestBatch {
            events: vec![message("42", "p5")],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        next.fates,
        vec![EventFate::Appended {
            node_id: node.id.clone(),
            seq: 5
        }]
    );
    let again = a
        .add_route(Provider::Wa, "42", &node.id, None)
        .await
        .unwrap();
    assert_eq!((again.moved_unrouted, again.replaced), (0, true));

    let nodes = a.list_nodes().await.unwrap();
    assert_eq!(nodes.len(), 1);
    assert_eq!((nodes[0].last_seq, nodes[0].routes), (5, 1));
    assert_eq!(
        a.find_node(&node.id).await.unwrap().unwrap().name,
        "Pizzeria"
    );
    let routes = a.list_routes().await.unwrap();
    assert_eq!(routes.len(), 1);
    assert!(routes[0].has_access_token, "the first token is kept");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_event_stays_parked_when_its_route_is_added_during_ingest() {
    let cluster = cluster().await;
    let a = relay(&cluster).await;
    let b = relay(&cluster).await;
    let node = a.add_node("Grill").await.unwrap();
    let mut moved_total = 0;
    for round in 0..12 {
        let account = format!("race-{round}");
        let writers: Vec<_> = (0..4)
            .map(|t| {
                let (b, account) = (b.clone(), account.clone());
                tokio::spawn(async move {
                    for i in 0..25 {
                        b.ingest(IngestBatch {
                            events: vec![message(&account, &format!("{account}-{t}-{i}"))],
                            ..Default::default()
                        })
                        .await
                        .unwrap();
                    }
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(5 + 3 * round)).await;
        let added = a
            .add_route(Provider::Wa, &account, &node.id, None)
            .await
            .unwrap();
        moved_total += added.moved_unrouted;
        for w in writers {
            w.await.unwrap();
        }
        let c = a.pool().get().await.unwrap();
        let parked: i64 = c
            .query_one(
                "SELECT count(*) FROM unrouted_events WHERE account_id = $1",
                &[&account],
            )
            .await
            .unwrap()
            .get(0);
        assert_eq!(
            parked, 0,
            "round {round}: events left parked behind the route"
        );
    }
    let all = a.events_after(&node.id, 0, 10_000).await.unwrap();
    assert_eq!(all.len(), 12 * 100, "every message reached the node once");
    assert!(all.windows(2).all(|w| w[1].seq == w[0].seq + 1));
    println!("{moved_total} parked events handed over across 12 rounds");
    assert!(
        moved_total > 0,
        "the route was added mid-ingest at least once"
    );
}
