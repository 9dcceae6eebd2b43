//! Closed-loop load generator for `scripts/bench-ingest.sh`.
//!
//! `--concurrency N` keep-alive HTTP/1.1 connections, one tokio task each; every task sends a
//! signed ~1 KB WhatsApp text webhook with a distinct wamid, waits for the whole response, and
//! repeats. After `--warmup` seconds it measures for `--duration` seconds and prints one JSON
//! line. The client is hand-rolled on `TcpStream` so its own cost is small and identical
//! against every target: the request bytes are built once per connection and only the
//! fixed-width counter and signature slots are rewritten per request (the HMAC over the body is
//! still computed per request, like Meta does).
//!
//! Counting rules: a request is measured when its response *completes* inside the window
//! `[warmup end, warmup end + duration]`. `rps`, `p50_ms`, `p99_ms` and `max_ms` are over the
//! 200 answers in that window (a fast error page must not look like throughput);
//! `non_200` and `errors` (connect/IO/timeout/malformed response) are counted in the window,
//! and `total_200` counts every 200 of the run including warm-up and the tail, so that a
//! caller can check that each 200 is a stored event.
//!
//! ```text
//! loadgen --url http://127.0.0.1:18080/webhooks/meta --secret S --concurrency 64 \
//!         --duration 10 --warmup 2 --target relay
//! ```

use clap::Parser;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

type HmacSha256 = Hmac<Sha256>;

#[derive(Parser, Debug)]
#[command(about = "Closed-loop load generator posting signed WhatsApp webhooks")]
struct Args {
    /// Target URL, plain http only, e.g. http://127.0.0.1:18080/webhooks/meta
    #[arg(long)]
    url: String,
    /// Meta App Secret used for X-Hub-Signature-256.
    #[arg(long)]
    secret: String,
    /// Number of keep-alive connections, each with one request in flight.
    #[arg(long, default_value_t = 1)]
    concurrency: usize,
    /// Measured seconds (after the warm-up).
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Warm-up seconds, not measured.
    #[arg(long, default_value_t = 2.0)]
    warmup: f64,
    /// Label printed as "target" in the JSON line.
    #[arg(long, default_value = "target")]
    target: String,
    /// metadata.phone_number_id of every webhook (must be routed on the relay).
    #[arg(long, default_value = "109876543210987")]
    phone_number_id: String,
    /// Per-request timeout in seconds (counted as an error, the connection is reopened).
    #[arg(long, default_value_t = 10.0)]
    timeout: f64,
    /// Tokio worker threads of the load generator (default: one per CPU).
    #[arg(long)]
    threads: Option<usize>,
}

/// Fixed-width slots in the request template.
const COUNTER_SLOT: &str = "@@@@@@@@@@@@"; // 12 hex digits: per-connection request counter
const SIG_SLOT: &str = "################################################################"; // 64 hex

/// ~1 KB of Darija/French, the size of a chatty order with Meta's envelope around it.
const TEXT: &str = "Salam alikoum, nheb ncommandi 2 pizza margherita kbar w 1 pizza 4 fromages, \
w zid 3 coca fresh w frites kbar. Livraison l Bab Ezzouar, cité 2068 logements bloc 12 \
appartement 4, troisième étage à gauche, le code de la porte c'est 2580. 3ayetli ki tousel \
psq la sonnette ma tmchich. Bonsoir, je voudrais aussi une salade césar sans oignons et deux \
tiramisus, paiement à la livraison svp, j'ai la monnaie. Merci bzaf khouya, ana f dar ntsana 🍕";

/// Request bytes of one connection, with the offsets of the slots rewritten per request.
struct Template {
    bytes: Vec<u8>,
    body_start: usize,
    counter_at: usize,
    sig_at: usize,
}

