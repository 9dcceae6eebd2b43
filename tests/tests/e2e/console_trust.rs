//! The console's anti-abuse pages over the real path (signed webhooks → relay → edge → Graph
//! stand-in, console over HTTP): staff see why a customer is in quarantine and release them;
//! the owner alone reads the security log and sets the no-show policy, whose "call before
//! preparing" reaches the board.

use resto_e2e::console::ConsoleClient;
use resto_e2e::shop::Shop;
use resto_e2e::{wait_until, Edge};
use serde_json::{json, Value};

fn customer_id(edge: &Edge, wa_id: &str) -> i64 {
    edge.count(&format!(
        "SELECT id FROM customers WHERE provider = 'wa' AND user_id = '{wa_id}'"
    ))
}

#[test]
fn staff_see_why_a_flooding_customer_is_quarantined_and_release_them_so_the_bot_answers_again() {
    let mut shop = Shop::open();
    let spam = "213661000101";
    for _ in 0..5 {
        shop.customer_says(spam, "Client", "GAGNEZ UN IPHONE GRATUIT ICI", 0);
    }
    let staff = ConsoleClient::logged_in(&shop.edge, "amina", "4821");
    let list = staff.get("/api/quarantines");
    assert_eq!(list.status, 200, "{:?}", list.body);
    let q = &list.body["quarantines"];
    assert_eq!(q.as_array().map(Vec::len), Some(1), "{q}");
    assert_eq!(q[0]["user_id"], spam);
    assert_eq!(q[0]["reason"], "flood", "staff see why");
    assert!(q[0]["until"].is_string(), "automatic release time: {q}");
    let id = customer_id(&shop.edge, spam);
    let convs = staff.get("/api/conversations").body;
    let conv = convs["conversations"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["customer_id"] == id))
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(conv["quarantined"], true, "{convs}");
    assert_eq!(staff.get("/api/board").body["quarantined"], 1);

    // The security log and the policy are the owner's.
    assert_eq!(staff.get("/api/security-events").status, 403);
    assert_eq!(staff.get("/api/trust-policy").status, 403);

    assert_eq!(
        staff.post("/api/customers/99999/release", json!({})).status,
        404
    );
    let r = staff.post(&format!("/api/customers/{id}/release"), json!({}));
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        staff
            .post(&format!("/api/customers/{id}/release"), json!({}))
            .status,
        409,
        "released once"
    );
    assert_eq!(staff.get("/api/quarantines").body["quarantines"], json!([]));

    let answered = shop.replies_to(spam).len();
    shop.customer_says(spam, "Client", "menu", 0);
    wait_until(60, "the released customer is answered again", || {
        shop.replies_to(spam).len() > answered
    });

    let owner = ConsoleClient::logged_in(&shop.edge, "karim", "owner-secret-1");
    let log = owner.get("/api/security-events").body;
    let kinds: Vec<(&str, &str)> = log["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap_or(""),
                e["detail"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert!(kinds.iter().any(|(k, _)| *k == "quarantined"), "{kinds:?}");
    assert!(
        kinds
            .iter()
            .any(|(k, d)| *k == "released" && d.contains("amina")),
        "the log says who released: {kinds:?}"
    );
    assert!(
        kinds.iter().any(|(k, _)| *k == "scope_refused"),
        "staff's attempt on the owner's log is recorded: {kinds:?}"
    );

    // Staff may stop the bot for a customer by hand, saying why.
    let r = staff.post(
        &format!("/api/customers/{id}/quarantine"),
        json!({"note": "  "}),
    );
    assert_eq!(r.status, 422, "{:?}", r.body);
    let r = staff.post(
        &format!("/api/customers/{id}/quarantine"),
        json!({"note": "insultes au livreur"}),
    );
    assert_eq!(r.status, 201, "{:?}", r.body);
    let q = staff.get("/api/quarantines").body;
    assert_eq!(q["quarantines"][0]["reason"], "manual", "{q}");
    assert!(
        q["quarantines"][0]["detail"]
            .as_str()
            .is_some_and(|d| d.contains("insultes au livreur") && d.contains("amina")),
        "{q}"
    );
}

#[test]
fn the_owner_sets_the_no_show_rule_and_the_next_order_of_a_customer_over_it_says_call_before_preparing(
) {
    let mut shop = Shop::open();
    let owner = ConsoleClient::logged_in(&shop.edge, "karim", "owner-secret-1");
    let staff = ConsoleClient::logged_in(&shop.edge, "amina", "4821");
    let policy = owner.get("/api/trust-policy").body["policy"].clone();
    assert_eq!(policy["noshow_threshold"], 2, "{policy}");

    // Nonsense is refused whole, and staff may not change the rules.
    let mut bad = policy.clone();
    bad["per_minute"] = json!(0);
    assert_eq!(owner.post("/api/trust-policy", bad).status, 422);
    let mut strict = policy.clone();
    strict["noshow_threshold"] = json!(1);
    // The test's customer types two whole orders within a minute, faster than any person.
    strict["per_minute"] = json!(60);
    assert_eq!(staff.post("/api/trust-policy", strict.clone()).status, 403);
    assert_eq!(
        owner.get("/api/trust-policy").body["policy"],
        policy,
        "nothing changed"
    );
    let r = owner.post("/api/trust-policy", strict);
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        owner.get("/api/trust-policy").body["policy"]["noshow_threshold"],
        1
    );

    // A first order refused at the door…
    let samir = "213661000102";
    let first = shop.whatsapp_order(samir, "Samir");
    staff.move_through(
        first,
        &["accepted", "preparing", "ready", "out_for_delivery"],
    );
    assert_eq!(
        staff
            .post(&format!("/api/orders/{first}/cash-refused"), json!({}))
            .status,
        200
    );
    let board = staff.get("/api/board").body;
    let card = |board: &Value, id: i64| {
        board["orders"]
            .as_array()
            .and_then(|a| a.iter().find(|o| o["id"] == id))
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert!(card(&board, first)["trust_check"].is_null(), "{board}");

    // …so the next one is marked for a phone call before it is prepared.
    let second = shop.whatsapp_order(samir, "Samir");
    wait_until(60, "the customer was told the restaurant will call", || {
        shop.replies_to(samir)
            .iter()
            .any(|b| b.contains("va vous appeler pour confirmer"))
    });
    let board = staff.get("/api/board").body;
    let o = card(&board, second);
    assert_eq!(o["trust_check"], "phone_confirm", "{o}");
    assert_eq!(o["no_shows"], 1, "{o}");
}
