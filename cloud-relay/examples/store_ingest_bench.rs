//! Store-level ingest on both backends, side by side (issue 18): `CONCURRENCY` tasks each
//! commit one-message requests through `EventStore::ingest` (group commit on both), for
//! SQLite in a temp dir and PostgreSQL at `RELAY_DATABASE_URL` — or, when unset, a
//! throwaway cluster (`tests/src/pg.rs`, needs Debian's `postgresql`). No HTTP: this
//! measures the stores; `scripts/bench-ingest.sh` measures the relay.
//!
//! `cargo run --release -p resto-relay --example store_ingest_bench [REQUESTS] [C...]`
//! (defaults: 4000 requests at c = 16 and 64). Prints req/s and p50/p99 per backend and c.

#[path = "../../tests/src/pg.rs"]
#[allow(dead_code)]
mod pg_cluster;

use resto_relay::store::pg::PgStore;
use resto_relay::store::{self, EventStore, IngestBatch, NewEvent};
use resto_sync::{EventKind, Provider};
use std::time::{Duration, Instant};

fn message(account: &str, key: String) -> NewEvent {
    NewEvent {
        provider: Provider::Wa,
        account_id: account.into(),
        msg_id: key.clone(),
        payload: serde_json::json!({"provider": "wa", "account_id": account,
            "user_id": "213555000111", "timestamp": "2026-12-05T10:00:00.000Z",
            "text": "Bonjour, une pizza margherita svp", "key": key})
        .to_string(),
        dedupe_key: key,
        label: "text".into(),
        kind: EventKind::InboundMessage,
        away: None,
    }
}

async fn run(store: &EventStore, account: &str, requests: usize, c: usize) -> String {
    let run = ulid::Ulid::new().to_string();
    let started = Instant::now();
    let tasks: Vec<_> = (0..c)
        .map(|t| {
            let (store, account, run) = (store.clone(), account.to_string(), run.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                for i in (t..requests).step_by(c) {
                    let began = Instant::now();
                    store
                        .ingest(IngestBatch {
                            events: vec![message(&account, format!("{run}-{i}"))],
                            ..Default::default()
                        })
                        .await
                        .expect("ingest");
                    latencies.push(began.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut all: Vec<Duration> = Vec::with_capacity(requests);
    for t in tasks {
        all.extend(t.await.expect("task"));
    }
    let secs = started.elapsed().as_secs_f64();
    all.sort();
    let pct = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)];
    format!(
        "c={c:<3} {:>8.0} req/s  p50 {:>7.2} ms  p99 {:>7.2} ms",
        requests as f64 / secs,
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3
    )
}

#[tokio::main]
async fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("numbers: REQUESTS then concurrencies"))
        .collect();
    let requests = args.first().copied().unwrap_or(4000);
    let levels = if args.len() > 1 {
        args[1..].to_vec()
    } else {
        vec![16, 64]
    };

    let dir = std::env::temp_dir().join(format!("store-bench-{}", ulid::Ulid::new()));
    let path = dir.join("relay.db");
    store::migrate(&path).expect("migrate");
    {
        let mut c = store::open_connection(&path).expect("open");
        let n = store::admin::add_node(&mut c, "bench").expect("node");
        store::admin::add_route(&mut c, Provider::Wa, "bench", &n.id, None).expect("route");
    }
    let sqlite = EventStore::from(store::Store::open(&path).expect("store"));

    let (_cluster, url) = match std::env::var("RELAY_DATABASE_URL") {
        Ok(url) => (None, url),
        Err(_) => {
            let cluster = pg_cluster::PgCluster::start().unwrap_or_else(|e| panic!("{e}"));
            let url = cluster.url();
            (Some(cluster), url)
        }
    };
    let pg = PgStore::open(&url).await.unwrap_or_else(|e| panic!("{e}"));
    let account = format!("bench-{}", ulid::Ulid::new());
    let node = pg.add_node(&account).await.expect("node");
    pg.add_route(Provider::Wa, &account, &node.id, None)
        .await
        .expect("route");
    let pg = EventStore::from(pg);

    println!("{requests} one-message requests per run");
    for c in levels {
        println!("sqlite      {}", run(&sqlite, "bench", requests, c).await);
        println!("postgresql  {}", run(&pg, &account, requests, c).await);
    }
    std::fs::remove_dir_all(dir).ok();
}
