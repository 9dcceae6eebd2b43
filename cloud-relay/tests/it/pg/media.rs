//! Customers' media on PostgreSQL: the same queue answers as on SQLite, the bytes one relay
//! fetched are served by another (they live in the shared database), and relays fetching at
//! once never take one attachment both.

use super::{cluster, relay, routed_node};
use resto_relay::store::media::FetchOutcome;
use resto_relay::store::pg::PgStore;
use resto_relay::store::{self, EventStore, IngestBatch, NewEvent};
use resto_sync::{EventKind, Provider};
use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// A voice note (and a photo) from a customer of WhatsApp account `account`.
fn voice_note(account: &str, key: &str) -> NewEvent {
    NewEvent {
        provider: Provider::Wa,
        account_id: account.into(),
        msg_id: key.into(),
        dedupe_key: key.into(),
        label: "audio".into(),
        kind: EventKind::InboundMessage,
        payload: serde_json::json!({
            "provider": "wa", "account_id": account, "user_id": "213555000111", "msg_id": key,
            "timestamp": "2026-12-05T10:00:00.000Z", "kind": "audio",
            "attachments": [
                {"type": "audio", "media_id": format!("{key}-a"), "mime_type": "audio/ogg"},
                {"type": "image", "media_id": format!("{key}-b"), "mime_type": "image/jpeg"}
            ]
        })
        .to_string(),
        away: None,
    }
}

async fn store_messages(db: &EventStore, keys: &[&str]) {
    db.ingest(IngestBatch {
        events: keys.iter().map(|k| voice_note("100", k)).collect(),
        ..Default::default()
    })
    .await
    .unwrap();
}

