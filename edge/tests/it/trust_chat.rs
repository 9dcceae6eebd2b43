//! Trust and growth through the real conversation path (`apply::apply_batch` on a real
//! SQLite file with the demo menu): quarantine and release, the regular customer who is not
//! spam, the no-show rule at checkout, FAQ answers, and funnel attribution of QR scans.

use chrono::{DateTime, Duration, Utc};
use resto_edge::app::{apply_events as apply, qr};
use resto_edge::store::{self, funnel, trust};
use resto_sync::{Event, EventKind};
use rusqlite::{params, Connection};
use serde_json::json;

struct Shop {
    c: Connection,
    dir: std::path::PathBuf,
    seq: u64,
    /// Monday 2026-11-23 12:00 in Algiers: open.
    now: DateTime<Utc>,
}

impl Shop {
    fn new() -> Shop {
        let dir = std::env::temp_dir().join(format!("edge-trust-{}", ulid::Ulid::new()));
        let mut c = store::open(&dir.join("edge.db")).unwrap();
        let bytes = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/fixtures/menus/demo_menu.json"
        ))
        .unwrap();
        store::menu::import_json(&mut c, &bytes, "2026-11-23T10:00:00.000Z").unwrap();
        Shop {
            c,
            dir,
            seq: 0,
            now: "2026-11-23T11:00:00Z".parse().unwrap(),
        }
    }

    fn event(&mut self, user: &str, text: &str, extra: serde_json::Value) -> Event {
        self.seq += 1;
        let mut payload = json!({"provider": "wa", "account_id": "1", "user_id": user, "msg_id": format!("wamid.{}", self.seq),
            "timestamp": self.now.to_rfc3339(), "kind": "text", "text": text});
        if let (Some(p), Some(e)) = (payload.as_object_mut(), extra.as_object()) {
            p.extend(e.clone());
        }
        Event {
            seq: self.seq,
            id: format!("evt_{}", self.seq),
            kind: EventKind::InboundMessage,
            received_at: self.now.to_rfc3339(),
            payload,
            away_notice: false,
        }
    }

    /// The customer sends `text` `secs` seconds after the previous message; returns the
    /// replies' texts.
    fn say(&mut self, user: &str, text: &str, secs: i64) -> Vec<String> {
        self.say_with(user, text, secs, json!({}))
    }

    fn say_with(
        &mut self,
        user: &str,
        text: &str,
        secs: i64,
        extra: serde_json::Value,
    ) -> Vec<String> {
        self.now += Duration::seconds(secs);
        let before = self.outbox_len();
        let ev = self.event(user, text, extra);
        apply::apply_batch(&mut self.c, &[ev], self.seq, self.now).unwrap();
        let mut st = self
            .c
            .prepare("SELECT payload FROM outbox ORDER BY rowid")
            .unwrap();
        let all: Vec<String> = st
            .query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        all[before..].to_vec()
    }

    fn outbox_len(&self) -> usize {
        self.c
            .query_row("SELECT count(*) FROM outbox", [], |r| r.get::<_, i64>(0))
            .unwrap() as usize
    }

    fn count(&self, sql: &str) -> i64 {
        self.c.query_row(sql, [], |r| r.get(0)).unwrap()
    }

    fn order(&mut self, user: &str) -> Vec<String> {
        let mut last = Vec::new();
        for t in ["nheb zouj tacos", "safi", "nji ndiha", "cash", "wah"] {
            last = self.say(user, t, 20);
        }
        last
    }
}

impl Drop for Shop {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.dir).ok();
    }
}

