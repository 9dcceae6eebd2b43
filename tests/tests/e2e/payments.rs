//! Online payments over the real path: customer chats on WhatsApp → edge creates the order
//! and asks the relay for a checkout → relay creates it at the gateway (a local stand-in that
//! follows Chargily Pay v2's documented API) → link to the customer → the gateway's signed
//! webhook (or the relay's polling) → `payment_update` → the edge marks the order paid and
//! tells the customer in their language.

use resto_e2e::console::{add_staff, ConsoleClient};
use resto_e2e::fake_chargily::FakeChargily;
use resto_e2e::fake_graph::FakeGraph;
use resto_e2e::{free_port, sign, text, wa_text, wait_until, Edge, Relay};
use resto_sync::payment::{CreateCheckout, CREATE_CHECKOUT};

const PHONE: &str = "109876543210987";
const KEY: &str = "test_sk_fake_chargily_key";

struct Shop {
    graph: FakeGraph,
    gateway: FakeChargily,
    relay: Relay,
    edge: Edge,
    sent: usize,
}

impl Shop {
    fn open(extra: &[(&str, &str)]) -> Shop {
        let graph = FakeGraph::start();
        let gateway = FakeChargily::start(KEY);
        let port = free_port();
        let public = format!("http://127.0.0.1:{port}");
        let mut env = vec![
            ("META_GRAPH_URL", graph.graph_url()),
            ("RELAY_LISTEN", format!("127.0.0.1:{port}")),
            ("RELAY_PUBLIC_URL", public),
            ("CHARGILY_SECRET_KEY", KEY.to_string()),
            ("CHARGILY_API_URL", gateway.api_url()),
            // Once a year: tests that want polling say so.
            ("CHARGILY_RECONCILE_CRON", "0 0 0 1 1 *".to_string()),
        ];
        for (k, v) in extra {
            env.retain(|(ek, _)| ek != k);
            env.push((k, v.to_string()));
        }
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let relay = Relay::start(&env);
        let (node, secret) = relay.enroll_node("pizzeria");
        relay.add_route_with_token("wa", PHONE, &node, "EAAG-fake-token");
        let edge = Edge::enroll_and_start(&relay.url(""), &node, &secret);
        edge.import_menu();
        Shop {
            graph,
            gateway,
            relay,
            edge,
            sent: 0,
        }
    }

    /// The customer types a line and waits for at least one answer.
    fn say(&mut self, text: &str) {
        let before = self.graph.received().len();
        self.sent += 1;
        let (status, _) =
            self.relay
                .post_signed(&wa_text(PHONE, &format!("wamid.pay.{}", self.sent), text));
        assert_eq!(status, 200);
        wait_until(40, &format!("a reply to {text:?}"), || {
            self.graph.received().len() > before
        });
    }

    fn texts(&self) -> Vec<String> {
        self.graph
            .received()
            .iter()
            .map(|r| {
                r.body["text"]["body"]
                    .as_str()
                    .or_else(|| r.body["interactive"]["body"]["text"].as_str())
                    .unwrap_or_default()
                    .to_string()
            })
            .collect()
    }

    fn wait_text(&self, what: &str) {
        wait_until(40, &format!("the customer receives {what:?}"), || {
            self.texts().iter().any(|t| t.contains(what))
        });
    }

    fn count_texts(&self, what: &str) -> usize {
        self.texts().iter().filter(|t| t.contains(what)).count()
    }

