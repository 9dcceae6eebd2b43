//! The daemon starting and a CLI command (`menu import`, `backup`, `restore`) may open a
//! fresh or older database at the same moment; each migrates it. They must take turns, not
//! fail on "index … already exists" (found by the order e2e test racing `menu import`).

use resto_edge::store;

#[test]
fn processes_opening_a_fresh_database_at_once_all_get_a_fully_migrated_one() {
    for round in 0..5 {
        let dir = std::env::temp_dir().join(format!(
            "edge-concurrent-migrate-{}-{round}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("edge.db");
        let barrier = std::sync::Barrier::new(4);
        let results: Vec<Result<(), String>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|_| {
                    s.spawn(|| {
                        barrier.wait();
                        store::open(&db).map(drop).map_err(|e| e.to_string())
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for r in results {
            r.unwrap();
        }
        let c = store::open(&db).unwrap();
        let tables: i64 = c
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE name IN ('sync_state', 'orders', 'message_statuses_by_at')",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(tables, 3);
        std::fs::remove_dir_all(dir).ok();
    }
}
