//! Payments on PostgreSQL (`payments::ledger` over `store_pg`): the same answers as on
//! SQLite for a checkout's life, and two relays claiming due work never take one row both.

use super::{cluster, relay};
use resto_relay::payments::chargily::CheckoutState;
use resto_relay::payments::ledger;
use resto_relay::payments::store::Report;
use resto_relay::store::{self, EventStore};
use resto_sync::payment::CreateCheckout;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

fn checkout(order: &str, amount: i64) -> CreateCheckout {
    CreateCheckout {
        order_ref: order.into(),
        amount,
        method: "cib".into(),
        locale: "fr".into(),
    }
}

fn now() -> String {
    store::now_rfc3339()
}

/// One checkout's life through the ledger, as text.
async fn life(db: &EventStore, node: &str) -> Vec<String> {
    let mut record = Vec::new();
    let fresh = ledger::request(
        db,
        node,
        vec![
            ("a1".into(), checkout("A-001", 1400)),
            ("a1".into(), checkout("A-001", 1400)),
        ],
        now(),
    )
    .await
    .unwrap();
    record.push(format!("request {fresh:?}"));
    let due = ledger::due_creations(db, chrono::Utc::now()).await.unwrap();
    record.push(format!("due {}", due.len()));
    let c = due.into_iter().next().unwrap();
    let failed = ledger::creation_failed(db, c.clone(), "gateway down".into(), now(), false, now())
        .await
        .unwrap();
    record.push(format!("failed tells {:?}", failed.map(|(_, s)| s)));
    let mut c = ledger::due_creations(db, chrono::Utc::now())
        .await
        .unwrap()
        .remove(0);
    record.push(format!(
        "retried after {} attempt(s), delay told {}",
        c.attempts, c.delay_told
    ));
    c.delay_told = true;
    let made = ledger::created(
        db,
        c,
        "chk_1".into(),
        "https://pay.example/chk_1".into(),
        now(),
        now(),
        now(),
    )
    .await
    .unwrap();
    record.push(format!("created tells {:?}", made.map(|(_, s)| s)));
    let report = |state, amount, event: Option<&str>| {
        ledger::report(
            db,
            "chk_1".into(),
            state,
            amount,
            event.map(|e| (e.to_string(), "checkout.paid".to_string())),
            now(),
            now(),
        )
    };
    let shown = |r: Report| match r {
        Report::Moved { state, appended } => format!("moved {} seq {}", state.as_str(), appended.1),
        other => format!("{other:?}"),
    };
    record.push(shown(
        report(CheckoutState::Paid, 999, Some("ev1")).await.unwrap(),
    ));
    record.push(shown(
        report(CheckoutState::Processing, 1400, None).await.unwrap(),
    ));
    record.push(shown(
        report(CheckoutState::Paid, 1400, Some("ev2"))
            .await
            .unwrap(),
    ));
    record.push(shown(
        report(CheckoutState::Paid, 1400, Some("ev2"))
            .await
            .unwrap(),
    ));
    record.push(shown(
        report(CheckoutState::Paid, 1400, None).await.unwrap(),
    ));
    record.push(shown(
        ledger::report(
            db,
            "chk_unknown".into(),
            CheckoutState::Paid,
            1,
            None,
            now(),
            now(),
        )
        .await
        .unwrap(),
    ));
    let events = db.events_after(node, 0, 100).await.unwrap();
    for e in events {
        record.push(format!(
            "event {} {} {}",
            e.seq,
            e.kind.as_str(),
            e.payload["state"]
        ));
    }
    record
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_checkouts_life_reads_the_same_on_sqlite_and_postgresql() {
    let dir = std::env::temp_dir().join(format!("relay-pay-{}", ulid::Ulid::new()));
    let path = dir.join("relay.db");
    store::migrate(&path).unwrap();
    let node = {
        let mut c = store::open_connection(&path).unwrap();
        store::admin::add_node(&mut c, "Pizzeria").unwrap().id
    };
    let sqlite = EventStore::from(store::Store::open(&path).unwrap());
    let on_sqlite = life(&sqlite, &node).await;

    let cluster = cluster().await;
    let pg = relay(&cluster).await;
    let pg_node = pg.add_node("Pizzeria").await.unwrap().id;
    let on_pg = life(&EventStore::from(pg), &pg_node).await;

    assert_eq!(on_sqlite, on_pg);
    // What the scenario is about, so the comparison cannot pass on two empty records.
    for line in [
        "request [true, false]",
        "failed tells Some(1)",
        "AmountMismatch",
        "moved paid seq 4",
        "Duplicate",
        "UnknownCheckout",
        "event 4 payment_update \"paid\"",
    ] {
        assert!(on_pg.iter().any(|l| l.contains(line)), "{line}: {on_pg:#?}");
    }
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_relays_claim_every_due_checkout_exactly_once() {
    const N: usize = 40;
    let cluster = cluster().await;
    let a = EventStore::from(relay(&cluster).await);
    let b = EventStore::from(relay(&cluster).await);
    let node = match &a {
        EventStore::Postgres(p) => p.add_node("Pizzeria").await.unwrap().id,
        EventStore::Sqlite(_) => unreachable!(),
    };
    let requests = (0..N)
        .map(|i| {
            (
                format!("a{i}"),
                checkout(&format!("A-{i:03}"), 1000 + i as i64),
            )
        })
        .collect();
    ledger::request(&a, &node, requests, now()).await.unwrap();
    let claimed: Arc<Mutex<Vec<String>>> = Arc::default();
    let workers: Vec<_> = [a.clone(), b.clone(), a, b]
        .into_iter()
        .map(|db| {
            let claimed = claimed.clone();
            tokio::spawn(async move {
                for _ in 0..20 {
                    let due = ledger::due_creations(&db, chrono::Utc::now())
                        .await
                        .unwrap();
                    claimed
                        .lock()
                        .unwrap()
                        .extend(due.into_iter().map(|c| c.attempt_id));
                }
            })
        })
        .collect();
    for w in workers {
        w.await.unwrap();
    }
    let claimed = claimed.lock().unwrap().clone();
    let distinct: HashSet<&String> = claimed.iter().collect();
    assert_eq!(distinct.len(), N, "every due checkout claimed");
    assert_eq!(
        claimed.len(),
        N,
        "none claimed twice while its lease runs: {claimed:?}"
    );
}
