//! `serve` starting and a CLI command (`route add`) may open a fresh database at the same
//! moment. Both must end with a migrated WAL database; neither may fail with "database is
//! locked" (SQLite refuses a racing journal-mode switch without waiting on its busy timeout).

use resto_relay::store;

#[test]
fn processes_migrating_a_fresh_database_at_once_all_succeed() {
    for round in 0..5 {
        let dir = std::env::temp_dir().join(format!(
            "relay-concurrent-migrate-{}-{round}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("relay.db");
        let barrier = std::sync::Barrier::new(4);
        let results: Vec<Result<Vec<String>, String>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|_| {
                    s.spawn(|| {
                        barrier.wait();
                        store::migrate(&db).map_err(|e| e.to_string())
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let applied: Vec<Vec<String>> = results.into_iter().map(|r| r.unwrap()).collect();
        // Exactly one opener applied the migrations; the others found the file current.
        assert_eq!(
            applied.iter().filter(|a| !a.is_empty()).count(),
            1,
            "{applied:?}"
        );
        let c = store::open_connection(&db).unwrap();
        let mode: String = c
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        std::fs::remove_dir_all(dir).ok();
    }
}