fn template(a: &Args, host: &str, path: &str, nonce: u64, conn: usize) -> Template {
    // Distinct customer per connection; wamid = fixed prefix + run nonce + connection + counter.
    let wa_id = format!("213555{:06}", 10_000 + conn);
    let user_id = format!("DZ.1365{:013}", 10_000 + conn);
    let wamid =
        format!("wamid.HBgMMjEzNTU1MDEwMTAxFQIAEhggM0VC{nonce:016X}{conn:06X}{COUNTER_SLOT}");
    let name = "Yacine Benali";
    let pnid = &a.phone_number_id;
    let text = TEXT.replace('\n', " ");
    let body = format!(
        concat!(
            r#"{{"object":"whatsapp_business_account","entry":[{{"id":"104857600012345","changes":[{{"value":{{"#,
            r#""messaging_product":"whatsapp","metadata":{{"display_phone_number":"213555010000","phone_number_id":"{pnid}"}},"#,
            r#""contacts":[{{"profile":{{"name":"{name}"}},"wa_id":"{wa_id}","user_id":"{user_id}"}}],"#,
            r#""messages":[{{"from":"{wa_id}","from_user_id":"{user_id}","id":"{wamid}","timestamp":"{ts}","#,
            r#""type":"text","text":{{"body":"{text}"}}}}]}},"field":"messages"}}]}}]}}"#
        ),
        pnid = pnid,
        name = name,
        wa_id = wa_id,
        user_id = user_id,
        wamid = wamid,
        ts = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
        text = text,
    );
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: facebookexternalua\r\n\
         Accept: */*\r\nContent-Type: application/json\r\n\
         X-Hub-Signature-256: sha256={SIG_SLOT}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let sig_at = head.find(SIG_SLOT).expect("signature slot");
    let body_start = head.len();
    let counter_at = body_start + body.find(COUNTER_SLOT).expect("counter slot");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body.as_bytes());
    Template {
        bytes,
        body_start,
        counter_at,
        sig_at,
    }
}

fn write_hex_upper(dst: &mut [u8], mut v: u64) {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    for b in dst.iter_mut().rev() {
        *b = DIGITS[(v & 0xf) as usize];
        v >>= 4;
    }
}

#[derive(Default)]
struct ConnResult {
    latencies_us: Vec<u32>,
    non_200: u64,
    errors: u64,
    warmup_failures: u64,
    total_200: u64,
    sent: u64,
}

#[derive(Debug)]
struct Response {
    status: u16,
    close: bool,
}

fn bad(msg: &'static str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, msg)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Reads more bytes into `buf`; EOF is an error (a response was expected).
async fn fill(s: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<()> {
    let len = buf.len();
    if buf.capacity() - len < 4096 {
        buf.reserve(8192);
    }
    let n = s.read_buf(buf).await?;
    if n == 0 {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    Ok(())
}

/// Reads one HTTP/1.1 response (status line, headers, Content-Length or chunked body).
/// `buf` may hold bytes of a previous read; consumed bytes are drained from it.
async fn read_response(s: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<Response> {
    let mut scanned = 0;
    let head_end = loop {
        if let Some(p) = find(&buf[scanned..], b"\r\n\r\n") {
            break scanned + p + 4;
        }
        scanned = buf.len().saturating_sub(3);
        if buf.len() > 64 * 1024 {
            return Err(bad("response head too large"));
        }
        fill(s, buf).await?;
    };
    let head = &buf[..head_end];
    if head.len() < 12 || !head.starts_with(b"HTTP/1.") {
        return Err(bad("not an HTTP/1.x response"));
    }
    let status = std::str::from_utf8(&head[9..12])
        .ok()
        .and_then(|c| c.parse::<u16>().ok())
        .ok_or_else(|| bad("bad status code"))?;
    let mut content_length = None;
    let mut chunked = false;
    let mut close = head.starts_with(b"HTTP/1.0");
    for line in head.split(|&b| b == b'\n').skip(1) {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let (name, value) = (&line[..colon], line[colon + 1..].trim_ascii());
        if name.eq_ignore_ascii_case(b"content-length") {
            content_length = std::str::from_utf8(value)
                .ok()
                .and_then(|v| v.parse::<usize>().ok());
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            chunked = value.eq_ignore_ascii_case(b"chunked");
        } else if name.eq_ignore_ascii_case(b"connection") {
            close = value.eq_ignore_ascii_case(b"close");
        }
    }
    buf.drain(..head_end);
    if chunked {
        loop {
            let line_end = loop {
                if let Some(p) = find(buf, b"\r\n") {
                    break p;
                }
                fill(s, buf).await?;
            };
            let size_txt = std::str::from_utf8(&buf[..line_end]).map_err(|_| bad("chunk size"))?;
            let size_txt = size_txt.split(';').next().unwrap_or("").trim();
            let size = usize::from_str_radix(size_txt, 16).map_err(|_| bad("chunk size"))?;
            buf.drain(..line_end + 2);
            if size == 0 {
                // Trailers (ignored) end with an empty line.
                loop {
                    if let Some(p) = find(buf, b"\r\n") {
                        buf.drain(..p + 2);
                        if p == 0 {
                            return Ok(Response { status, close });
                        }
                        continue;
                    }
                    fill(s, buf).await?;
                }
            }
            while buf.len() < size + 2 {
                fill(s, buf).await?;
            }
            buf.drain(..size + 2);
        }
    }
    let Some(len) = content_length else {
        if status == 204 || status == 304 || (100..200).contains(&status) {
            return Ok(Response { status, close });
        }
        return Err(bad("response without Content-Length or chunked body"));
    };
    while buf.len() < len {
        fill(s, buf).await?;
    }
    buf.drain(..len);
    Ok(Response { status, close })
}

struct Plan {
    addr: String,
    host: String,
    path: String,
    secret: Vec<u8>,
    nonce: u64,
    warmup_end: Instant,
    end: Instant,
    timeout: Duration,
}

async fn connection(
    plan: std::sync::Arc<Plan>,
    args: std::sync::Arc<Args>,
    conn: usize,
) -> ConnResult {
    let mut r = ConnResult {
        latencies_us: Vec::with_capacity(1 << 14),
        ..Default::default()
    };
    let mut t = template(&args, &plan.host, &plan.path, plan.nonce, conn);
    let keyed = <HmacSha256 as KeyInit>::new_from_slice(&plan.secret).expect("any key length");
    let mut stream: Option<TcpStream> = None;
    let mut buf = Vec::with_capacity(8192);
    let mut counter = 0u64;
    while Instant::now() < plan.end {
        if stream.is_none() {
            match tokio::time::timeout(plan.timeout, TcpStream::connect(&plan.addr)).await {
                Ok(Ok(s)) => {
                    let _ = s.set_nodelay(true);
                    buf.clear();
                    stream = Some(s);
                }
                _ => {
                    if Instant::now() >= plan.warmup_end {
                        r.errors += 1;
                    } else {
                        r.warmup_failures += 1;
                    }
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            }
        }
        let Some(s) = stream.as_mut() else { continue };

        counter += 1;
        write_hex_upper(&mut t.bytes[t.counter_at..t.counter_at + 12], counter);
        let mut mac = keyed.clone();
        mac.update(&t.bytes[t.body_start..]);
        let tag = mac.finalize().into_bytes();
        hex::encode_to_slice(tag, &mut t.bytes[t.sig_at..t.sig_at + 64]).expect("64 hex digits");

        let started = Instant::now();
        let res = tokio::time::timeout(plan.timeout, async {
            s.write_all(&t.bytes).await?;
            read_response(s, &mut buf).await
        })
        .await
        .unwrap_or_else(|_| Err(std::io::ErrorKind::TimedOut.into()));
        let done = Instant::now();
        r.sent += 1;
        let measured = done >= plan.warmup_end && done <= plan.end;
        match res {
            Ok(resp) => {
                if resp.status == 200 {
                    r.total_200 += 1;
                    if measured {
                        let us = done.duration_since(started).as_micros();
                        r.latencies_us.push(us.min(u32::MAX as u128) as u32);
                    }
                } else if measured {
                    r.non_200 += 1;
                } else if done < plan.warmup_end {
                    r.warmup_failures += 1;
                }
                if resp.close {
                    stream = None;
                }
            }
            Err(_) => {
                if measured {
                    r.errors += 1;
                } else if done < plan.warmup_end {
                    r.warmup_failures += 1;
                }
                stream = None;
            }
        }
    }
    r
}

/// Nearest-rank percentile of sorted microseconds, in milliseconds.
fn pct_ms(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1] as f64 / 1000.0
}

/// `http://host:port/path` -> (connect address, Host header, path).
fn parse_url(url: &str) -> Result<(String, String, String), String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("--url {url:?}: only http:// is supported"))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if authority.is_empty() {
        return Err(format!("--url {url:?} has no host"));
    }
    let addr = if authority
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
        && !authority.ends_with(']')
    {
        authority.to_string()
    } else {
        format!("{authority}:80")
    };
    Ok((addr, authority.to_string(), path.to_string()))
}

/// CPU seconds (user + system) this process has used so far, from /proc (Linux; USER_HZ 100).
fn own_cpu_s() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

fn json_str(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    if args.concurrency == 0 || args.duration <= 0.0 || args.warmup < 0.0 {
        eprintln!("loadgen: --concurrency must be >= 1, --duration > 0, --warmup >= 0");
        return std::process::ExitCode::from(2);
    }
    let (addr, host, path) = match parse_url(&args.url) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("loadgen: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let mut rt = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = args.threads {
        rt.worker_threads(n.max(1));
    }
    let rt = rt.enable_all().build().expect("tokio runtime");
    rt.block_on(run(args, addr, host, path))
}

async fn run(args: Args, addr: String, host: String, path: String) -> std::process::ExitCode {
    let nonce = {
        let t = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        t ^ ((std::process::id() as u64) << 40) ^ rand::random::<u64>()
    };
    let start = Instant::now();
    let cpu_start = own_cpu_s();
    let warmup_end = start + Duration::from_secs_f64(args.warmup);
    let plan = std::sync::Arc::new(Plan {
        addr,
        host,
        path,
        secret: args.secret.as_bytes().to_vec(),
        nonce,
        warmup_end,
        end: warmup_end + Duration::from_secs_f64(args.duration),
        timeout: Duration::from_secs_f64(args.timeout),
    });
    let args = std::sync::Arc::new(args);
    let tasks: Vec<_> = (0..args.concurrency)
        .map(|c| tokio::spawn(connection(plan.clone(), args.clone(), c)))
        .collect();
    let mut all = Vec::new();
    let mut total = ConnResult::default();
    for t in tasks {
        let r = t.await.expect("connection task");
        all.extend_from_slice(&r.latencies_us);
        total.non_200 += r.non_200;
        total.errors += r.errors;
        total.warmup_failures += r.warmup_failures;
        total.total_200 += r.total_200;
        total.sent += r.sent;
    }
    let cpu_s = own_cpu_s() - cpu_start;
    all.sort_unstable();
    let ok = all.len() as u64;
    let body_bytes = {
        let t = template(&args, &plan.host, &plan.path, nonce, 0);
        t.bytes.len() - t.body_start
    };
    println!(
        "{{\"target\":{},\"concurrency\":{},\"duration_s\":{},\"requests\":{},\"non_200\":{},\"errors\":{},\"rps\":{:.1},\"p50_ms\":{:.3},\"p99_ms\":{:.3},\"max_ms\":{:.3},\"ok_200\":{},\"total_200\":{},\"sent\":{},\"warmup_failures\":{},\"body_bytes\":{},\"loadgen_cpu_s\":{:.2}}}",
        json_str(&args.target),
        args.concurrency,
        args.duration,
        ok + total.non_200 + total.errors,
        total.non_200,
        total.errors,
        ok as f64 / args.duration,
        pct_ms(&all, 0.50),
        pct_ms(&all, 0.99),
        all.last().map_or(0.0, |&m| m as f64 / 1000.0),
        ok,
        total.total_200,
        total.sent,
        total.warmup_failures,
        body_bytes,
        cpu_s,
    );
    if ok == 0 {
        eprintln!("loadgen: no 200 answer in the measured window");
        return std::process::ExitCode::FAILURE;
    }
    std::process::ExitCode::SUCCESS
}
