//! The outbox on PostgreSQL: each customer's replies go one at a time in queue order, the
//! turn passes on when one is sent or dead-lettered, and two relays claiming at once never
//! take the same reply nor two replies of one customer.

use super::{cluster, relay};
use resto_relay::store::outbox::{OutboxChange, OutboxUpdate};
use resto_relay::store::pg::PgStore;
use resto_relay::store::{EventFate, IngestBatch, NewOutboxItem};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn item(node: &str, id: &str, to: &str) -> NewOutboxItem {
    NewOutboxItem {
        node_id: node.into(),
        id: id.into(),
        kind: "send_message".into(),
        created_at: "2026-12-05T10:00:00.000Z".into(),
        payload: serde_json::json!({"provider": "wa", "account_id": "1098", "to": to,
            "message": {"type": "text", "text": id}})
        .to_string(),
    }
}

fn change(node: &str, id: &str, change: OutboxChange, status: Option<&str>) -> IngestBatch {
    IngestBatch {
        outbox_updates: vec![OutboxUpdate {
            node_id: node.into(),
            id: id.into(),
            change,
            status_event: status.map(str::to_string),
        }],
        ..Default::default()
    }
}

async fn due_ids(store: &PgStore) -> Vec<String> {
    let due = store.due_outbox(100, Vec::new()).await.unwrap();
    due.into_iter().map(|d| d.id).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_customers_next_reply_is_due_and_the_turn_passes_on_its_outcome() {
    let cluster = cluster().await;
    let store = relay(&cluster).await;
    let n = store.add_node("n").await.unwrap().id;
    let out = store
        .ingest(IngestBatch {
            outbox: ["a1", "b1", "a2", "a3"]
                .iter()
                .map(|id| item(&n, id, &id[..1]))
                .collect(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(out.outbox_new, vec![true; 4]);
    assert_eq!(due_ids(&store).await, vec!["a1", "b1"]);
    let until = (chrono::Utc::now() + chrono::Duration::seconds(60))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    store
        .ingest(change(&n, "a1", OutboxChange::Claim { until }, None))
        .await
        .unwrap();
    assert_eq!(due_ids(&store).await, vec!["b1"], "a1 in flight holds a2");
    let due = store.due_outbox(100, Vec::new()).await.unwrap();
    assert_eq!(
        (
            due[0].customer.account.as_str(),
            due[0].customer.recipient.as_str()
        ),
        ("wa:1098", "b")
    );
    assert!(store
        .due_outbox(100, vec!["wa:1098".into()])
        .await
        .unwrap()
        .is_empty());

    // Sent, with the status event the node learns it from.
    let sent = OutboxChange::Sent {
        provider_msg_id: "wamid.1".into(),
    };
    let status = r#"{"status":"sent","id":"a1"}"#;
    let out = store
        .ingest(change(&n, "a1", sent, Some(status)))
        .await
        .unwrap();
    assert_eq!(
        out.fates,
        vec![EventFate::Appended {
            node_id: n.clone(),
            seq: 1
        }]
    );
    assert_eq!(
        store.events_after(&n, 0, 10).await.unwrap()[0]
            .kind
            .as_str(),
        "message_status"
    );
    assert_eq!(due_ids(&store).await, vec!["b1", "a2"]);
    let a2 = store.due_outbox(100, Vec::new()).await.unwrap().remove(1);
    assert_eq!(store.queued_after(&a2).await.unwrap(), 1);

    let dead = OutboxChange::Dead {
        error: "refused".into(),
        released_later: 1,
    };
    store.ingest(change(&n, "a2", dead, None)).await.unwrap();
    assert_eq!(due_ids(&store).await, vec!["b1", "a3"], "a3 released");
    let dlq = store.list_dead().await.unwrap();
    assert_eq!((dlq[0].id.as_str(), dlq[0].released_later), ("a2", Some(1)));
    // Retried, a dead letter takes back its place before what is still queued.
    assert_eq!(store.retry_dead(Some("a2")).await.unwrap(), 1);
    assert_eq!(due_ids(&store).await, vec!["b1", "a2"]);

    // A new reply of a customer with nothing queued is due at once; a repeated id is not new.
    let out = store
        .ingest(IngestBatch {
            outbox: vec![
                item(&n, "c1", "c"),
                item(&n, "a4", "a"),
                item(&n, "a1", "a"),
            ],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(out.outbox_new, vec![true, true, false]);
    assert_eq!(due_ids(&store).await, vec!["b1", "a2", "c1"]);
}

const CUSTOMERS: usize = 30;
const PER_CUSTOMER: usize = 5;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_relays_never_claim_one_reply_and_keep_each_customers_order() {
    let cluster = cluster().await;
    let a = relay(&cluster).await;
    let b = relay(&cluster).await;
    let n = a.add_node("n").await.unwrap().id;
    // Queued round-robin over the customers, as replies of many conversations interleave.
    for round in 0..PER_CUSTOMER {
        a.ingest(IngestBatch {
            outbox: (0..CUSTOMERS)
                .map(|c| item(&n, &format!("c{c}-{round}"), &format!("cust{c}")))
                .collect(),
            ..Default::default()
        })
        .await
        .unwrap();
    }
    let total = CUSTOMERS * PER_CUSTOMER;
    let claimed: Arc<Mutex<Vec<(String, String, i64)>>> = Arc::default();
    let in_flight: Arc<Mutex<HashSet<String>>> = Arc::default();
    let senders: Vec<_> = (0..6)
        .map(|t| {
            let store = if t % 2 == 0 { a.clone() } else { b.clone() };
            let (claimed, in_flight, n) = (claimed.clone(), in_flight.clone(), n.clone());
            tokio::spawn(async move {
                let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
                while claimed.lock().unwrap().len() < total {
                    assert!(tokio::time::Instant::now() < deadline, "stuck");
                    let until = chrono::Utc::now() + chrono::Duration::seconds(60);
                    // As the sender does: look, choose, claim what is still free.
                    let due = store.due_outbox(4, Vec::new()).await.unwrap();
                    let items = store.claim_items(&due, until).await.unwrap();
                    if items.is_empty() {
                        tokio::time::sleep(Duration::from_millis(5)).await;
                        continue;
                    }
                    for d in &items {
                        assert!(
                            in_flight
                                .lock()
                                .unwrap()
                                .insert(d.customer.recipient.clone()),
                            "two replies of {} in flight at once",
                            d.customer.recipient
                        );
                        claimed.lock().unwrap().push((
                            d.customer.recipient.clone(),
                            d.id.clone(),
                            d.queue_seq,
                        ));
                    }
                    // "Sending".
                    tokio::time::sleep(Duration::from_millis(2)).await;
                    for d in items {
                        // Out of flight before the outcome is committed: only the commit
                        // lets the customer's next reply be claimed.
                        in_flight.lock().unwrap().remove(&d.customer.recipient);
                        let sent = OutboxChange::Sent {
                            provider_msg_id: format!("wamid.{}", d.id),
                        };
                        store.ingest(change(&n, &d.id, sent, None)).await.unwrap();
                    }
                }
            })
        })
        .collect();
    for s in senders {
        s.await.unwrap();
    }
    let claimed = claimed.lock().unwrap().clone();
    let ids: HashSet<&String> = claimed.iter().map(|c| &c.1).collect();
    assert_eq!(claimed.len(), total, "every reply claimed once");
    assert_eq!(ids.len(), total, "no reply claimed twice");
    let mut per_customer: HashMap<&str, Vec<i64>> = HashMap::new();
    for (customer, _, seq) in &claimed {
        per_customer.entry(customer).or_default().push(*seq);
    }
    for (customer, seqs) in per_customer {
        assert!(
            seqs.windows(2).all(|w| w[0] < w[1]),
            "{customer}'s replies left out of order: {seqs:?}"
        );
    }
    assert!(a.due_outbox(100, Vec::new()).await.unwrap().is_empty());
}