#[test]
fn a_flooding_sender_is_quarantined_kept_for_staff_and_answered_again_after_release() {
    let mut s = Shop::new();
    for i in 0..4 {
        assert!(
            !s.say("213700000001", "GAGNEZ UN IPHONE GRATUIT ICI", 30)
                .is_empty(),
            "message {i} is answered"
        );
    }
    assert!(
        s.say("213700000001", "GAGNEZ UN IPHONE GRATUIT ICI", 30)
            .is_empty(),
        "the fifth copy trips the flood rule"
    );
    assert!(
        s.say("213700000001", "menu", 30).is_empty(),
        "quarantined: the bot stays quiet"
    );
    assert_eq!(
        s.count("SELECT count(*) FROM inbound_messages WHERE user_id = '213700000001'"),
        6,
        "every message is kept"
    );
    let q = trust::active_quarantines(&s.c, s.now).unwrap();
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].reason, "flood");
    assert!(q[0].until.is_some());
    assert_eq!(
        s.count(
            "SELECT count(*) FROM security_events WHERE kind = 'quarantined' AND reason = 'flood'"
        ),
        1
    );
    assert_eq!(
        s.count("SELECT count(*) FROM security_events WHERE kind = 'message_ignored'"),
        1
    );
    assert!(s.count("SELECT unread FROM conversations") >= 6);

    let id = trust::find_customer(&s.c, "wa:213700000001").unwrap();
    trust::release(&s.c, id, "Karim", s.now).unwrap();
    assert!(
        !s.say("213700000001", "menu", 30).is_empty(),
        "released: answered again"
    );
    assert!(trust::active_quarantines(&s.c, s.now).unwrap().is_empty());
    assert!(matches!(
        trust::release(&s.c, id, "Karim", s.now),
        Err(trust::TrustError::NotQuarantined(_))
    ));
}

#[test]
fn a_quarantine_ends_by_itself_after_the_configured_time() {
    let mut s = Shop::new();
    let mut p = trust::load_policy(&s.c).unwrap();
    p.per_minute = 3;
    p.quarantine_minutes = 30;
    trust::save_policy(&s.c, &p).unwrap();
    for t in ["a", "b", "c"] {
        assert!(!s.say("213700000002", t, 5).is_empty());
    }
    assert!(
        s.say("213700000002", "d", 5).is_empty(),
        "a fourth message in a minute is a bot"
    );
    assert!(
        s.say("213700000002", "menu", 20 * 60).is_empty(),
        "still quarantined after 20 minutes"
    );
    assert!(
        !s.say("213700000002", "menu", 11 * 60).is_empty(),
        "released automatically after 30 minutes"
    );
    assert_eq!(
        s.count(
            "SELECT count(*) FROM security_events WHERE kind = 'released' AND reason = 'expired'"
        ),
        1
    );
}

#[test]
fn a_backlog_delivered_at_once_after_an_outage_is_judged_by_when_it_was_sent() {
    let mut s = Shop::new();
    let sent = s.now;
    // Twenty messages sent over twenty minutes reach the edge in one batch an hour later.
    let events: Vec<Event> = (0..20)
        .map(|i| {
            s.now = sent + Duration::minutes(i);
            s.event("213700000003", &format!("question numero {i}"), json!({}))
        })
        .collect();
    apply::apply_batch(&mut s.c, &events, s.seq, sent + Duration::hours(1)).unwrap();
    assert!(trust::active_quarantines(&s.c, sent + Duration::hours(1))
        .unwrap()
        .is_empty());
}

#[test]
fn a_regular_customer_ordering_twice_in_an_evening_is_not_spam() {
    let mut s = Shop::new();
    let user = "213700000004";
    s.say(user, "salam", 0);
    s.say(user, "menu", 10);
    let first = s.order(user);
    assert!(first.iter().any(|r| r.contains("A-001")), "{first:?}");
    s.c.execute("UPDATE orders SET status = 'delivered', payment_status = 'collected' WHERE number = 'A-001'", []).unwrap();
    s.now += Duration::hours(2);
    let second = s.order(user);
    assert!(second.iter().any(|r| r.contains("A-002")), "{second:?}");
    // And a third while the second is still being prepared.
    let third = s.order(user);
    assert!(third.iter().any(|r| r.contains("A-003")), "{third:?}");
    assert!(trust::active_quarantines(&s.c, s.now).unwrap().is_empty());
    assert_eq!(s.count("SELECT count(*) FROM security_events"), 0);
}

