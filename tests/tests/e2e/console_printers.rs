//! Kitchen printers in the staff console (issue 17), against the real `resto-edge run` and a
//! fake printer on 127.0.0.1: the owner's settings API (roles, every problem of the form at
//! once, test page, removal), reprint from the order card, the board's offline notice and its
//! retry; then the same story clicked in a real headless Chromium.

use resto_e2e::browser::{artefacts_dir, Browser};
use resto_e2e::console::{edge_with_staff, ConsoleClient};
use resto_e2e::fake_printer::{free_port, FakePrinter};
use resto_e2e::wait_until;
use serde_json::{json, Value};
use std::time::Duration;

fn counter_order(c: &ConsoleClient, sku: &str) -> i64 {
    let r = c.post(
        "/api/orders",
        json!({"source": "counter", "customer_name": "Samir", "lines": [{"sku": sku, "qty": 1}], "fulfilment": "pickup"}),
    );
    assert_eq!(r.status, 201, "{:?}", r.body);
    r.body["id"].as_i64().expect("order id")
}

fn printer<'a>(list: &'a Value, name: &str) -> &'a Value {
    list["printers"]
        .as_array()
        .and_then(|a| a.iter().find(|p| p["name"] == name))
        .unwrap_or_else(|| panic!("no printer {name} in {list}"))
}

#[test]
fn owner_sets_printers_up_from_the_console_and_staff_cannot() {
    let (_relay, edge) = edge_with_staff();
    let owner = ConsoleClient::logged_in(&edge, "karim", "owner-secret-1");
    let staff = ConsoleClient::logged_in(&edge, "amina", "4821");
    let kitchen = FakePrinter::start();

    // Staff may look, not change.
    let r = staff.post(
        "/api/printers",
        json!({"name": "cuisine", "address": kitchen.address()}),
    );
    assert_eq!(r.status, 403, "{:?}", r.body);
    assert_eq!(edge.count("SELECT count(*) FROM printers"), 0);

    // Every problem of the form comes back at once.
    let r = owner.post(
        "/api/printers",
        json!({"name": "", "address": "10.0.0.9:abc", "width_mm": 76, "categories": ["sushis"], "copies": 9}),
    );
    assert_eq!(r.status, 422, "{:?}", r.body);
    let problems = r.body["problems"].as_array().expect("problems");
    assert_eq!(problems.len(), 5, "{problems:#?}");
    assert!(problems.iter().any(|p| p
        .as_str()
        .is_some_and(|p| p.contains("\"sushis\"") && p.contains("pizzas"))));
    assert_eq!(edge.count("SELECT count(*) FROM printers"), 0);

    let r = owner.post(
        "/api/printers",
        json!({"name": "cuisine", "address": kitchen.address(), "device": "", "width_mm": 58,
               "lang": "ar", "categories": ["pizzas", "sandwichs"], "copies": 2}),
    );
    assert_eq!(r.status, 200, "{:?}", r.body);
    // The same name changes it: one printer, new settings.
    let r = owner.post(
        "/api/printers",
        json!({"name": "cuisine", "address": kitchen.address(), "width_mm": 80, "lang": "fr", "categories": ["pizzas"]}),
    );
    assert_eq!(r.status, 200, "{:?}", r.body);
    let list = staff.get("/api/printers");
    assert_eq!(list.status, 200, "{:?}", list.body);
    assert_eq!(list.body["can_edit"], false);
    let p = printer(&list.body, "cuisine");
    assert_eq!(p["address"], kitchen.address());
    assert_eq!(
        (p["width_mm"].as_i64(), p["copies"].as_i64()),
        (Some(80), Some(1))
    );
    assert_eq!(p["categories"], json!(["pizzas"]));
    assert_eq!(
        (p["lang"].as_str(), p["waiting"].as_i64()),
        (Some("fr"), Some(0))
    );
    let cats: Vec<&str> = list.body["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert!(
        cats.contains(&"pizzas") && cats.contains(&"boissons"),
        "{cats:?}"
    );
    assert_eq!(owner.get("/api/printers").body["can_edit"], true);

    // Test page: printed now, outside the queue; staff may not.
    assert_eq!(
        staff.post("/api/printers/cuisine/test", json!({})).status,
        403
    );
    let r = owner.post("/api/printers/cuisine/test", json!({}));
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(kitchen.wait_tickets(1, Duration::from_secs(10)).len(), 1);
    assert_eq!(
        owner.post("/api/printers/grill/test", json!({})).status,
        404
    );
    let off = free_port();
    let r = owner.post(
        "/api/printers",
        json!({"name": "grill", "address": format!("127.0.0.1:{off}")}),
    );
    assert_eq!(r.status, 200, "{:?}", r.body);
    let r = owner.post("/api/printers/grill/test", json!({}));
    assert_eq!(r.status, 502, "{:?}", r.body);
    assert!(
        r.body["error"]
            .as_str()
            .is_some_and(|e| e.contains("does not answer") && e.contains(&off.to_string())),
        "{:?}",
        r.body
    );

    // A pizza order: one ticket on each station that prints pizzas (both).
    counter_order(&staff, "PZ-MARG");
    assert_eq!(kitchen.wait_tickets(2, Duration::from_secs(15)).len(), 2);
    // Removing the printer that is off drops its waiting ticket and says so.
    assert_eq!(staff.delete("/api/printers/grill").status, 403);
    let r = owner.delete("/api/printers/grill");
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["dropped"], 1, "{:?}", r.body);
    assert_eq!(owner.delete("/api/printers/grill").status, 404);
    // The kitchen's ticket is marked printed once the printer has also answered the status
    // asked after the ticket: a moment after the fake printer recorded it.
    wait_until(15, "no ticket left waiting", || {
        edge.count("SELECT count(*) FROM print_jobs WHERE status = 'waiting'") == 0
    });
    assert!(kitchen.errors().is_empty(), "{:?}", kitchen.errors());
}

