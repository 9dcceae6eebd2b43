//! Conversation transcripts as data (`tests/transcripts/*.txt`), run through the pure engine
//! with the demo restaurant's menu. Format (one directive per line):
//!
//! ```text
//! # A sentence naming the case           starts a new transcript (fresh customer)
//! @ now 2026-11-23T11:00:00Z             clock for the following lines
//! @ order preparing                      staff moved the latest order to this status
//! @ unavailable PZ-THON                  toggles an item off (or `@ available SKU`)
//! > text                                 the customer types
//! >tap ID | title                        taps a button / list row (payload + title)
//! >location 36.7,3.05 | address          sends a pin (address optional)
//! >audio / >image / >sticker / >reaction  non-text messages
//! >order PZ-MARG-L x2, BS-LIMO x1        WhatsApp catalogue order
//! < kind, kind                           the reply facts, in order (`<` alone: no reply)
//! = stage NAME | lang fr|ar | cart empty | cart SKU[/choice] xN, … | subtotal N | fee N
//! = placed NUMBER total N | cancelled | human | kept | says "substring" | offered N
//! ```
//! Every failure of every file is reported at once, with file and line.

use chrono::{DateTime, Utc};
use resto_edge::domain::lexicon::LEXICON;
use resto_edge::domain::menu::Menu;
use resto_edge::domain::orders::OrderStatus;
use resto_edge::domain::places::PLACES;
use resto_edge::engine::{
    self, say, Catalog, Conversation, Customer, Effect, Incoming, OrderView, Step, World,
};
use resto_sync::{Location, MessageKind, OrderItem};

fn demo_menu() -> Menu {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/fixtures/menus/demo_menu.json"
    );
    serde_json::from_slice(&std::fs::read(path).expect("../shared/fixtures/menus/demo_menu.json"))
        .unwrap()
}

struct Case {
    menu: Menu,
    catalog: Catalog,
    conv: Conversation,
    customer: Customer,
    now: DateTime<Utc>,
    orders: i64,
    last: Option<Step>,
    rendered: Vec<String>,
}

impl Case {
    fn new(menu: &Menu) -> Case {
        Case {
            menu: menu.clone(),
            catalog: Catalog::new(menu),
            conv: Conversation::default(),
            customer: Customer::default(),
            // Monday 2026-11-23 12:00 in Algiers: open.
            now: "2026-11-23T11:00:00Z".parse().unwrap(),
            orders: 0,
            last: None,
            rendered: Vec::new(),
        }
    }

    fn send(&mut self, msg: Incoming<'_>) {
        let number = resto_edge::domain::orders::order_number(self.orders as u32 + 1);
        let w = World {
            menu: &self.menu,
            catalog: &self.catalog,
            lexicon: &LEXICON,
            places: &PLACES,
            now: self.now,
            pickup_minutes: 20,
            next_order_number: &number,
        };
        let step = engine::step(&self.conv, &self.customer, msg, &w);
        let ctx = say::Ctx {
            menu: &self.menu,
            conv: &step.conv,
            lang: step.lang,
        };
        self.rendered = step
            .says
            .iter()
            .map(|s| {
                let m = say::render(s, &ctx);
                if let Err(e) = m.check() {
                    panic!("reply {s:?} breaks the channel limits: {e}");
                }
                serde_json::to_string(&m).unwrap()
            })
            .collect();
        self.conv = step.conv.clone();
        self.customer.lang = step.remember_lang.or(self.customer.lang);
        self.customer.lang_explicit = step.lang_explicit;
        for e in &step.effects {
            match e {
                Effect::PlaceOrder(_) => {
                    self.orders += 1;
                    self.customer.latest_order = Some(OrderView {
                        id: self.orders,
                        number: number.clone(),
                        status: OrderStatus::New,
                        eta: Some("12:35".into()),
                    });
                }
                Effect::CancelOrder { order_id } => {
                    if let Some(o) = self
                        .customer
                        .latest_order
                        .as_mut()
                        .filter(|o| o.id == *order_id)
                    {
                        o.status = OrderStatus::Cancelled;
                    }
                }
                _ => {}
            }
        }
        self.last = Some(step);
    }