    fn order_payment(&self) -> (String, String) {
        self.edge
            .db()
            .query_row(
                "SELECT payment_method, payment_status FROM orders",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap()
    }

    fn french_pickup_order(&mut self, method: &str) {
        for line in [
            "Bonjour",
            "2 tacos et une limonade",
            "commander",
            "à emporter",
            method,
            "oui",
        ] {
            self.say(line);
        }
        self.wait_text("Commande A-001 enregistrée");
    }

    fn arabic_pickup_order(&mut self) {
        for line in [
            "السلام عليكم",
            "جوج شاورما",
            "صافي",
            "نجي ندّيها",
            "الذهبية",
            "نعم",
        ] {
            self.say(line);
        }
    }

    /// Speaks last and waits for the answer: every event the relay queued before it has been
    /// applied by the edge once this returns (events reach the edge in order).
    fn settle_chat(&mut self) {
        self.say("merci");
    }

    fn only_checkout(&self) -> serde_json::Value {
        let all = self.gateway.checkouts();
        assert_eq!(all.len(), 1, "{all:?}");
        all[0].clone()
    }
}

#[test]
fn a_cib_payment_reaches_the_customer_as_a_link_and_paid_stays_paid_whatever_comes_after() {
    let mut shop = Shop::open(&[]);
    shop.french_pickup_order("carte cib");
    shop.wait_text("ouvrez ce lien");
    let checkout = shop.only_checkout();
    assert_eq!(checkout["amount"], 1400);
    assert_eq!(checkout["currency"], "dzd");
    assert_eq!(checkout["payment_method"], "cib");
    assert_eq!(checkout["locale"], "fr");
    assert_eq!(
        checkout["webhook_endpoint"],
        shop.relay.url("/webhooks/payments/chargily")
    );
    assert!(checkout["metadata"]["order_ref"]
        .as_str()
        .unwrap()
        .ends_with("/A-001"));
    let url = checkout["checkout_url"].as_str().unwrap();
    assert!(
        shop.texts().iter().any(|t| t.contains(url)),
        "the link itself is sent"
    );
    assert_eq!(
        shop.order_payment(),
        ("cib".into(), "awaiting_online".into())
    );

    let id = checkout["id"].as_str().unwrap();
    let paid = shop.gateway.settle(id, "paid");
    assert_eq!(paid.status, 200);
    shop.wait_text("Paiement reçu pour la commande A-001 (1400 DA)");
    assert_eq!(shop.order_payment(), ("cib".into(), "paid".into()));

    // The gateway redelivers the same event, then a stale "failed" arrives after "paid".
    let again = shop.gateway.post_webhook(
        &shop.relay.url("/webhooks/payments/chargily"),
        &paid.body,
        Some(&paid.signature),
    );
    assert_eq!(again, 200);
    assert_eq!(shop.gateway.settle(id, "failed").status, 200);
    shop.say("merci"); // everything before it has been applied once this is answered
    assert_eq!(shop.count_texts("Paiement reçu"), 1, "{:?}", shop.texts());
    assert_eq!(shop.count_texts("n'a pas abouti"), 0, "{:?}", shop.texts());
    assert_eq!(shop.order_payment(), ("cib".into(), "paid".into()));
    assert_eq!(
        shop.relay
            .count("SELECT count(*) FROM payment_checkouts WHERE state = 'paid'"),
        1
    );
    assert_eq!(
        shop.edge
            .count("SELECT count(*) FROM payment_attempts WHERE status = 'paid'"),
        1
    );

    // Cancelling a paid order leaves the owner a refund to make.
    shop.say("annuler ma commande");
    shop.wait_text("vous sera remboursé");
    assert_eq!(
        shop.edge
            .count("SELECT count(*) FROM refunds WHERE amount = 1400 AND done_at IS NULL"),
        1
    );
}

#[test]
fn forged_and_unknown_payment_webhooks_change_nothing() {
    let shop = Shop::open(&[]);
    let url = shop.relay.url("/webhooks/payments/chargily");
    let body = serde_json::json!({"id": "01forged", "entity": "event", "type": "checkout.paid",
        "data": {"id": "01fakecheckout000001", "status": "paid", "amount": 1400}})
    .to_string();
    let forged = resto_sync::hmac::hmac_sha256_hex(b"not the key", &[body.as_bytes()]);
    assert_eq!(
        shop.gateway
            .post_webhook(&url, body.as_bytes(), Some(&forged)),
        401
    );
    assert_eq!(shop.gateway.post_webhook(&url, body.as_bytes(), None), 401);
    assert!(shop.relay.has_security_event("PAYMENT_SIGNATURE_INVALID"));
    assert!(shop.relay.has_security_event("PAYMENT_SIGNATURE_MISSING"));
    assert_eq!(
        shop.relay
            .count("SELECT count(*) FROM payment_webhook_events"),
        0
    );

    // Correctly signed, but for a checkout this relay never created: acknowledged, recorded
    // for the operator, nothing sent to any node.
    let signed = resto_sync::hmac::hmac_sha256_hex(KEY.as_bytes(), &[body.as_bytes()]);
    assert_eq!(
        shop.gateway
            .post_webhook(&url, body.as_bytes(), Some(&signed)),
        200
    );
    assert_eq!(
        shop.relay.count(
            "SELECT count(*) FROM payment_webhook_events WHERE outcome = 'unknown_checkout'"
        ),
        1
    );
    assert_eq!(
        shop.relay
            .count("SELECT count(*) FROM events WHERE kind = 'payment_update'"),
        0
    );
    // Meta's signature does not open the payment door.
    let meta_signed = sign(resto_e2e::APP_SECRET, body.as_bytes());
    assert_eq!(
        shop.gateway.post_webhook(
            &url,
            body.as_bytes(),
            Some(meta_signed.trim_start_matches("sha256="))
        ),
        401
    );
}

#[test]
fn while_the_gateway_is_down_the_customer_is_told_in_arabic_and_gets_the_link_when_it_is_back() {
    let mut shop = Shop::open(&[]);
    shop.gateway.set_down(true);
    shop.arabic_pickup_order();
    shop.wait_text("الدفع الإلكتروني متأخر");
    assert!(shop.gateway.checkouts().is_empty());
    assert_eq!(
        shop.order_payment(),
        ("edahabia".into(), "awaiting_online".into())
    );
    shop.gateway.set_down(false);
    shop.wait_text("افتح هذا الرابط");
    let checkout = shop.only_checkout();
    assert_eq!(checkout["locale"], "ar");
    assert_eq!(checkout["payment_method"], "edahabia");
    assert_eq!(checkout["amount"], 1000);
}

#[test]
fn polling_settles_a_payment_whose_webhook_never_came_even_while_the_edge_was_off() {
    let mut shop = Shop::open(&[
        ("CHARGILY_RECONCILE_CRON", "* * * * * *"),
        ("CHARGILY_RECONCILE_AFTER_SECS", "0"),
    ]);
    shop.french_pickup_order("edahabia");
    shop.wait_text("ouvrez ce lien");
    let id = shop.only_checkout()["id"].as_str().unwrap().to_string();
    shop.edge.kill9();
    shop.gateway.settle_silently(&id, "paid");
    wait_until(40, "the relay's polling saw the payment", || {
        shop.relay
            .count("SELECT count(*) FROM payment_checkouts WHERE state = 'paid'")
            == 1
    });
    assert!(shop.gateway.status_reads() > 0);
    shop.edge.restart();
    shop.wait_text("Paiement reçu pour la commande A-001");
    assert_eq!(shop.order_payment(), ("edahabia".into(), "paid".into()));
}

#[test]
fn an_expired_link_offers_cash_and_the_customer_can_switch() {
    let mut shop = Shop::open(&[
        ("CHARGILY_RECONCILE_CRON", "* * * * * *"),
        ("CHARGILY_RECONCILE_AFTER_SECS", "0"),
        ("CHARGILY_EXPIRE_SECS", "2"),
    ]);
    shop.french_pickup_order("cib");
    shop.wait_text("ouvrez ce lien");
    shop.wait_text("a expiré");
    assert_eq!(shop.order_payment(), ("cib".into(), "failed".into()));
    shop.say("espèces");
    shop.wait_text("vous paierez la commande A-001 en espèces au retrait");
    assert_eq!(shop.order_payment(), ("cod".into(), "pending".into()));
    assert_eq!(
        shop.edge
            .count("SELECT count(*) FROM payments WHERE method = 'cod' AND status = 'pending'"),
        1
    );
}

/// The edge was SIGKILLed after the relay stored its checkout request but before it deleted
/// the item from its outbox (the relay's ack was never recorded): on restart the same item,
/// same id, leaves again. The gateway must not be asked twice and the customer must not get
/// two links for one order.
#[test]
fn a_checkout_request_the_edge_resends_after_a_crash_creates_one_checkout_and_one_link() {
    let mut shop = Shop::open(&[]);
    shop.french_pickup_order("carte cib");
    shop.wait_text("ouvrez ce lien");
    let attempt: String = shop
        .edge
        .db()
        .query_row("SELECT id FROM payment_attempts", [], |r| r.get(0))
        .unwrap();
    // What the edge wrote in its outbox, as the relay received it.
    let request: CreateCheckout = shop
        .relay
        .rows(&format!(
            "SELECT order_ref, amount, method, locale FROM payment_checkouts WHERE attempt_id = '{attempt}'"
        ))
        .first()
        .map(|r| CreateCheckout {
            order_ref: text(r, 0),
            amount: text(r, 1).parse().unwrap(),
            method: text(r, 2),
            locale: text(r, 3),
        })
        .expect("the checkout request");

    shop.edge.kill9();
    shop.edge
        .db()
        .execute(
            "INSERT INTO outbox (id, kind, created_at, payload) VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params![
                attempt,
                CREATE_CHECKOUT,
                chrono::Utc::now().to_rfc3339(),
                serde_json::to_string(&request).unwrap()
            ],
        )
        .unwrap();
    shop.edge.restart();
    wait_until(60, "the resent item is acknowledged by the relay", || {
        shop.edge.count("SELECT count(*) FROM outbox") == 0
    });
    shop.settle_chat();

