//! Random conversations never panic, never price a cart negatively or inconsistently, and never
//! leave a cart pointing at something the menu does not have, even while the menu changes.

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;
use resto_edge::domain::lexicon::LEXICON;
use resto_edge::domain::menu::Menu;
use resto_edge::domain::places::PLACES;
use resto_edge::engine::{self, say, Catalog, Conversation, Customer, Effect, Incoming, World};
use resto_sync::{Location, MessageKind, OrderItem};

const PHRASES: &[&str] = &[
    "bonjour",
    "salam",
    "السلام عليكم",
    "menu",
    "la carte",
    "2 tacos",
    "zouj chawarma",
    "جوج شاورما",
    "une pizza margherita",
    "grande",
    "moyenne",
    "كبيرة",
    "4 fromages",
    "pizza thon",
    "deux burgers",
    "3 karantika w 2 gazouz",
    "enlève le tacos",
    "plutôt 5 tacos",
    "moins 1 burger",
    "commander",
    "safi",
    "à emporter",
    "livraison",
    "Bab Ezzouar",
    "Oran",
    "Hydra",
    "cité 5 juillet bât 3",
    "cash",
    "cib",
    "edahabia",
    "oui",
    "non",
    "la",
    "annuler",
    "où est ma commande",
    "merci",
    "bslama",
    "français",
    "arabi",
    "1",
    "2",
    "3",
    "9",
    "0",
    "100 tacos",
    "x2",
    "??",
    "",
    "🍕🍕",
    "nheb nehder m3a wahed",
    "combien",
    "vous livrez à Oran ?",
    "horaires",
    "c'est froid",
    "modifier",
];
const TAPS: &[&str] = &[
    "act:menu",
    "act:checkout",
    "act:clear",
    "cat:pizzas",
    "cat:boissons:7",
    "item:PZ-MARG",
    "item:NOPE",
    "opt:L",
    "opt:Z",
    "ful:pickup",
    "ful:delivery",
    "pay:cod",
    "pay:bitcoin",
    "yes",
    "no",
    "act:status",
];

#[derive(Debug, Clone)]
enum Op {
    Say(String),
    Tap(String),
    Pin(f64, f64),
    Kind(u8),
    Catalog(String, u32),
    DropItem(usize),
    Toggle(usize),
    Later(i64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => proptest::sample::select(PHRASES).prop_map(|s| Op::Say(s.to_string())),
        2 => "\\PC{0,40}".prop_map(Op::Say),
        3 => proptest::sample::select(TAPS).prop_map(|s| Op::Tap(s.to_string())),
        1 => (35.0f64..37.0, 2.0f64..4.0).prop_map(|(a, b)| Op::Pin(a, b)),
        1 => (0u8..6).prop_map(Op::Kind),
        1 => (proptest::sample::select(&["PZ-MARG-L", "PZ-MARG", "BS-EAU", "ZZZ", "PZ-4FR-Q"][..]), 0u32..80).prop_map(|(s, q)| Op::Catalog(s.to_string(), q)),
        1 => (0usize..11).prop_map(Op::DropItem),
        1 => (0usize..11).prop_map(Op::Toggle),
        1 => (0i64..2000).prop_map(Op::Later),
    ]
}

fn demo() -> Menu {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/fixtures/menus/demo_menu.json"
    );
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn check_state(menu: &Menu, conv: &Conversation) -> Result<(), TestCaseError> {
    for l in &conv.cart {
        prop_assert!(
            menu.item(&l.sku).is_some(),
            "cart refers to unknown item {}",
            l.sku
        );
        prop_assert!(
            engine::unit_price(menu, l).is_some(),
            "cart line cannot be priced: {l:?}"
        );
        prop_assert!((1..=50).contains(&l.qty), "quantity out of range: {l:?}");
    }
    let sum: i64 = conv
        .cart
        .iter()
        .map(|l| engine::unit_price(menu, l).unwrap() * l.qty as i64)
        .sum();
    prop_assert_eq!(engine::subtotal(menu, &conv.cart), sum);
    prop_assert!(sum >= 0);
    prop_assert!(engine::delivery_fee(conv) >= 0);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn random_conversations_keep_carts_and_orders_consistent(ops in proptest::collection::vec(op(), 1..40)) {
        let mut menu = demo();
        let mut catalog = Catalog::new(&menu);
        let mut conv = Conversation::default();
        let mut customer = Customer::default();
        let mut now: DateTime<Utc> = "2026-11-23T11:00:00Z".parse().unwrap();
        for op in ops {
            let loc;
            let items;
            let msg = match &op {
                Op::Say(t) => Incoming::text(t),
                Op::Tap(id) => Incoming { kind: MessageKind::Interactive, text: Some("?"), payload: Some(id), location: None, order_items: &[] },
                Op::Pin(a, b) => {
                    loc = Location { latitude: *a, longitude: *b, name: None, address: None };
                    Incoming { kind: MessageKind::Location, text: None, payload: None, location: Some(&loc), order_items: &[] }
                }
                Op::Kind(k) => {
                    let kind = [MessageKind::Audio, MessageKind::Image, MessageKind::Sticker, MessageKind::Reaction, MessageKind::Unsupported, MessageKind::Video][*k as usize];
                    Incoming { kind, text: None, payload: None, location: None, order_items: &[] }
                }
                Op::Catalog(id, q) => {
                    items = vec![OrderItem { product_retailer_id: id.clone(), quantity: *q, item_price: 1.0, currency: "DZD".into() }];
                    Incoming { kind: MessageKind::Order, text: None, payload: None, location: None, order_items: &items }
                }
                Op::DropItem(i) => {
                    // The owner re-imports a menu without this item.
                    let mut n = 0;
                    for c in &mut menu.categories {
                        c.items.retain(|_| {
                            n += 1;
                            n - 1 != *i
                        });
                    }
                    menu.categories.retain(|c| !c.items.is_empty());
                    catalog = Catalog::new(&menu);
                    continue;
                }
                Op::Toggle(i) => {
                    if let Some(it) = menu.categories.iter_mut().flat_map(|c| c.items.iter_mut()).nth(*i) {
                        it.available = !it.available;
                    }
                    catalog = Catalog::new(&menu);
                    continue;
                }
                Op::Later(m) => {
                    now += Duration::minutes(*m);
                    continue;
                }
            };
            let w = World { menu: &menu, catalog: &catalog, lexicon: &LEXICON, places: &PLACES, now, pickup_minutes: 20, next_order_number: "A-001" };
            let step = engine::step(&conv, &customer, msg, &w);
            check_state(&menu, &step.conv)?;
            let ctx = say::Ctx { menu: &menu, conv: &step.conv, lang: step.lang };
            for s in &step.says {
                let m = say::render(s, &ctx);
                prop_assert!(m.check().is_ok(), "reply {:?} breaks channel limits: {:?}", s, m.check());
            }
            for e in &step.effects {
                if let Effect::PlaceOrder(d) = e {
                    prop_assert!(!d.lines.is_empty());
                    let sum: i64 = d.lines.iter().map(|l| l.unit_price * l.qty as i64).sum();
                    prop_assert_eq!(d.subtotal, sum);
                    prop_assert_eq!(d.total, d.subtotal + d.delivery_fee);
                    prop_assert!(d.lines.iter().all(|l| l.qty > 0 && l.unit_price >= 0 && menu.item(&l.sku).is_some()));
                    prop_assert!(d.subtotal >= 0 && d.delivery_fee >= 0);
                }
            }
            customer.lang = step.remember_lang.or(customer.lang);
            customer.lang_explicit = step.lang_explicit;
            conv = step.conv;
        }
    }
}
