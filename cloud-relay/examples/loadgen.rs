//! Closed-loop load generator for `scripts/bench-ingest.sh`: N keep-alive HTTP/1.1
//! connections, each posting signed ~1 KB WhatsApp text webhooks with distinct wamids, one
//! at a time, for a fixed duration. A hand-rolled client keeps its own cost small and the same
//! against both targets. Prints one JSON line of results.
//!
//! usage: loadgen ADDR CONCURRENCY SECONDS APP_SECRET LABEL

use resto_sync::hmac::hmac_sha256_hex;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const PHONE_NUMBER_ID: &str = "109876543210987";

fn body(run: u32, conn: usize, i: u64) -> String {
    // ~1 KB, the size of a chatty customer message with Meta's envelope around it.
    let text = "Salam, nheb ncommandi 2 pizza margherita w 1 coca, w zid frites kbar, livraison l Bab Ezzouar bloc 12 appartement 4, 3ayetli ki tousel. Merci bzaf khouya, ana f dar ntsana. Bonsoir, je voudrais aussi une salade cesar sans oignons et deux tiramisus, paiement a la livraison svp. Le code de la porte est 2580, troisieme etage a gauche.";
    format!(
        r#"{{"object":"whatsapp_business_account","entry":[{{"id":"104857600012345","changes":[{{"value":{{"messaging_product":"whatsapp","metadata":{{"display_phone_number":"213555010000","phone_number_id":"{PHONE_NUMBER_ID}"}},"contacts":[{{"profile":{{"name":"Yacine"}},"wa_id":"213555010101","user_id":"DZ.13650000000000101"}}],"messages":[{{"from":"213555010101","from_user_id":"DZ.13650000000000101","id":"wamid.bench.{run}.{conn}.{i}","timestamp":"1795199400","type":"text","text":{{"body":"{text}"}}}}]}},"field":"messages"}}]}}]}}"#
    )
}

struct ConnResult {
    latencies_us: Vec<u32>,
    non_200: u64,
    errors: u64,
}

async fn read_response(s: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<u16> {
    buf.clear();
    let mut chunk = [0u8; 4096];
    loop {
        let n = s.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                let status = head.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0);
                return Ok(status);
            }
        }
    }
}

async fn connection(
    addr: String,
    secret: String,
    run: u32,
    conn: usize,
    warmup_end: Instant,
    end: Instant,
) -> ConnResult {
    let mut r = ConnResult {
        latencies_us: Vec::new(),
        non_200: 0,
        errors: 0,
    };
    let mut stream = None;
    let mut buf = Vec::with_capacity(8192);
    let mut i = 0u64;
    while Instant::now() < end {
        if stream.is_none() {
            match TcpStream::connect(&addr).await {
                Ok(s) => {
                    let _ = s.set_nodelay(true);
                    stream = Some(s);
                }
                Err(_) => {
                    r.errors += 1;
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            }
        }
        let Some(s) = stream.as_mut() else { continue };
        i += 1;
        let b = body(run, conn, i);
        let sig = hmac_sha256_hex(secret.as_bytes(), &[b.as_bytes()]);
        let req = format!(
            "POST /webhooks/meta HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nX-Hub-Signature-256: sha256={sig}\r\nContent-Length: {}\r\n\r\n{b}",
            b.len()
        );
        let t = Instant::now();
        let res = match s.write_all(req.as_bytes()).await {
            Ok(()) => read_response(s, &mut buf).await,
            Err(e) => Err(e),
        };
        let counted = t >= warmup_end;
        match res {
            Ok(status) if counted => {
                r.latencies_us
                    .push(t.elapsed().as_micros().min(u32::MAX as u128) as u32);
                if status != 200 {
                    r.non_200 += 1;
                }
            }
            Ok(_) => {}
            Err(_) => {
                r.errors += 1;
                stream = None;
            }
        }
    }
    r
}

fn pct(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx] as f64 / 1000.0
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 6 {
        eprintln!("usage: loadgen ADDR CONCURRENCY SECONDS APP_SECRET LABEL [WARMUP_SECONDS]");
        std::process::exit(2);
    }
    let addr = args[1].clone();
    let concurrency: usize = args[2].parse().expect("CONCURRENCY");
    let seconds: f64 = args[3].parse().expect("SECONDS");
    let secret = args[4].clone();
    let label = args[5].clone();
    let warmup: f64 = args.get(6).and_then(|w| w.parse().ok()).unwrap_or(1.0);
    let run = std::process::id()
        ^ (std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0));
    let start = Instant::now();
    let warmup_end = start + Duration::from_secs_f64(warmup);
    let end = warmup_end + Duration::from_secs_f64(seconds);
    let tasks: Vec<_> = (0..concurrency)
        .map(|c| {
            tokio::spawn(connection(
                addr.clone(),
                secret.clone(),
                run,
                c,
                warmup_end,
                end,
            ))
        })
        .collect();
    let mut all = Vec::new();
    let (mut non_200, mut errors) = (0, 0);
    for t in tasks {
        let r = t.await.expect("connection task");
        all.extend(r.latencies_us);
        non_200 += r.non_200;
        errors += r.errors;
    }
    all.sort_unstable();
    let n = all.len();
    println!(
        "{{\"target\":\"{label}\",\"concurrency\":{concurrency},\"duration_s\":{seconds},\"requests\":{n},\"non_200\":{non_200},\"errors\":{errors},\"rps\":{:.1},\"p50_ms\":{:.3},\"p99_ms\":{:.3},\"max_ms\":{:.3}}}",
        n as f64 / seconds,
        pct(&all, 0.50),
        pct(&all, 0.99),
        pct(&all, 1.0)
    );
}