/// Scan, claim, keep, serve, deliver, purge: what each step answered, as text.
async fn life(db: &EventStore, node: &str, dir: &Path) -> Vec<String> {
    let mut record = Vec::new();
    store_messages(db, &["m1", "m2"]).await;
    record.push(format!("scanned {}", db.scan_media().await.unwrap()));
    record.push(format!("rescanned {}", db.scan_media().await.unwrap()));
    let due = db.due_media(10).await.unwrap();
    record.push(format!(
        "due {:?}",
        due.iter().map(|d| d.kind.as_str()).collect::<Vec<_>>()
    ));
    let first = &due[0];
    let part = dir.join(format!("{}.part", first.id));
    std::fs::write(&part, b"OggS voice bytes").unwrap();
    let fetched = FetchOutcome::Fetched {
        mime_type: "audio/ogg".into(),
        size: 16,
    };
    db.keep_media(
        first.id,
        part.clone(),
        dir.join(first.id.to_string()),
        fetched,
    )
    .await
    .unwrap();
    record.push(format!("part file left: {}", part.exists()));
    let failed = FetchOutcome::Failed {
        error: "MEDIA_FETCH_FAILED: 404".into(),
    };
    db.record_media(due[1].id, failed).await.unwrap();
    let row = db.media_for_node(node, "m1", 0).await.unwrap().unwrap();
    record.push(format!(
        "m1#0 {} {:?} {:?}",
        row.state, row.mime_type, row.size
    ));
    let row1 = db.media_for_node(node, "m1", 1).await.unwrap().unwrap();
    record.push(format!("m1#1 {} {:?}", row1.state, row1.error));
    let file = dir.join(row.id.to_string());
    let (len, rest) = db.media_bytes(row.id, &file, 5).await.unwrap().unwrap();
    record.push(format!(
        "bytes {len} from 5: {}",
        String::from_utf8_lossy(&rest)
    ));
    db.media_delivered(row.id).await.unwrap();
    let purged = db
        .purge_delivered_media("2999-01-01T00:00:00.000Z".into())
        .await
        .unwrap();
    record.push(format!("purged {}", purged.len()));
    let state = db
        .media_for_node(node, "m1", 0)
        .await
        .unwrap()
        .unwrap()
        .state;
    record.push(format!("after purge {state}"));
    record
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_reads_the_same_on_sqlite_and_postgresql() {
    let dir = std::env::temp_dir().join(format!("relay-media-{}", ulid::Ulid::new()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("relay.db");
    store::migrate(&path).unwrap();
    let node = {
        let mut c = store::open_connection(&path).unwrap();
        let n = store::admin::add_node(&mut c, "Pizzeria").unwrap();
        store::admin::add_route(&mut c, Provider::Wa, "100", &n.id, None).unwrap();
        n.id
    };
    let sqlite = EventStore::from(store::Store::open(&path).unwrap());
    let on_sqlite = life(&sqlite, &node, &dir).await;

    let cluster = cluster().await;
    let pg = relay(&cluster).await;
    let pg_node = routed_node(&pg, "Pizzeria", "100").await;
    let on_pg = life(&EventStore::from(pg), &pg_node, &dir).await;

    assert_eq!(on_sqlite, on_pg);
    for line in [
        "scanned 4",
        "rescanned 0",
        "part file left: false",
        "m1#0 fetched Some(\"audio/ogg\") Some(16)",
        "bytes 16 from 5: voice bytes",
        "purged 1",
        "after purge purged",
    ] {
        assert!(on_pg.contains(&line.to_string()), "{line}: {on_pg:#?}");
    }
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn what_one_relay_fetched_another_serves_and_no_attachment_is_fetched_twice() {
    let cluster = cluster().await;
    let a: PgStore = relay(&cluster).await;
    let b: PgStore = relay(&cluster).await;
    let node = routed_node(&a, "Pizzeria", "100").await;
    let (a, b) = (EventStore::from(a), EventStore::from(b));
    let keys: Vec<String> = (0..15).map(|i| format!("m{i}")).collect();
    store_messages(&a, &keys.iter().map(String::as_str).collect::<Vec<_>>()).await;
    // Both relays scan and claim at once, as their media workers do.
    let (sa, sb) = tokio::join!(a.scan_media(), b.scan_media());
    assert_eq!(sa.unwrap() + sb.unwrap(), 30, "each attachment queued once");
    let claimed: Arc<Mutex<Vec<i64>>> = Arc::default();
    let workers: Vec<_> = [a.clone(), b.clone(), a.clone(), b.clone()]
        .into_iter()
        .map(|db| {
            let claimed = claimed.clone();
            tokio::spawn(async move {
                for _ in 0..10 {
                    let due = db.due_media(4).await.unwrap();
                    claimed.lock().unwrap().extend(due.iter().map(|d| d.id));
                }
            })
        })
        .collect();
    for w in workers {
        w.await.unwrap();
    }
    let claimed = claimed.lock().unwrap().clone();
    assert_eq!(claimed.len(), 30, "claimed once each: {claimed:?}");
    assert_eq!(claimed.iter().collect::<HashSet<_>>().len(), 30);

    // Relay A keeps a voice note; the node asks relay B for it.
    let dir = std::env::temp_dir().join(format!("relay-media2-{}", ulid::Ulid::new()));
    std::fs::create_dir_all(&dir).unwrap();
    let row = a.media_for_node(&node, "m7", 0).await.unwrap().unwrap();
    let body: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let part = dir.join("a.part");
    std::fs::write(&part, &body).unwrap();
    let fetched = FetchOutcome::Fetched {
        mime_type: "audio/ogg".into(),
        size: body.len() as u64,
    };
    a.keep_media(row.id, part, dir.join("unused-on-postgres"), fetched)
        .await
        .unwrap();
    let on_b = b.media_for_node(&node, "m7", 0).await.unwrap().unwrap();
    assert_eq!(on_b.state, "fetched");
    let (len, bytes) = b
        .media_bytes(on_b.id, &dir.join("nothing-here"), 0)
        .await
        .unwrap()
        .expect("B serves the bytes A fetched");
    assert_eq!((len, bytes), (body.len() as u64, body.clone()));
    let (_, tail) = b
        .media_bytes(on_b.id, Path::new("/"), 199_990)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        tail,
        body[199_990..].to_vec(),
        "a resumed download gets the rest"
    );
    std::fs::remove_dir_all(dir).ok();
}