    assert_eq!(shop.gateway.creation_requests(), 1);
    shop.only_checkout();
    assert_eq!(shop.count_texts("ouvrez ce lien"), 1, "{:?}", shop.texts());
    assert_eq!(
        shop.relay.count("SELECT count(*) FROM payment_checkouts"),
        1
    );
    assert_eq!(
        shop.relay
            .count("SELECT count(*) FROM events WHERE kind = 'payment_update'"),
        1
    );
    assert_eq!(
        shop.order_payment(),
        ("cib".into(), "awaiting_online".into())
    );
}

/// The gateway answers 503 to every creation until the relay gives up
/// (`CHARGILY_GIVE_UP_SECS`): the customer hears in Arabic that the link is late, then that
/// online payment is unavailable with cash offered; they answer "كاش" and the order, kept all
/// along, is handed over and its cash collected.
#[test]
fn when_the_gateway_stays_down_the_customer_is_offered_cash_in_arabic_and_the_order_is_paid_cash() {
    let mut shop = Shop::open(&[("CHARGILY_GIVE_UP_SECS", "3")]);
    shop.gateway.set_down(true);
    shop.arabic_pickup_order();
    shop.wait_text("الدفع الإلكتروني متأخر");
    shop.wait_text("الدفع الإلكتروني ما راهوش متوفر حاليا");
    assert!(
        shop.gateway.creation_requests() >= 2,
        "the relay retried before giving up"
    );
    assert!(shop.gateway.checkouts().is_empty());
    assert_eq!(
        shop.relay
            .count("SELECT count(*) FROM payment_checkouts WHERE state = 'unavailable'"),
        1
    );
    assert_eq!(shop.order_payment(), ("edahabia".into(), "failed".into()));
    assert_eq!(
        shop.count_texts("الدفع الإلكتروني متأخر"),
        1,
        "{:?}",
        shop.texts()
    );

    shop.say("كاش");
    shop.wait_text("مفهوم: تخلص الطلبية A-001 كاش كي تجي تدّيها");
    assert_eq!(shop.order_payment(), ("cod".into(), "pending".into()));
    // Nothing more is asked of the gateway once the customer pays cash.
    let asked = shop.gateway.creation_requests();
    shop.gateway.set_down(false);
    shop.settle_chat();
    assert_eq!(shop.gateway.creation_requests(), asked);

    // The staff hand the order over at the counter: the cash is collected.
    add_staff(&shop.edge, "amina", "staff", "4821");
    let console = ConsoleClient::logged_in(&shop.edge, "amina", "4821");
    let id: i64 = shop
        .edge
        .db()
        .query_row("SELECT id FROM orders WHERE number = 'A-001'", [], |r| {
            r.get(0)
        })
        .unwrap();
    console.move_through(id, &["accepted", "preparing", "ready", "delivered"]);
    assert_eq!(shop.order_payment(), ("cod".into(), "collected".into()));
    assert_eq!(
        shop.edge
            .count("SELECT count(*) FROM payments WHERE method = 'cod' AND status = 'collected'"),
        1
    );
}