#[test]
fn staff_reprint_from_the_card_and_retry_an_offline_printer() {
    let (_relay, edge) = edge_with_staff();
    let owner = ConsoleClient::logged_in(&edge, "karim", "owner-secret-1");
    let staff = ConsoleClient::logged_in(&edge, "amina", "4821");

    let drink = counter_order(&staff, "BS-LIMO");
    let r = staff.post(&format!("/api/orders/{}/reprint", drink + 1000), json!({}));
    assert_eq!(r.status, 404, "{:?}", r.body);
    let r = staff.post(&format!("/api/orders/{drink}/reprint"), json!({}));
    assert_eq!(r.status, 409, "{:?}", r.body);
    assert!(r.body["error"]
        .as_str()
        .unwrap_or_default()
        .contains("printer add"));

    // The pizza oven is off: its tickets wait and the board says so to everyone.
    let port = free_port();
    let r = owner.post(
        "/api/printers",
        json!({"name": "four", "address": format!("127.0.0.1:{port}"), "categories": ["pizzas"]}),
    );
    assert_eq!(r.status, 200, "{:?}", r.body);
    let r = staff.post(&format!("/api/orders/{drink}/reprint"), json!({}));
    assert_eq!(r.status, 409, "no station prints drinks: {:?}", r.body);
    assert!(r.body["error"]
        .as_str()
        .unwrap_or_default()
        .contains("categories"));
    let pizza = counter_order(&staff, "PZ-MARG");
    let mut board = Value::Null;
    wait_until(15, "the board shows the oven offline", || {
        board = staff.get("/api/board").body;
        board["printers_offline"]
            .as_array()
            .is_some_and(|a| !a.is_empty())
    });
    let down = &board["printers_offline"][0];
    assert_eq!(
        (down["name"].as_str(), down["waiting"].as_i64()),
        (Some("four"), Some(1))
    );
    assert!(down["error"]
        .as_str()
        .unwrap_or_default()
        .contains("does not answer"));
    let p = printer(&staff.get("/api/printers").body, "four").clone();
    assert_eq!(p["waiting"], 1);
    assert!(p["last_error"].is_string(), "{p}");

    // The oven comes back; staff press retry: the ticket prints at once, not after backoff.
    let oven = FakePrinter::start_on(port);
    let r = staff.post("/api/printers/retry", json!({}));
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["retrying"], 1);
    assert_eq!(oven.wait_tickets(1, Duration::from_secs(5)).len(), 1);
    wait_until(10, "the offline notice goes away", || {
        staff.get("/api/board").body["printers_offline"] == json!([])
    });

    let r = staff.post(&format!("/api/orders/{pizza}/reprint"), json!({}));
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["queued"], 1);
    assert_eq!(oven.wait_tickets(2, Duration::from_secs(10)).len(), 2);
    wait_until(10, "the reprint job marked printed", || {
        edge.count(&format!(
            "SELECT count(*) FROM print_jobs WHERE order_id = {pizza} AND status = 'printed' AND kind = 'reprint'"
        )) == 1
    });
    assert_eq!(
        staff
            .post_without_csrf(&format!("/api/orders/{pizza}/reprint"), json!({}))
            .status,
        403
    );
}