    fn set_available(&mut self, sku: &str, on: bool) {
        for c in &mut self.menu.categories {
            for i in &mut c.items {
                if i.sku == sku {
                    i.available = on;
                }
            }
        }
        self.catalog = Catalog::new(&self.menu);
    }
}

fn kind_of(s: &engine::Say) -> String {
    serde_json::to_value(s).unwrap()["say"]
        .as_str()
        .unwrap()
        .to_string()
}

fn cart_text(c: &Conversation) -> String {
    if c.cart.is_empty() {
        return "empty".into();
    }
    c.cart
        .iter()
        .map(|l| {
            let ch: Vec<&str> = l
                .choices
                .iter()
                .filter(|c| !c.is_empty())
                .map(|s| s.as_str())
                .collect();
            if ch.is_empty() {
                format!("{} x{}", l.sku, l.qty)
            } else {
                format!("{}/{} x{}", l.sku, ch.join("/"), l.qty)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn check(case: &Case, what: &str, want: &str) -> Result<(), String> {
    let step = case.last.as_ref().ok_or("no message sent yet")?;
    let got = match what {
        "stage" => case.conv.stage.as_str().to_string(),
        "lang" => step.lang.as_str().to_string(),
        "cart" => cart_text(&case.conv),
        "subtotal" => engine::subtotal(&case.menu, &case.conv.cart).to_string(),
        "fee" => engine::delivery_fee(&case.conv).to_string(),
        "offered" => case.conv.offered.len().to_string(),
        "placed" => step
            .effects
            .iter()
            .find_map(|e| match e {
                Effect::PlaceOrder(d) => Some(format!(
                    "{} total {}",
                    case.customer
                        .latest_order
                        .as_ref()
                        .map(|o| o.number.clone())
                        .unwrap_or_default(),
                    d.total
                )),
                _ => None,
            })
            .unwrap_or_else(|| "nothing".into()),
        "cancelled" | "human" | "kept" => {
            let name = match what {
                "cancelled" => "cancel_order",
                "human" => "request_human",
                _ => "keep_for_staff",
            };
            let found = step
                .effects
                .iter()
                .any(|e| serde_json::to_value(e).unwrap()["effect"] == name);
            return if found {
                Ok(())
            } else {
                Err(format!("expected effect {name}, got {:?}", step.effects))
            };
        }
        "says" => {
            let needle = want.trim_matches('"');
            let all = case.rendered.join("\n");
            return if all.contains(needle)
                || all.contains(
                    &serde_json::to_string(needle)
                        .unwrap()
                        .trim_matches('"')
                        .to_string(),
                ) {
                Ok(())
            } else {
                Err(format!("no reply contains {needle:?}; replies: {all}"))
            };
        }
        other => return Err(format!("unknown check `{other}`")),
    };
    if got == want {
        Ok(())
    } else {
        Err(format!("{what}: expected `{want}`, got `{got}`"))
    }
}

fn run_file(path: &std::path::Path, menu: &Menu, failures: &mut Vec<String>) -> usize {
    let text = std::fs::read_to_string(path).unwrap();
    let file = path.file_name().unwrap().to_string_lossy().to_string();
    let mut case: Option<(String, Case)> = None;
    let mut cases = 0;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_end();
        let at = format!("{file}:{}", n + 1);
        if line.is_empty() || line.starts_with("//") {
            continue;
        }
        if let Some(title) = line.strip_prefix("# ") {
            case = Some((title.to_string(), Case::new(menu)));
            cases += 1;
            continue;
        }
        let Some((title, c)) = case.as_mut() else {
            failures.push(format!("{at}: directive before the first `# title`"));
            continue;
        };
        let mut fail = |e: String| failures.push(format!("{at} [{title}]: {e}"));
        if let Some(rest) = line.strip_prefix("@ ") {
            let (k, v) = rest.split_once(' ').unwrap_or((rest, ""));
            match k {
                "now" => c.now = v.parse().expect("@ now RFC 3339"),
                "order" => match (c.customer.latest_order.as_mut(), OrderStatus::parse(v)) {
                    (Some(o), Some(s)) => o.status = s,
                    _ => fail(format!("cannot set order status {v}")),
                },
                "unavailable" => c.set_available(v, false),
                "available" => c.set_available(v, true),
                _ => fail(format!("unknown setting {k}")),
            }
        } else if let Some(rest) = line.strip_prefix(">tap ") {
            let (id, title) = rest.split_once(" | ").unwrap_or((rest, ""));
            let msg = Incoming {
                kind: MessageKind::Interactive,
                text: Some(title),
                payload: Some(id.trim()),
                location: None,
                order_items: &[],
            };
            c.send(msg);
        } else if let Some(rest) = line.strip_prefix(">location ") {
            let (coords, address) = rest
                .split_once(" | ")
                .map(|(a, b)| (a, Some(b.to_string())))
                .unwrap_or((rest, None));
            let (lat, lon) = coords.split_once(',').unwrap();
            let loc = Location {
                latitude: lat.trim().parse().unwrap(),
                longitude: lon.trim().parse().unwrap(),
                name: None,
                address,
            };
            c.send(Incoming {
                kind: MessageKind::Location,
                text: None,
                payload: None,
                location: Some(&loc),
                order_items: &[],
            });
        } else if let Some(rest) = line.strip_prefix(">order ") {
            let items: Vec<OrderItem> = rest
                .split(',')
                .map(|p| {
                    let (id, q) = p.trim().rsplit_once(" x").unwrap();
                    OrderItem {
                        product_retailer_id: id.to_string(),
                        quantity: q.parse().unwrap(),
                        item_price: 0.0,
                        currency: "DZD".into(),
                    }
                })
                .collect();
            c.send(Incoming {
                kind: MessageKind::Order,
                text: None,
                payload: None,
                location: None,
                order_items: &items,
            });
        } else if let Some(kind) = line.strip_prefix(">").filter(|k| !k.starts_with(' ')) {
            let kind: MessageKind =
                serde_json::from_value(serde_json::Value::String(kind.to_string()))
                    .expect("message kind");
            c.send(Incoming {
                kind,
                text: None,
                payload: None,
                location: None,
                order_items: &[],
            });
        } else if let Some(text) = line.strip_prefix("> ") {
            c.send(Incoming::text(text));
        } else if let Some(rest) = line.strip_prefix("<") {
            let want: Vec<String> = rest
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            let got: Vec<String> = c
                .last
                .as_ref()
                .map(|s| s.says.iter().map(kind_of).collect())
                .unwrap_or_default();
            if want != got {
                fail(format!("replies: expected {want:?}, got {got:?}"));
            }
        } else if let Some(rest) = line.strip_prefix("= ") {
            let (what, want) = rest.split_once(' ').unwrap_or((rest, ""));
            if let Err(e) = check(c, what, want.trim()) {
                fail(e);
            }
        } else {
            fail(format!("cannot read line {line:?}"));
        }
    }
    cases
}

#[test]
fn every_transcript_produces_the_expected_replies_cart_totals_stage_and_language() {
    let menu = demo_menu();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/transcripts");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    let mut failures = Vec::new();
    let mut cases = 0;
    for f in &files {
        cases += run_file(f, &menu, &mut failures);
    }
    assert!(
        failures.is_empty(),
        "{} transcript failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        cases >= 40,
        "only {cases} transcripts; the issue asks for at least 40"
    );
    eprintln!("{cases} transcripts passed");
}