/// The relay is SIGKILLed once the link is out; the customer pays while it is down, so the
/// gateway's webhook finds nobody. After the restart the reconciliation asks the gateway
/// (`GET /checkouts/{id}`), the order is paid on the edge and the customer thanked once —
/// also when the gateway redelivers its webhook later.
#[test]
fn a_payment_confirmed_while_the_relay_was_down_is_found_after_its_restart_and_told_once() {
    let mut shop = Shop::open(&[
        ("CHARGILY_RECONCILE_CRON", "* * * * * *"),
        ("CHARGILY_RECONCILE_AFTER_SECS", "0"),
    ]);
    shop.french_pickup_order("edahabia");
    shop.wait_text("ouvrez ce lien");
    let id = shop.only_checkout()["id"].as_str().unwrap().to_string();

    shop.relay.kill9();
    let lost = shop.gateway.settle(&id, "paid");
    assert_ne!(lost.status, 200, "the relay is down: the webhook is lost");
    assert_eq!(
        shop.relay
            .count("SELECT count(*) FROM payment_checkouts WHERE state = 'paid'"),
        0
    );
    let reads_before = shop.gateway.status_reads();
    shop.relay.resume();

    shop.wait_text("Paiement reçu pour la commande A-001 (1400 DA)");
    assert!(shop.gateway.status_reads() > reads_before);
    assert_eq!(shop.order_payment(), ("edahabia".into(), "paid".into()));
    // The gateway retries its webhook now that the relay answers: acknowledged, not retold.
    assert_eq!(
        shop.gateway.post_webhook(
            &shop.relay.url("/webhooks/payments/chargily"),
            &lost.body,
            Some(&lost.signature)
        ),
        200
    );
    shop.settle_chat();
    assert_eq!(shop.count_texts("Paiement reçu"), 1, "{:?}", shop.texts());
    assert_eq!(
        shop.relay
            .count("SELECT count(*) FROM events WHERE kind = 'payment_update'"),
        2,
        "the link, then paid"
    );
    assert_eq!(
        shop.edge
            .count("SELECT count(*) FROM payment_attempts WHERE status = 'paid'"),
        1
    );
}

