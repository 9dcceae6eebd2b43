//! A long-poll held by relay B is woken when relay A stores an event for its node
//! (LISTEN/NOTIFY), and by the slow fallback poll when a notification is lost.

use super::{cluster, message, relay, routed_node};
use resto_relay::state::NodeChannels;
use resto_relay::store::pg::{Listener, PgStore};
use resto_relay::store::IngestBatch;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Starts relay `store`'s listener and waits until its first scan — which wakes every
/// node once, by design — is over, so that later wake-ups can only come from what a test
/// does. `probe`: any existing node.
fn listen_and_settle<'a>(
    store: &'a PgStore,
    channels: &'a Arc<NodeChannels>,
    probe: &'a str,
    fallback: Duration,
) -> impl std::future::Future<Output = Listener> + 'a {
    // Subscribed before the listener starts, so its first scan cannot be missed.
    let mut first_scan = channels.wait(probe);
    let listener = store.listen(channels.clone(), fallback);
    async move {
        tokio::time::timeout(Duration::from_secs(10), first_scan.woken())
            .await
            .expect("the listener never made its first scan");
        listener
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poll_on_relay_b_is_woken_when_relay_a_stores_its_event() {
    let cluster = cluster().await;
    let a = relay(&cluster).await;
    let b = relay(&cluster).await;
    let node = routed_node(&a, "Sushi", "400").await;
    let quiet = routed_node(&a, "Crepes", "500").await;
    let channels = Arc::new(NodeChannels::default());
    // A fallback far longer than the test: only a notification can wake the poll in time.
    let _listener = listen_and_settle(&b, &channels, &node, Duration::from_secs(600)).await;

    let mut latencies = Vec::new();
    for round in 0..10 {
        let mut waiter = channels.wait(&node);
        // Nothing stored for this node yet (an event for another node wakes nobody here).
        a.ingest(IngestBatch {
            events: vec![message("500", &format!("quiet-{round}"))],
            ..Default::default()
        })
        .await
        .unwrap();
        assert!(
            tokio::time::timeout(Duration::from_millis(200), waiter.woken())
                .await
                .is_err(),
            "woken by another node's event"
        );
        let started = Instant::now();
        a.ingest(IngestBatch {
            events: vec![message("400", &format!("wake-{round}"))],
            ..Default::default()
        })
        .await
        .unwrap();
        let woken = tokio::time::timeout(Duration::from_secs(5), waiter.woken())
            .await
            .expect("relay B's poll was not woken within 5 s of relay A's commit");
        assert!(woken);
        latencies.push(started.elapsed());
        // The event is there for B to read once woken.
        let seen = b.events_after(&node, round, 10).await.unwrap();
        assert_eq!(seen.len(), 1);
    }
    assert_eq!(b.node_seqs(&quiet).await.unwrap(), Some((0, 10)));
    latencies.sort();
    println!(
        "cross-relay wake (relay A ingest call -> relay B poll woken), 10 rounds: min {:?}, median {:?}, max {:?}",
        latencies[0], latencies[5], latencies[9]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fallback_poll_wakes_a_poll_whose_notification_was_lost() {
    let cluster = cluster().await;
    let a = relay(&cluster).await;
    let node = routed_node(&a, "Kebab", "600").await;
    let channels = Arc::new(NodeChannels::default());
    let _listener = listen_and_settle(&a, &channels, &node, Duration::from_millis(300)).await;
    let mut waiter = channels.wait(&node);
    // An event stored without NOTIFY, as if the notification was lost with a connection.
    let c = a.pool().get().await.unwrap();
    let started = Instant::now();
    c.batch_execute(&format!(
        "BEGIN; UPDATE nodes SET last_seq = 1 WHERE id = '{node}'; \
         INSERT INTO events (node_id, seq, id, kind, received_at, payload) \
         VALUES ('{node}', 1, 'evt_lost', 'inbound_message', now(), '{{}}'); COMMIT;"
    ))
    .await
    .unwrap();
    let woken = tokio::time::timeout(Duration::from_secs(5), waiter.woken())
        .await
        .expect("the fallback poll did not wake the poll within 5 s");
    assert!(woken);
    println!(
        "fallback poll (period 300 ms) woke the poll {:?} after the write began",
        started.elapsed()
    );
    assert_eq!(
        a.events_after(&node, 0, 10).await.unwrap()[0].id,
        "evt_lost"
    );
}

/// The pid of relay `store`'s LISTEN session, once it has one other than `not`.
async fn listener_pid(store: &PgStore, not: Option<i32>) -> i32 {
    let c = store.pool().get().await.unwrap();
    for _ in 0..200 {
        let pid: Option<i32> = c
            .query_opt(
                "SELECT pid FROM pg_stat_activity WHERE query = 'LISTEN relay_events' AND pid IS DISTINCT FROM $1",
                &[&not],
            )
            .await
            .unwrap()
            .map(|r| r.get(0));
        if let Some(pid) = pid {
            return pid;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no LISTEN session");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_listener_reconnects_after_its_session_is_killed() {
    let cluster = cluster().await;
    let a = relay(&cluster).await;
    let b = relay(&cluster).await;
    let node = routed_node(&a, "Tajine", "800").await;
    let channels = Arc::new(NodeChannels::default());
    let _listener = listen_and_settle(&b, &channels, &node, Duration::from_secs(600)).await;
    let first = listener_pid(&b, None).await;
    // The scan after reconnecting wakes every node once: wait for it, as at the start.
    let mut rescan = channels.wait(&node);
    let c = a.pool().get().await.unwrap();
    c.execute("SELECT pg_terminate_backend($1)", &[&first])
        .await
        .unwrap();
    let second = listener_pid(&b, Some(first)).await;
    assert_ne!(first, second);
    tokio::time::timeout(Duration::from_secs(10), rescan.woken())
        .await
        .expect("no scan after reconnecting");
    let mut waiter = channels.wait(&node);
    let started = Instant::now();
    a.ingest(IngestBatch {
        events: vec![message("800", "after-reconnect")],
        ..Default::default()
    })
    .await
    .unwrap();
    assert!(tokio::time::timeout(Duration::from_secs(5), waiter.woken())
        .await
        .expect("not woken after the listener reconnected"),);
    println!(
        "woken {:?} after the ingest, on the reconnected listener",
        started.elapsed()
    );
}