#[test]
fn after_two_no_shows_checkout_requires_a_phone_confirmation_or_prepayment() {
    let mut s = Shop::new();
    let user = "213700000005";
    for n in ["A-001", "A-002"] {
        s.order(user);
        s.c.execute(
            "UPDATE orders SET status = 'cancelled', payment_status = 'refused' WHERE number = ?1",
            params![n],
        )
        .unwrap();
    }
    let third = s.order(user);
    assert!(third.iter().any(|r| r.contains("A-003")), "{third:?}");
    assert!(
        third.iter().any(|r| r.contains("appeler pour confirmer")),
        "the customer is told staff will call: {third:?}"
    );
    assert_eq!(
        s.count(
            "SELECT count(*) FROM order_trust_checks WHERE rule = 'phone_confirm' AND no_shows = 2"
        ),
        1
    );
    assert_eq!(
        s.count("SELECT count(*) FROM security_events WHERE kind = 'checkout_rule'"),
        1
    );

    let mut p = trust::load_policy(&s.c).unwrap();
    p.noshow_action = resto_edge::domain::trust_policy::CheckoutRule::Prepay;
    trust::save_policy(&s.c, &p).unwrap();
    s.c.execute(
        "UPDATE orders SET status = 'delivered' WHERE number = 'A-003'",
        [],
    )
    .unwrap();
    for t in ["nheb zouj tacos", "safi"] {
        s.say(user, t, 20);
    }
    let pay = s.say(user, "nji ndiha", 20);
    assert!(
        pay.iter()
            .any(|r| r.contains("paiement se fait en ligne") && !r.contains("pay:cod")),
        "{pay:?}"
    );
    let cash = s.say(user, "cash", 20);
    assert!(
        cash.iter().any(|r| r.contains("paiement se fait en ligne")),
        "cash is refused: {cash:?}"
    );
    assert_eq!(s.count("SELECT count(*) FROM orders"), 3);

    // A first-time customer is not affected.
    let fresh = s.order("213700000006");
    assert!(!fresh.iter().any(|r| r.contains("appeler")), "{fresh:?}");
}

#[test]
fn faq_questions_are_answered_in_the_customers_language_and_doubtful_ones_get_a_human() {
    let mut s = Shop::new();
    let fr = s.say("213700000007", "vous acceptez dahabia ?", 0);
    assert!(
        fr.iter().any(|r| r.contains("Edahabia via un lien")),
        "{fr:?}"
    );
    let ar = s.say("213700000008", "توصلو لوهران؟", 0);
    assert!(
        ar.iter().any(|r| r.contains("نوصل فقط داخل ولاية الجزائر")),
        "{ar:?}"
    );
    let unsure = s.say("213700000009", "vous acceptez les chiens et les chats ?", 0);
    assert!(
        unsure.iter().any(|r| r.contains("act:human")),
        "a human is offered: {unsure:?}"
    );
    // "la carte" is the menu, even though the payment entry mentions cards.
    let menu = s.say("213700000010", "la carte svp", 0);
    assert!(menu.iter().any(|r| r.contains("cat:pizzas")), "{menu:?}");
    // The owner's answer, not the generic delivery reply.
    let oran = s.say("213700000011", "Vous livrez à Oran ?", 0);
    assert!(
        oran.iter()
            .any(|r| r.contains("uniquement dans la wilaya d'Alger")),
        "{oran:?}"
    );
}

