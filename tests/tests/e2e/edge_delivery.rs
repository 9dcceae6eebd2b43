//! What happens to an order after the chat, on a real SQLite file through the edge's apply
//! path: delivery promises and problems, cash collected or refused, online payments applied
//! from relay events, refunds the owner must make.

use chrono::{DateTime, Duration, Utc};
use resto_e2e::{meta_fixtures, temp_dir, wa_text};
use resto_edge::app::apply_events::apply_batch;
use resto_edge::app::{delivery, payments};
use resto_relay::meta::parse::parse_meta_webhook;
use resto_sync::payment::{PaymentState, PaymentUpdate};
use resto_sync::{Event, EventKind};
use rusqlite::Connection;

/// When these tests' bodies were "received" (used only for unreadable timestamps).
const RECEIVED: &str = "2026-12-05T10:00:00Z";

const PHONE: &str = "109876543210987";

/// Monday 2026-11-23, 12:00 in Algiers (UTC+1): open.
fn noon() -> DateTime<Utc> {
    "2026-11-23T11:00:00Z".parse().unwrap()
}

struct Edge {
    c: Connection,
    seq: u64,
}

impl Edge {
    fn new() -> Edge {
        let dir = temp_dir("edge-delivery");
        let mut c = resto_edge::store::open(&dir.join("edge.db")).unwrap();
        let bytes = std::fs::read(meta_fixtures().join("../menus/demo_menu.json")).unwrap();
        resto_edge::store::menu::import_json(&mut c, &bytes, "2026-11-23T10:00:00.000Z").unwrap();
        Edge { c, seq: 0 }
    }

    fn event(&mut self, kind: EventKind, payload: serde_json::Value) {
        self.seq += 1;
        let ev = Event {
            seq: self.seq,
            id: format!("evt_{}", self.seq),
            kind,
            received_at: "2026-11-23T11:00:00.000Z".into(),
            payload,
            away_notice: false,
        };
        apply_batch(&mut self.c, &[ev], self.seq, noon()).unwrap();
    }

    fn chat(&mut self, lines: &[&str]) {
        for line in lines {
            let body = wa_text(PHONE, &format!("wamid.d.{}", self.seq), line);
            let msg = parse_meta_webhook(&body, RECEIVED)
                .unwrap()
                .messages
                .remove(0);
            self.event(
                EventKind::InboundMessage,
                serde_json::to_value(&msg).unwrap(),
            );
        }
    }

