//! Away notices on PostgreSQL: a customer writing while their node is away is told once per
//! outage, every such message is flagged, and the notice is queued as an outbox item — also
//! when two relays store that customer's messages.

use super::{cluster, message, relay, routed_node};
use resto_relay::store::away::{AwayFlag, AwayNotice};
use resto_relay::store::{IngestBatch, IngestOutcome};
use resto_sync::Provider;

/// A customer message whose node counts as away at once (a negative threshold).
fn away_message(key: &str, customer: &str) -> IngestBatch {
    let mut m = message("1", key);
    m.away = Some(AwayNotice {
        after: chrono::Duration::seconds(-1),
        to: customer.into(),
        text: "C'est enregistré".into(),
    });
    IngestBatch {
        events: vec![m],
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_is_told_once_per_outage_across_relays_and_every_message_is_flagged() {
    let cluster = cluster().await;
    let a = relay(&cluster).await;
    let b = relay(&cluster).await;
    let node = routed_node(&a, "n", "1").await;
    let flag = |queued: bool| {
        vec![AwayFlag {
            node_id: node.clone(),
            provider: Provider::Wa,
            notice_queued: queued,
        }]
    };
    let told = |out: IngestOutcome| out.away;
    assert_eq!(
        told(a.ingest(away_message("m1", "213")).await.unwrap()),
        flag(true)
    );
    // The same customer, the same outage, through the other relay: flagged, not told again.
    assert_eq!(
        told(b.ingest(away_message("m2", "213")).await.unwrap()),
        flag(false)
    );
    assert_eq!(
        told(b.ingest(away_message("m3", "214")).await.unwrap()),
        flag(true)
    );
    let retry = a.ingest(away_message("m1", "213")).await.unwrap();
    assert!(retry.away.is_empty(), "a Meta retry is a duplicate");
    // The node polls: its next outage tells its customers again.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    a.ingest(IngestBatch {
        ack: Some((node.clone(), 0)),
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(
        told(a.ingest(away_message("m4", "213")).await.unwrap()),
        flag(true)
    );

    let events = a.events_after(&node, 0, 10).await.unwrap();
    assert_eq!(events.len(), 4);
    assert!(events.iter().all(|e| e.away_notice));
    // The three notices wait in the outbox, one per customer at a time.
    let c = a.pool().get().await.unwrap();
    let notices: Vec<(String, String)> = c
        .query(
            "SELECT id, payload FROM outbox_items ORDER BY queue_seq",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(notices.len(), 3);
    assert!(notices.iter().all(|(id, _)| id.starts_with("away-evt_")));
    let payload: serde_json::Value = serde_json::from_str(&notices[0].1).unwrap();
    assert_eq!(payload["message"]["text"], "C'est enregistré");
    assert_eq!(payload["to"], "213");
    let due: Vec<String> = a
        .due_outbox(10, Vec::new())
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.customer.recipient)
        .collect();
    assert_eq!(
        due,
        vec!["213", "214"],
        "one notice per customer due at a time"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_that_polls_is_not_away() {
    let cluster = cluster().await;
    let a = relay(&cluster).await;
    let node = routed_node(&a, "n", "1").await;
    let mut m = message("1", "k1");
    m.away = Some(AwayNotice {
        after: chrono::Duration::minutes(3),
        to: "213".into(),
        text: "saved".into(),
    });
    // A node created just now has not been away for 3 minutes.
    let out = a
        .ingest(IngestBatch {
            events: vec![m],
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(out.away.is_empty());
    assert!(!a.events_after(&node, 0, 10).await.unwrap()[0].away_notice);
}