/// The "link is late" message invites the customer to answer « espèces »: doing so while the
/// relay is still retrying switches the order to cash at once, and the link created once the
/// gateway is back is not sent to a customer who no longer wants it.
#[test]
fn while_the_link_is_late_the_customer_can_answer_cash_and_no_link_follows() {
    let mut shop = Shop::open(&[]);
    shop.gateway.set_down(true);
    shop.french_pickup_order("cib");
    shop.wait_text("Le paiement en ligne tarde à répondre");
    shop.say("espèces");
    shop.wait_text("vous paierez la commande A-001 en espèces au retrait");
    assert_eq!(shop.order_payment(), ("cod".into(), "pending".into()));

    shop.gateway.set_down(false);
    wait_until(60, "the relay's pending request is settled", || {
        shop.relay.count(
            "SELECT count(*) FROM payment_checkouts WHERE state IN ('pending', 'unavailable')",
        ) == 1
    });
    shop.settle_chat();
    assert_eq!(shop.count_texts("ouvrez ce lien"), 0, "{:?}", shop.texts());
    assert_eq!(shop.order_payment(), ("cod".into(), "pending".into()));
}

/// Nothing listens at the gateway's address (connection refused, not a 5xx): the same retries,
/// then the customer hears in French that online payment is unavailable and pays cash.
#[test]
fn when_the_gateway_cannot_be_reached_at_all_the_customer_is_told_in_french_and_pays_cash() {
    let nowhere = format!("http://127.0.0.1:{}/api/v2", free_port());
    let mut shop = Shop::open(&[
        ("CHARGILY_API_URL", nowhere.as_str()),
        ("CHARGILY_GIVE_UP_SECS", "3"),
    ]);
    shop.french_pickup_order("cib");
    shop.wait_text("Le paiement en ligne tarde à répondre");
    shop.wait_text("Le paiement en ligne est indisponible pour le moment");
    assert_eq!(shop.order_payment(), ("cib".into(), "failed".into()));
    let attempts = shop
        .relay
        .count("SELECT attempts FROM payment_checkouts WHERE state = 'unavailable'");
    assert!(
        attempts >= 2,
        "the relay retried before giving up: {attempts}"
    );
    shop.say("espèces");
    shop.wait_text("vous paierez la commande A-001 en espèces au retrait");
    assert_eq!(shop.order_payment(), ("cod".into(), "pending".into()));
    assert_eq!(
        shop.edge
            .count("SELECT count(*) FROM orders WHERE number = 'A-001'"),
        1
    );
}
