//! Relays starting at once migrate one database safely: under the advisory lock exactly one
//! applies each migration, the others find it applied; running again changes nothing.

use super::cluster;
use resto_relay::store::pg::{migrate, PgTarget};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn migrations_from_several_relays_at_once_apply_exactly_once() {
    let cluster = cluster().await;
    for round in 0..3 {
        let db = format!("relay_{round}");
        let url = tokio::task::block_in_place(|| cluster.create_database(&db)).unwrap();
        // Separate targets: separate sessions, as separate relays would have.
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(4));
        let tasks: Vec<_> = (0..4)
            .map(|_| {
                let (url, barrier) = (url.clone(), barrier.clone());
                tokio::spawn(async move {
                    let target = PgTarget::parse(&url).unwrap();
                    barrier.wait().await;
                    migrate::migrate(&target).await
                })
            })
            .collect();
        let mut applied = Vec::new();
        for t in tasks {
            applied.push(t.await.unwrap().unwrap_or_else(|e| panic!("{e}")));
        }
        let all: Vec<String> = applied.iter().flatten().cloned().collect();
        let target = PgTarget::parse(&url).unwrap();
        let expected = {
            // Every embedded migration, once, by one of the four.
            let fresh_db = format!("relay_{round}_check");
            let check_url =
                tokio::task::block_in_place(|| cluster.create_database(&fresh_db)).unwrap();
            migrate::pending(&PgTarget::parse(&check_url).unwrap())
                .await
                .unwrap()
        };
        assert!(!expected.is_empty());
        assert_eq!(all, expected, "round {round}: {applied:?}");
        assert_eq!(applied.iter().filter(|a| !a.is_empty()).count(), 1);
        assert!(migrate::pending(&target).await.unwrap().is_empty());
        assert!(
            migrate::migrate(&target).await.unwrap().is_empty(),
            "idempotent"
        );
        let history = tokio::task::block_in_place(|| {
            cluster.psql(&db, "SELECT count(*) FROM refinery_schema_history")
        })
        .unwrap();
        assert_eq!(history, expected.len().to_string());
    }
}
