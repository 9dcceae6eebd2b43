//! Kitchen printers through the real programs (issue 17): printers set up with
//! `resto-edge printer …`, orders confirmed in a WhatsApp chat or entered at the counter, and
//! a printer on 127.0.0.1 that records what it is sent (`resto_e2e::fake_printer`). Tickets
//! are read back with tesseract, as the kitchen would read the paper.

use resto_e2e::console::{edge_with_staff, ConsoleClient};
use resto_e2e::escpos::ocr;
use resto_e2e::fake_printer::{free_port, FakePrinter};
use resto_e2e::shop::Shop;
use resto_e2e::{wait_until, Edge, Relay};
use serde_json::json;
use std::time::Duration;

fn add_printer(edge: &Edge, args: &[&str]) {
    let mut all = vec!["printer", "add"];
    all.extend_from_slice(args);
    let out = edge.cli(&all);
    assert!(
        out.status.success(),
        "printer add {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// An edge with the demo menu and its staff, and a console client logged in as the owner.
fn kitchen() -> (Relay, Edge, ConsoleClient) {
    let (relay, edge) = edge_with_staff();
    let c = ConsoleClient::logged_in(&edge, "karim", "owner-secret-1");
    (relay, edge, c)
}

fn counter_order(c: &ConsoleClient, lines: &[(&str, u32)]) -> (i64, String) {
    let lines: Vec<_> = lines
        .iter()
        .map(|(sku, qty)| json!({"sku": sku, "qty": qty}))
        .collect();
    let r = c.post(
        "/api/orders",
        json!({"source": "counter", "customer_name": "Samir", "phone": "0661234567", "lines": lines, "fulfilment": "pickup"}),
    );
    assert_eq!(r.status, 201, "{:?}", r.body);
    (
        r.body["id"].as_i64().expect("order id"),
        r.body["number"].as_str().unwrap_or_default().to_string(),
    )
}

#[test]
fn an_order_confirmed_in_the_chat_prints_in_french_and_in_arabic() {
    let mut shop = Shop::open();
    let fr = FakePrinter::start();
    let ar = FakePrinter::start();
    add_printer(
        &shop.edge,
        &[
            "caisse",
            "--address",
            &fr.address(),
            "--width",
            "58",
            "--lang",
            "fr",
        ],
    );
    add_printer(
        &shop.edge,
        &[
            "cuisine",
            "--address",
            &ar.address(),
            "--width",
            "80",
            "--lang",
            "ar",
        ],
    );

    shop.whatsapp_order("213555010101", "Karim");

    let fr_tickets = fr.wait_tickets(1, Duration::from_secs(30));
    let ar_tickets = ar.wait_tickets(1, Duration::from_secs(30));
    assert_eq!(
        (fr_tickets.len(), ar_tickets.len()),
        (1, 1),
        "one ticket each"
    );
    let text = ocr(&fr_tickets[0], "fra", "chat-fr");
    for want in ["a-001", "2xtacospoulet", "livraison", "babezzouar"] {
        assert!(
            text.contains(want),
            "{want:?} not on the French ticket: {text:?}"
        );
    }
    let text = ocr(&ar_tickets[0], "ara", "chat-ar");
    for want in ["تاكوس", "توصيل"] {
        assert!(
            text.contains(want),
            "{want:?} not on the Arabic ticket: {text:?}"
        );
    }
    assert!(
        ocr(&ar_tickets[0], "fra", "chat-ar-latin").contains("a-001"),
        "order number on the Arabic ticket"
    );
    assert!(
        fr.errors().is_empty() && ar.errors().is_empty(),
        "{:?} {:?}",
        fr.errors(),
        ar.errors()
    );
    // Marked printed once the printer answered the status asked after the last byte.
    wait_until(15, "both tickets marked printed", || {
        shop.edge
            .count("SELECT count(*) FROM print_jobs WHERE status = 'printed'")
            == 2
    });
}

#[test]
fn a_printer_outage_and_a_crash_lose_no_ticket_and_print_each_once_in_order() {
    let (_relay, mut edge, c) = kitchen();
    let port = free_port();
    add_printer(
        &edge,
        &[
            "cuisine",
            "--address",
            &format!("127.0.0.1:{port}"),
            "--width",
            "58",
            "--lang",
            "fr",
        ],
    );

    let numbers: Vec<String> = (0..3)
        .map(|_| counter_order(&c, &[("PZ-MARG", 1)]).1)
        .collect();
    wait_until(30, "the worker tried and recorded why", || {
        edge.count(
            "SELECT count(*) FROM print_jobs WHERE status = 'waiting' AND last_error IS NOT NULL",
        ) >= 1
    });
    let list = edge.cli(&["printer", "list"]);
    let list = String::from_utf8_lossy(&list.stdout).to_string();
    assert!(
        list.contains("OFFLINE, 3 ticket(s) waiting") && list.contains("does not answer"),
        "{list}"
    );

    let metrics = reqwest::blocking::get(format!("http://{}/metrics", edge.console))
        .and_then(|r| r.text())
        .expect("edge /metrics");
    assert!(
        metrics.contains("resto_edge_print_jobs_waiting{printer=\"cuisine\"} 3")
            && metrics.contains("resto_edge_printer_failing{printer=\"cuisine\"} 1"),
        "{metrics}"
    );

    // The restaurant's power flickers while the printer is off.
    edge.kill9();
    edge.restart();
    let printer = FakePrinter::start_on(port);
    let tickets = printer.wait_tickets(3, Duration::from_secs(60));
    for (t, number) in tickets.iter().zip(&numbers) {
        let text = ocr(t, "fra", "outage");
        assert!(
            text.contains(&number.to_lowercase()),
            "{number} expected in order, read {text:?}"
        );
    }
    wait_until(15, "no ticket left waiting", || {
        edge.count("SELECT count(*) FROM print_jobs WHERE status = 'waiting'") == 0
    });
    assert_eq!(printer.tickets().len(), 3, "and none printed twice");
}

#[test]
fn stations_print_only_their_categories_and_a_cancellation_follows() {
    let (_relay, edge, c) = kitchen();
    let oven = FakePrinter::start();
    let grill = FakePrinter::start();
    add_printer(
        &edge,
        &[
            "four",
            "--address",
            &oven.address(),
            "--categories",
            "pizzas",
            "--lang",
            "fr",
        ],
    );
    add_printer(
        &edge,
        &[
            "grill",
            "--address",
            &grill.address(),
            "--categories",
            "sandwichs",
            "--lang",
            "fr",
            "--copies",
            "2",
        ],
    );

    counter_order(&c, &[("PZ-MARG", 1)]);
    let (both, _) = counter_order(&c, &[("TC-POULET", 1), ("PZ-4FR", 1)]);
    let oven_tickets = oven.wait_tickets(2, Duration::from_secs(30));
    let grill_tickets = grill.wait_tickets(2, Duration::from_secs(30));
    // Every job marked printed: nothing more can come, so the counts below are final.
    wait_until(15, "no ticket left waiting", || {
        edge.count("SELECT count(*) FROM print_jobs WHERE status = 'waiting'") == 0
    });
    assert_eq!(oven.tickets().len(), 2, "the oven gets both orders");
    assert_eq!(
        grill.tickets().len(),
        2,
        "the grill gets 2 copies of the second only"
    );
    let oven_text = ocr(&oven_tickets[1], "fra", "oven");
    assert!(oven_text.contains("4fromages"), "{oven_text:?}");
    assert!(
        !oven_text.contains("tacos"),
        "a grill line on the oven: {oven_text:?}"
    );
    let grill_text = ocr(&grill_tickets[0], "fra", "grill");
    assert!(
        grill_text.contains("tacos") && !grill_text.contains("fromages"),
        "{grill_text:?}"
    );

    let r = c.post(
        &format!("/api/orders/{both}/status"),
        json!({"to": "cancelled", "reason": "client injoignable"}),
    );
    assert_eq!(r.status, 200, "{:?}", r.body);
    let oven_tickets = oven.wait_tickets(3, Duration::from_secs(30));
    let text = ocr(&oven_tickets[2], "fra", "cancelled");
    assert!(text.contains("annulée"), "{text:?}");
    assert_eq!(
        grill.wait_tickets(4, Duration::from_secs(30)).len(),
        4,
        "cancellation in 2 copies"
    );
}

#[test]
fn printer_test_prints_both_scripts_and_says_what_is_wrong() {
    let (_relay, edge, _c) = kitchen();
    let printer = FakePrinter::start();
    add_printer(
        &edge,
        &["cuisine", "--address", &printer.address(), "--width", "80"],
    );
    let out = edge.cli(&["printer", "test", "cuisine"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tickets = printer.tickets();
    assert_eq!(tickets.len(), 1, "the test page printed at once");
    assert!(ocr(&tickets[0], "fra", "test-fr").contains("crèmebrûlée"));
    assert!(ocr(&tickets[0], "ara", "test-ar").contains("شاورما"));

    printer.set_paper_out(true);
    let out = edge.cli(&["printer", "test", "cuisine"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("out of paper"), "{err}");

    add_printer(
        &edge,
        &["bar", "--address", &format!("127.0.0.1:{}", free_port())],
    );
    let out = edge.cli(&["printer", "test", "bar"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not answer"));
    let out = edge.cli(&["preflight"]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("warning: kitchen printer bar") && !said.contains("kitchen printer cuisine"),
        "{said}"
    );

    let out = edge.cli(&[
        "printer",
        "add",
        "x",
        "--address",
        "10.0.0.9:abc",
        "--width",
        "76",
        "--categories",
        "sushis",
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    for want in ["HOST:PORT", "58 or 80", "\"sushis\""] {
        assert!(err.contains(want), "{want} not said: {err}");
    }
}

#[test]
fn a_usb_printer_is_a_device_file_and_the_kitchen_note_prints() {
    let (_relay, edge, c) = kitchen();
    // A file outside /dev (here the database itself) is refused: tickets would corrupt it.
    let db = edge.dir.join("edge.db");
    let out = edge.cli(&["printer", "add", "usb", "--device", db.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("/dev/usb/lp0"));
    // A real character device takes the bytes (/dev/null: nothing to read back, but the
    // same open-and-write path as /dev/usb/lp0).
    add_printer(&edge, &["usb", "--device", "/dev/null", "--width", "58"]);
    let kitchen = FakePrinter::start();
    add_printer(
        &edge,
        &["cuisine", "--address", &kitchen.address(), "--width", "58"],
    );
    let r = c.post(
        "/api/orders",
        json!({"source": "phone", "customer_name": "Lydia", "lines": [{"sku": "PZ-MARG", "qty": 1}],
               "fulfilment": "pickup", "note": "sans olives"}),
    );
    assert_eq!(r.status, 201, "{:?}", r.body);
    let number = r.body["number"].as_str().unwrap_or_default().to_string();
    let board = c.get("/api/board").body.to_string();
    assert!(
        board.contains("\"note\":\"sans olives\""),
        "the card shows the note: {board}"
    );
    wait_until(30, "both printers printed", || {
        edge.count("SELECT count(*) FROM print_jobs WHERE status = 'printed'") == 2
    });
    let tickets = kitchen.wait_tickets(1, Duration::from_secs(10));
    let text = ocr(&tickets[0], "fra", "note");
    assert!(text.contains(&number.to_lowercase()), "{text:?}");
    assert!(
        text.contains("sansolives"),
        "the kitchen note is printed: {text:?}"
    );
    let check: String = edge
        .db()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
}

#[test]
fn out_of_paper_waits_for_a_new_roll_and_a_silent_printer_still_prints() {
    let (_relay, edge, c) = kitchen();
    let printer = FakePrinter::start();
    printer.set_paper_out(true);
    add_printer(
        &edge,
        &["cuisine", "--address", &printer.address(), "--width", "58"],
    );
    let (_, number) = counter_order(&c, &[("PZ-MARG", 1)]);
    wait_until(30, "the paper problem is recorded", || {
        edge.count("SELECT count(*) FROM print_jobs WHERE status = 'waiting' AND last_error LIKE '%out of paper%'") == 1
    });
    assert!(
        printer.tickets().is_empty(),
        "nothing sent to a printer without paper"
    );
    printer.set_paper_out(false);
    let tickets = printer.wait_tickets(1, Duration::from_secs(40));
    assert_eq!(tickets.len(), 1);
    assert!(ocr(&tickets[0], "fra", "paper").contains(&number.to_lowercase()));

    // Many cheap printers never answer DLE EOT: the ticket goes anyway.
    printer.set_silent(true);
    counter_order(&c, &[("PZ-MARG", 1)]);
    assert_eq!(printer.wait_tickets(2, Duration::from_secs(30)).len(), 2);
    assert!(printer.errors().is_empty(), "{:?}", printer.errors());
}