#[test]
fn the_funnel_counts_each_step_and_attributes_qr_scans_and_ads() {
    let mut s = Shop::new();
    let link = qr::link(qr::Channel::Wa, "+213550000000", "MENU table").unwrap();
    qr::register(
        &s.c,
        qr::Channel::Wa,
        "MENU table",
        "table",
        &link,
        "2026-11-23T10:00:00.000Z",
    )
    .unwrap();
    s.say("213700000010", "MENU table", 0);
    s.order("213700000010");
    s.say_with(
        "213700000011",
        "salam",
        5,
        json!({"referral": {"source_type": "ad", "source_id": "120", "headline": "Promo"}}),
    );
    s.say("213700000012", "menu", 5);
    s.say("213700000012", "nheb zouj tacos", 5);
    s.say("213700000012", "annuler", 5);
    let rows = funnel::report(&s.c, "2026-11-23", "2026-11-23").unwrap();
    let n = |source: &str, step: &str| {
        rows.iter()
            .filter(|r| r.source == source && r.step == step)
            .map(|r| r.count)
            .sum::<i64>()
    };
    assert_eq!(n("qr:table", "conversation_started"), 1);
    assert_eq!(n("qr:table", "item_added"), 1);
    assert_eq!(n("qr:table", "checkout_started"), 1);
    assert_eq!(n("qr:table", "order_confirmed"), 1);
    assert_eq!(n("ad", "conversation_started"), 1);
    assert_eq!(n("organic", "conversation_started"), 1);
    assert_eq!(n("organic", "menu_viewed"), 1);
    assert_eq!(n("organic", "order_confirmed"), 0);
    s.c.execute(
        "UPDATE orders SET status = 'delivered' WHERE number = 'A-001'",
        [],
    )
    .unwrap();
    let rows = funnel::report(&s.c, "2026-11-23", "2026-11-23").unwrap();
    assert!(rows
        .iter()
        .any(|r| r.source == "qr:table" && r.step == "order_delivered" && r.count == 1));
    let csv = funnel::csv(&rows);
    assert!(
        csv.contains("2026-11-23,wa,qr:table,order_confirmed,1,100.0"),
        "{csv}"
    );
}

#[test]
fn a_customer_holding_three_open_orders_may_ask_about_them_but_a_fourth_order_is_abuse() {
    let mut s = Shop::new();
    let user = "213700000013";
    for n in ["A-001", "A-002", "A-003"] {
        let r = s.order(user);
        assert!(r.iter().any(|r| r.contains(n)), "{r:?}");
    }
    let status = s.say(user, "win rahi commande ?", 30);
    assert!(!status.is_empty(), "asking about an order is answered");
    assert!(trust::active_quarantines(&s.c, s.now).unwrap().is_empty());
    let fourth = s.order(user);
    assert!(
        fourth.is_empty(),
        "the fourth confirmation gets no reply: {fourth:?}"
    );
    assert_eq!(s.count("SELECT count(*) FROM orders"), 3, "no fourth order");
    let q = trust::active_quarantines(&s.c, s.now).unwrap();
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].reason, "order_abuse");
}

#[test]
fn trust_decisions_and_console_login_failures_share_one_security_log() {
    let dir = std::env::temp_dir().join(format!("edge-trust-sec-{}", ulid::Ulid::new()));
    let c = store::open(&dir.join("edge.db")).unwrap();
    resto_edge::store::staff::security_event(
        &c,
        "login_failed",
        "staff karim",
        "2026-11-23T10:00:00Z".parse().unwrap(),
    )
    .unwrap();
    trust::record_event(
        &c,
        "2026-11-23T11:00:00Z".parse().unwrap(),
        "released",
        "manual",
        None,
        "released by Karim",
    )
    .unwrap();
    let events = trust::recent_events(&c, 10).unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].kind, "released");
    assert_eq!(events[1].kind, "login_failed");
    assert_eq!(events[1].reason, "");
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn the_policy_defaults_in_code_and_in_the_table_agree() {
    let s = Shop::new();
    assert_eq!(
        trust::load_policy(&s.c).unwrap(),
        resto_edge::domain::trust_policy::Policy::default()
    );
    s.c.execute("INSERT INTO trust_policy (id) VALUES (1)", [])
        .unwrap();
    assert_eq!(
        trust::load_policy(&s.c).unwrap(),
        resto_edge::domain::trust_policy::Policy::default()
    );
}