    fn last_text(&self) -> String {
        let p: String = self
            .c
            .query_row(
                "SELECT payload FROM outbox WHERE kind = 'send_message' ORDER BY seq DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let v: serde_json::Value = serde_json::from_str(&p).unwrap();
        v["message"]["text"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    fn one<T: rusqlite::types::FromSql>(&self, sql: &str) -> T {
        self.c.query_row(sql, [], |r| r.get(0)).unwrap()
    }

    fn order_id(&self) -> i64 {
        self.one("SELECT id FROM orders")
    }

    fn with_tx<T>(&mut self, f: impl FnOnce(&rusqlite::Transaction<'_>) -> T) -> T {
        let tx = self.c.transaction().unwrap();
        let out = f(&tx);
        tx.commit().unwrap();
        out
    }
}

#[test]
fn a_late_cash_delivery_tells_the_customer_the_new_time_and_is_counted_late() {
    let mut e = Edge::new();
    e.chat(&[
        "2 pizza viande",
        "commander",
        "livraison bab ezzouar",
        "cité 1200 logements bât 12",
        "espèces",
        "oui",
    ]);
    let id = e.order_id();
    let promised: String = e.one("SELECT promised_at FROM orders");
    assert_eq!(
        promised, "2026-11-23T11:35:00.000Z",
        "zone ETA 35 min from noon"
    );
    assert_eq!(e.one::<String>("SELECT status FROM payments"), "pending");

    let new_time = e.with_tx(|tx| {
        delivery::courier_delayed(tx, id, 15, noon() + Duration::minutes(30)).unwrap()
    });
    assert_eq!(new_time.as_deref(), Some("12:50"), "Algiers wall clock");
    assert!(
        e.last_text().contains("Nouvelle heure prévue : 12:50"),
        "{}",
        e.last_text()
    );
    assert_eq!(
        e.one::<String>("SELECT delivery_issue FROM orders"),
        "courier_delayed"
    );
    assert!(
        e.one::<String>(
            "SELECT body FROM transcript WHERE author = 'restaurant' ORDER BY id DESC LIMIT 1"
        )
        .contains("12:50"),
        "staff see in the conversation what the customer was told"
    );

    let risky = delivery::at_risk(&e.c, noon() + Duration::minutes(40), 15).unwrap();
    assert_eq!(risky.len(), 1);
    assert_eq!(
        (risky[0].number.as_str(), risky[0].minutes_left),
        ("A-001", 10)
    );
    assert!(delivery::at_risk(&e.c, noon(), 15).unwrap().is_empty());

    e.with_tx(|tx| delivery::on_delivered(tx, id, noon() + Duration::minutes(55)).unwrap());
    assert_eq!(
        e.one::<String>("SELECT payment_status FROM orders"),
        "collected"
    );
    assert_eq!(e.one::<String>("SELECT status FROM payments"), "collected");
    let p = delivery::punctuality(&e.c, noon()).unwrap();
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].late_minutes, 20);
}

#[test]
fn an_unclear_address_asks_the_arabic_customer_for_a_landmark_and_a_refusal_at_the_door_is_kept() {
    let mut e = Edge::new();
    e.chat(&[
        "جوج شاورما",
        "صافي",
        "توصيل باب الزوار",
        "حي 1200 مسكن عمارة 12",
        "كاش",
        "نعم",
    ]);
    let id = e.order_id();
    assert!(e.with_tx(|tx| delivery::address_unclear(tx, id, noon()).unwrap()));
    assert!(e.last_text().contains("علامة قريبة"), "{}", e.last_text());
    assert_eq!(
        e.one::<String>("SELECT delivery_issue FROM orders"),
        "address_unclear"
    );
    assert!(e.with_tx(|tx| payments::cash_refused(tx, id, noon()).unwrap()));
    assert_eq!(
        e.one::<String>("SELECT payment_status FROM orders"),
        "refused"
    );
    assert!(
        !e.with_tx(|tx| payments::cash_refused(tx, id, noon()).unwrap()),
        "only once"
    );
}

#[test]
fn a_paid_order_cancelled_leaves_a_refund_until_the_owner_marks_it_done() {
    let mut e = Edge::new();
    e.chat(&["2 tacos", "commander", "à emporter", "cib", "oui"]);
    let id = e.order_id();
    let attempt: String = e.one("SELECT id FROM payment_attempts");
    let kind: String =
        e.one("SELECT kind FROM outbox WHERE id = (SELECT id FROM payment_attempts)");
    assert_eq!(
        kind, "create_checkout",
        "the checkout request leaves with the order"
    );
    let update = |state| PaymentUpdate {
        attempt_id: attempt.clone(),
        order_ref: "2026-11-23/A-001".into(),
        state,
        checkout_id: Some("01co".into()),
        checkout_url: Some("https://pay.example/01co/pay".into()),
        amount: Some(1300),
        expires_at: None,
    };
    e.event(
        EventKind::PaymentUpdate,
        serde_json::to_value(update(PaymentState::Link)).unwrap(),
    );
    assert!(e.last_text().contains("https://pay.example/01co/pay"));
    e.event(
        EventKind::PaymentUpdate,
        serde_json::to_value(update(PaymentState::Paid)).unwrap(),
    );
    assert_eq!(e.one::<String>("SELECT payment_status FROM orders"), "paid");
    let second_paid = e.c.execute(
        "INSERT INTO payment_attempts (id, order_id, method, amount, status, created_at, updated_at) VALUES ('x', ?1, 'cib', 1300, 'paid', 'now', 'now')",
        [id],
    );
    assert!(
        second_paid.is_err(),
        "at most one successful payment per order"
    );

    e.chat(&["annuler"]);
    assert_eq!(e.one::<String>("SELECT status FROM orders"), "cancelled");
    assert!(
        e.last_text().contains("vous sera remboursé"),
        "{}",
        e.last_text()
    );
    let refunds = payments::outstanding_refunds(&e.c).unwrap();
    assert_eq!(refunds.len(), 1);
    assert_eq!(
        (refunds[0].order_number.as_str(), refunds[0].amount),
        ("A-001", 1300)
    );
    let rid = refunds[0].id;
    assert!(e.with_tx(|tx| payments::refund_done(tx, rid, "Karim", noon()).unwrap()));
    assert!(payments::outstanding_refunds(&e.c).unwrap().is_empty());
    assert!(!e.with_tx(|tx| payments::refund_done(tx, rid, "Karim", noon()).unwrap()));
}

#[test]
fn a_second_link_paid_for_one_order_becomes_a_refund_and_later_events_still_apply() {
    let mut e = Edge::new();
    e.chat(&["2 tacos", "commander", "à emporter", "cib", "oui"]);
    let first: String = e.one("SELECT id FROM payment_attempts");
    // The customer asks for a new link (as after a failure) while the first is still open,
    // then pays both.
    e.c.execute(
        "INSERT INTO payment_attempts (id, order_id, method, amount, status, created_at, updated_at) \
         SELECT 'second', order_id, method, amount, 'link_sent', created_at, updated_at FROM payment_attempts WHERE id = ?1",
        [&first],
    )
    .unwrap();
    let paid = |attempt: &str, checkout: &str| PaymentUpdate {
        attempt_id: attempt.into(),
        order_ref: "2026-11-23/A-001".into(),
        state: PaymentState::Paid,
        checkout_id: Some(checkout.into()),
        checkout_url: None,
        amount: Some(1300),
        expires_at: None,
    };
    e.event(
        EventKind::PaymentUpdate,
        serde_json::to_value(paid(&first, "01first")).unwrap(),
    );
    e.event(
        EventKind::PaymentUpdate,
        serde_json::to_value(paid("second", "01second")).unwrap(),
    );
    assert_eq!(e.one::<String>("SELECT payment_status FROM orders"), "paid");
    let refunds = payments::outstanding_refunds(&e.c).unwrap();
    assert_eq!(refunds.len(), 1, "the second payment is money to give back");
    assert_eq!(refunds[0].amount, 1300);
    assert!(
        refunds[0].reason.contains("01second"),
        "{}",
        refunds[0].reason
    );
    assert!(e.last_text().contains("1300"), "{}", e.last_text());
    // The batch applied, so the device goes on: the next message is answered.
    e.chat(&["merci"]);
    assert_eq!(
        e.one::<i64>("SELECT max(seq) FROM applied_events"),
        e.seq as i64
    );
}
