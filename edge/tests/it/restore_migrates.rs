//! A backup taken by an older release (an older schema) is brought up to this release's
//! schema by `restore`, with its rows intact — the real migrations, the real SQLite files.

use resto_edge::store;
use rusqlite::Connection;
use std::path::PathBuf;

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "edge-restore-{name}-{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0)
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn applied_versions(c: &Connection) -> Vec<i64> {
    let mut st = c
        .prepare("SELECT version FROM refinery_schema_history ORDER BY version")
        .unwrap();
    st.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn restoring_a_backup_from_an_older_release_migrates_it_forward_and_keeps_its_rows() {
    let d = temp_dir("older");
    let old_db = d.join("old-release.db");
    // The database as the release with only migrations V1..V3 left it.
    let migrations =
        refinery::load_sql_migrations(concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations/edge"))
            .unwrap();
    {
        let mut c = Connection::open(&old_db).unwrap();
        refinery::Runner::new(&migrations)
            .set_target(refinery::Target::Version(3))
            .run(&mut c)
            .unwrap();
        c.execute(
            "INSERT INTO inbound_messages (provider, msg_id, event_id, user_id, kind, received_at, payload)
             VALUES ('wa', 'wamid.old.1', 'ev1', '213555', 'text', '2026-01-01T10:00:00.000Z', '{}')",
            [],
        )
        .unwrap();
        c.execute("UPDATE sync_state SET cursor = 41", []).unwrap();
        assert_eq!(applied_versions(&c), vec![1, 2, 3]);
    }
    let backup = d.join("backups/edge-old.db");
    resto_ops::backup::backup(&old_db, &backup).unwrap();

    // This release's database, freshly migrated (the device was re-installed).
    let db = d.join("edge.db");
    drop(store::open(&db).unwrap());
    let r = resto_ops::backup::restore(&backup, &db, false, store::SINGLETON_TABLES, |p| {
        store::migrate(p).map_err(|e| e.to_string())
    })
    .unwrap();

    assert!(
        !r.migrated.is_empty(),
        "the older backup needed migrations: {:?}",
        r.migrated
    );
    let c = store::open(&db).unwrap();
    let latest = migrations.iter().map(|m| m.version()).max().unwrap() as i64;
    assert_eq!(applied_versions(&c).last(), Some(&latest));
    let (msg, cursor): (String, i64) = c
        .query_row(
            "SELECT (SELECT msg_id FROM inbound_messages), (SELECT cursor FROM sync_state)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((msg.as_str(), cursor), ("wamid.old.1", 41));
    std::fs::remove_dir_all(d).ok();
}
