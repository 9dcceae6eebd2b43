//! Benchmarks for `scripts/bench-edge.sh` (issue 4); prints one JSON line per mode.
//!
//! - `engine SECONDS`: the pure conversation engine on one core, scripted French, Arabic and
//!   Darija conversations from greeting to confirmed order, each on a fresh conversation.
//! - `apply CONVERSATIONS DB`: the same conversations as relay events applied through
//!   `apply_batch` on a real SQLite file (WAL, synchronous=FULL: one fsync per batch), in
//!   batches of 100 as the sync worker fetches them, customers interleaved.

use chrono::{DateTime, Utc};
use resto_edge::domain::lexicon::LEXICON;
use resto_edge::domain::menu::{self, Menu};
use resto_edge::domain::places::PLACES;
use resto_edge::engine::{self, Catalog, Conversation, Customer, Incoming, World};
use resto_sync::{Event, EventKind, InboundMessage, MessageKind, Provider};
use std::time::Instant;

const SCRIPTS: &[&[&str]] = &[
    &[
        "Bonjour",
        "je voudrais 2 tacos et une limonade",
        "commander",
        "livraison",
        "Bab Ezzouar",
        "cité 1200 logements bât 12",
        "espèces",
        "oui",
    ],
    &[
        "السلام عليكم",
        "جوج شاورما",
        "صافي",
        "نجي ندّيها",
        "كاش",
        "نعم",
    ],
    &[
        "salam khoya",
        "nheb zouj pizza margherita kbira",
        "grande",
        "kamel",
        "livraison",
        "hydra",
        "9rib men la poste",
        "dahabia",
        "wah",
    ],
    &[
        "menu",
        "1",
        "2",
        "moyenne",
        "3 karantika",
        "commander",
        "à emporter",
        "cash",
        "ok",
    ],
];

fn demo_menu() -> Menu {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/fixtures/menus/demo_menu.json"
    );
    let bytes = std::fs::read(path).expect("../shared/fixtures/menus/demo_menu.json");
    menu::validate::parse_menu(&bytes, &PLACES).expect("demo menu is valid")
}

/// Monday 12:00 in Algiers: open.
fn noon() -> DateTime<Utc> {
    "2026-11-23T11:00:00Z".parse().unwrap()
}

fn engine_bench(seconds: f64) {
    let menu = demo_menu();
    let catalog = Catalog::new(&menu);
    let w = World {
        menu: &menu,
        catalog: &catalog,
        lexicon: &LEXICON,
        places: &PLACES,
        now: noon(),
        pickup_minutes: 20,
        next_order_number: "A-001",
    };
    let start = Instant::now();
    let (mut messages, mut orders) = (0u64, 0u64);
    while start.elapsed().as_secs_f64() < seconds {
        for script in SCRIPTS {
            let mut conv = Conversation::default();
            let mut customer = Customer::default();
            for line in *script {
                let step = engine::step(&conv, &customer, Incoming::text(line), &w);
                orders += step
                    .effects
                    .iter()
                    .filter(|e| matches!(e, engine::Effect::PlaceOrder(_)))
                    .count() as u64;
                customer.lang = step.remember_lang.or(customer.lang);
                conv = step.conv;
                messages += 1;
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{{\"mode\":\"engine\",\"messages\":{messages},\"orders\":{orders},\"seconds\":{secs:.3},\"messages_per_sec\":{:.0}}}",
        messages as f64 / secs
    );
}

fn apply_bench(conversations: usize, db: &str) {
    let mut c = resto_edge::store::open(std::path::Path::new(db)).expect("open edge db");
    let tx = c.transaction().unwrap();
    resto_edge::store::menu::import(&tx, &demo_menu(), "2026-11-23T10:00:00.000Z").unwrap();
    tx.commit().unwrap();
    // Interleave customers: message k of every conversation, then message k+1, ...
    let longest = SCRIPTS.iter().map(|s| s.len()).max().unwrap();
    let mut events = Vec::new();
    for k in 0..longest {
        for n in 0..conversations {
            let script = SCRIPTS[n % SCRIPTS.len()];
            let Some(text) = script.get(k) else { continue };
            let msg = InboundMessage {
                provider: Provider::Wa,
                account_id: "109876543210987".into(),
                user_id: format!("2135{n:08}"),
                user_bsuid: None,
                user_name: None,
                msg_id: format!("wamid.bench.{n}.{k}"),
                timestamp: "2026-11-23T11:00:00Z".into(),
                kind: MessageKind::Text,
                text: Some(text.to_string()),
                payload: None,
                location: None,
                attachments: vec![],
                reply_to: None,
                referral: None,
                order_items: vec![],
                raw: None,
            };
            let seq = events.len() as u64 + 1;
            events.push(Event {
                seq,
                id: format!("evt_{seq}"),
                kind: EventKind::InboundMessage,
                received_at: "2026-11-23T11:00:00.000Z".into(),
                payload: serde_json::to_value(&msg).unwrap(),
                away_notice: false,
            });
        }
    }
    let start = Instant::now();
    for batch in events.chunks(100) {
        let last = batch.last().unwrap().seq;
        resto_edge::app::apply_events::apply_batch(&mut c, batch, last, noon()).expect("apply");
    }
    let secs = start.elapsed().as_secs_f64();
    let count = |sql: &str| -> i64 { c.query_row(sql, [], |r| r.get(0)).unwrap() };
    println!(
        "{{\"mode\":\"apply\",\"conversations\":{conversations},\"messages\":{},\"orders\":{},\"replies\":{},\"batch\":100,\"seconds\":{secs:.3},\"messages_per_sec\":{:.0}}}",
        events.len(),
        count("SELECT count(*) FROM orders"),
        count("SELECT count(*) FROM outbox"),
        events.len() as f64 / secs
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("engine") => engine_bench(args.get(2).and_then(|s| s.parse().ok()).unwrap_or(5.0)),
        Some("apply") => apply_bench(
            args.get(2).and_then(|s| s.parse().ok()).unwrap_or(2000),
            args.get(3)
                .map(String::as_str)
                .unwrap_or("/tmp/edge-bench.db"),
        ),
        _ => eprintln!("usage: edge_bench engine SECONDS | apply CONVERSATIONS DB"),
    }
}