/// In the browser: the owner adds the kitchen printer (off), staff take a counter order, the
/// board says the printer is offline with 1 ticket waiting; the printer comes back, staff
/// press "Réessayer", the ticket prints and the notice goes; "Réimprimer" prints it again.
#[test]
fn the_board_shows_an_offline_printer_until_retry_prints_and_the_card_reprints() {
    let (_relay, edge) = edge_with_staff();
    let port = free_port();
    let mut b = Browser::launch();
    b.log_in(&edge.console, "karim", "owner-secret-1");
    b.click("[data-tab=printers]");
    b.wait_for(
        "the printer form",
        "!document.getElementById('printer-form-section').classList.contains('hidden') \
         && document.querySelector('#printer-cats input[data-category=pizzas]')",
    );
    b.fill("#printer-name", "cuisine");
    b.fill("#printer-address", &format!("127.0.0.1:{port}"));
    b.click("#printer-save");
    b.wait_for(
        "the new printer in the list",
        "document.querySelector('[data-printer-row=cuisine] [data-state=ok]')",
    );
    b.screenshot(&artefacts_dir().join("printer-settings.png"));
    b.click("#logout");
    b.wait_for(
        "the login form",
        "!document.getElementById('login-view').classList.contains('hidden')",
    );

    // Staff take a counter order; the printer is off.
    b.log_in(&edge.console, "amina", "4821");
    b.click("[data-tab=new-order]");
    b.fill("#order-items input[data-sku=PZ-MARG]", "1");
    b.fill("#order-name", "Samir");
    b.click("#order-submit");
    b.wait_for(
        "the order on the board",
        "document.querySelector('#board .card')",
    );
    b.wait_for(
        "the offline notice with 1 ticket waiting",
        "document.querySelector('#alerts .printer-offline[data-printer=cuisine][data-waiting=\"1\"]') \
         && !document.getElementById('alerts').classList.contains('hidden')",
    );
    let notice = b.text("#alerts .printer-offline");
    assert!(
        notice.contains("Imprimante cuisine hors ligne — 1 ticket en attente"),
        "{notice}"
    );
    assert!(notice.contains("does not answer"), "{notice}");
    b.screenshot(&artefacts_dir().join("printer-offline.png"));
    b.click("#lang-toggle");
    b.wait_for(
        "the Arabic notice",
        "document.querySelector('#alerts .printer-offline') \
         && document.querySelector('#alerts .printer-offline').innerText.includes('غير متصلة')",
    );
    assert!(b
        .text("#alerts .printer-offline button")
        .contains("إعادة المحاولة"));
    b.click("#lang-toggle");
    b.wait_for(
        "the French layout",
        "document.documentElement.dir === 'ltr'",
    );

    // The printer is back; "Réessayer" prints the waiting ticket now and the notice goes.
    let kitchen = FakePrinter::start_on(port);
    assert!(b
        .text("#alerts .printer-offline button")
        .contains("Réessayer"));
    b.click("#alerts .printer-offline button[data-printer-retry]");
    assert_eq!(
        kitchen.wait_tickets(1, Duration::from_secs(10)).len(),
        1,
        "the waiting ticket printed after Réessayer"
    );
    b.wait_for(
        "the offline notice to go",
        "!document.querySelector('#alerts .printer-offline')",
    );

    // "Réimprimer" on the card: a second ticket.
    assert!(b.text("#board .card [data-reprint]").contains("Réimprimer"));
    b.click("#board .card [data-reprint]");
    assert_eq!(
        kitchen.wait_tickets(2, Duration::from_secs(15)).len(),
        2,
        "the reprint came out"
    );
    // Marked printed once the printer answered status after the last byte: a moment later.
    wait_until(10, "the reprint job marked printed", || {
        edge.count("SELECT count(*) FROM print_jobs WHERE status = 'printed' AND kind = 'reprint'")
            == 1
    });
    assert!(kitchen.errors().is_empty(), "{:?}", kitchen.errors());
}
