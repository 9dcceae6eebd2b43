//! Helper for `scripts/bench-sync.sh`.
//!
//! `sync_bench idle RELAY_URL DATA_DIR COUNT`: enrolls COUNT simulated nodes directly in the
//! relay's database (secrets derived from its master key, as `node add` does) and holds one
//! idle long-poll open for each, re-polling whenever one is answered, until killed.
//!
//! `sync_bench send WEBHOOK_URL APP_SECRET RATE SECONDS`: posts signed WhatsApp webhooks at a
//! steady RATE per second; each message's timestamp is its send time in milliseconds, so the
//! edge's `applied_at` minus it is the end-to-end latency.

use resto_relay::nodes::MasterKey;
use resto_relay::store::{admin, open_connection};
use resto_sync::client::SyncClient;
use resto_sync::hmac::hmac_sha256_hex;
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() {
    let a: Vec<String> = std::env::args().collect();
    match a.get(1).map(String::as_str) {
        Some("idle") => idle(&a[2], &a[3], a[4].parse().expect("COUNT")).await,
        Some("send") => {
            send(
                &a[2],
                &a[3],
                a[4].parse().expect("RATE"),
                a[5].parse().expect("SECONDS"),
            )
            .await
        }
        _ => {
            eprintln!("usage: sync_bench idle RELAY_URL DATA_DIR COUNT | send WEBHOOK_URL APP_SECRET RATE SECONDS");
            std::process::exit(2);
        }
    }
}

async fn idle(relay: &str, data_dir: &str, count: usize) {
    let dir = std::path::Path::new(data_dir);
    let key = MasterKey::load_or_create(&dir.join("master.key")).expect("master key");
    let mut conn = open_connection(&dir.join("relay.db")).expect("relay.db");
    let mut clients = Vec::with_capacity(count);
    let run = std::process::id();
    for i in 0..count {
        let node = admin::add_node(&mut conn, &format!("idle-{run}-{i}")).expect("add node");
        let secret = key.node_secret(&node.id, node.secret_generation);
        clients.push(
            SyncClient::new(relay, &node.id, &secret, Duration::from_secs(30)).expect("client"),
        );
    }
    drop(conn);
    for c in clients {
        tokio::spawn(async move {
            loop {
                if c.poll_events(0, 10, 60).await.is_err() {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        });
        // Ramp up so the relay is not hit by 10,000 handshakes in the same millisecond.
        tokio::time::sleep(Duration::from_micros(200)).await;
    }
    println!("holding {count} idle long-polls");
    std::future::pending::<()>().await;
}

async fn send(url: &str, secret: &str, rate: u64, seconds: u64) {
    let client = reqwest::Client::new();
    let start = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / rate.max(1)));
    let total = rate * seconds;
    let mut tasks = Vec::new();
    for i in 0..total {
        tick.tick().await;
        let now_ms = chrono::Utc::now().timestamp_millis();
        let body = serde_json::json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp", "metadata": {"display_phone_number": "213555010000", "phone_number_id": "109876543210987"},
            "contacts": [{"profile": {"name": "Bench"}, "wa_id": "213555019999"}],
            "messages": [{"from": "213555019999", "id": format!("wamid.syncbench.{}.{i}", std::process::id()), "timestamp": now_ms.to_string(),
                          "type": "text", "text": {"body": "bench"}}]}}]}]})
        .to_string();
        let sig = format!(
            "sha256={}",
            hmac_sha256_hex(secret.as_bytes(), &[body.as_bytes()])
        );
        let (client, url) = (client.clone(), url.to_string());
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .header("x-hub-signature-256", sig)
                .body(body)
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0)
        }));
    }
    let mut ok = 0;
    for t in tasks {
        if t.await.unwrap_or(0) == 200 {
            ok += 1;
        }
    }
    println!(
        "sent {ok}/{total} in {:.1} s",
        start.elapsed().as_secs_f64()
    );
}
