//! The owner's growth pages over HTTP against the real daemons: the FAQ edited in the console
//! is what the bot answers from, the funnel page's JSON, CSV and SVG agree with what customers
//! did, and a QR code made in the console is printed as a card and attributes its scans.

use resto_e2e::console::ConsoleClient;
use resto_e2e::shop::{sent_to as replies_to, Shop, SHOP_PHONE};
use resto_e2e::{wa_texts, wait_until};
use serde_json::json;

#[test]
fn an_faq_entry_the_owner_adds_in_the_console_is_answered_to_a_darija_question_and_removed_again() {
    let Shop {
        graph, relay, edge, ..
    } = Shop::open();
    let owner = ConsoleClient::logged_in(&edge, "karim", "owner-secret-1");
    let staff = ConsoleClient::logged_in(&edge, "amina", "4821");
    let before = owner.get("/api/faq").body["entries"]
        .as_array()
        .map(Vec::len)
        .expect("entries");
    assert!(before > 0, "the demo menu brings its FAQ");
    assert_eq!(staff.get("/api/faq").status, 403, "the FAQ is the owner's");

    let parking = json!({
        "q": {"fr": "Avez-vous un parking ?", "ar": "هل عندكم موقف للسيارات؟"},
        "a": {"fr": "Oui, un parking gratuit derrière le restaurant.", "ar": "نعم، موقف مجاني خلف المطعم."},
        "keywords": ["parking", "stationner", "tstationi", "باركينغ"]
    });
    let incomplete =
        json!({"q": {"fr": "Parking ?", "ar": ""}, "a": {"fr": "Oui", "ar": ""}, "keywords": []});
    assert_eq!(owner.post("/api/faq", incomplete).status, 422);
    assert_eq!(staff.post("/api/faq", parking.clone()).status, 403);
    let r = owner.post("/api/faq", parking);
    assert_eq!(r.status, 201, "{:?}", r.body);
    let position = r.body["position"].as_i64().expect("position");

    // The owner tries a customer's phrasing before a customer does; nonsense finds nothing.
    let tried = owner.get("/api/faq/try?q=3andkom%20parking%3F").body;
    assert_eq!(tried["match"]["position"], position, "{tried}");
    assert_eq!(tried["match"]["answers"], true, "{tried}");
    let tried = owner.get("/api/faq/try?q=xylophone%20quantique").body;
    assert!(
        tried["match"].is_null() || tried["match"]["answers"] == false,
        "{tried}"
    );

    // A customer asks in Darija: the bot answers with the owner's new entry, in French.
    let ali = "213661000201";
    relay.post_signed(&wa_texts(SHOP_PHONE, ali, 0, &["3andkom parking?"]));
    wait_until(60, "the parking answer reached the customer", || {
        replies_to(&graph, ali)
            .iter()
            .any(|b| b.contains("parking gratuit derrière"))
    });

    // Edited, then removed: gone from the list and from the bot's answers.
    let edited = json!({
        "q": {"fr": "Avez-vous un parking ?", "ar": "هل عندكم موقف للسيارات؟"},
        "a": {"fr": "Oui, parking gardé la nuit.", "ar": "نعم، موقف محروس في الليل."},
        "keywords": ["parking"]
    });
    assert_eq!(
        owner.post(&format!("/api/faq/{position}"), edited).status,
        200
    );
    let listed = owner.get("/api/faq").body;
    assert!(
        listed.to_string().contains("parking gardé la nuit"),
        "{listed}"
    );
    assert_eq!(owner.delete(&format!("/api/faq/{position}")).status, 200);
    assert_eq!(owner.delete(&format!("/api/faq/{position}")).status, 404);
    let after = owner.get("/api/faq").body["entries"]
        .as_array()
        .map(Vec::len);
    assert_eq!(after, Some(before));
    let tried = owner.get("/api/faq/try?q=kayen%20parking%3F").body;
    assert!(
        !tried.to_string().contains("parking gardé"),
        "a removed entry is never answered: {tried}"
    );
}

#[test]
fn a_table_card_made_in_the_console_is_printable_and_its_scans_show_in_the_funnel_page() {
    let Shop {
        graph, relay, edge, ..
    } = Shop::open();
    let owner = ConsoleClient::logged_in(&edge, "karim", "owner-secret-1");
    let staff = ConsoleClient::logged_in(&edge, "amina", "4821");

    let cards = owner.get("/api/qr").body;
    assert_eq!(cards["default_account"], "+213550000000", "{cards}");
    assert_eq!(cards["cards"], json!([]));
    assert_eq!(
        staff
            .post("/api/qr", json!({"channel": "wa", "text": "MENU Table 4"}))
            .status,
        403
    );
    let r = owner.post("/api/qr", json!({"channel": "ig", "text": "MENU"}));
    assert_eq!(r.status, 422, "Instagram needs the account: {:?}", r.body);
    let r = owner.post(
        "/api/qr",
        json!({"channel": "wa", "text": "MENU Table 4", "label": "table-4"}),
    );
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(
        r.body["link"],
        "https://wa.me/213550000000?text=MENU%20Table%204"
    );
    assert!(r.body["svg"].as_str().is_some_and(|s| s.contains("<svg")));

    for (size, page) in [("card", "size: A6"), ("flyer", "size: A5")] {
        let printed = owner.get(&format!("/api/qr/print?size={size}&text=MENU%20Table%204"));
        assert_eq!(printed.status, 200);
        let html = printed.body.as_str().unwrap_or_default();
        assert!(
            html.contains(page)
                && html.contains("<svg")
                && html.contains("wa.me/213550000000?text=MENU%20Table%204")
                && html.contains("« MENU Table 4 »"),
            "{html}"
        );
    }
    assert_eq!(
        owner.get("/api/qr/print?text=never%20made").status,
        404,
        "only registered codes are printed, so every card is counted"
    );

    // Two customers scan the card, one writes by herself.
    for (from, text) in [
        ("213661000301", "MENU Table 4"),
        ("213661000302", "menu table 4"),
        ("213661000303", "salam"),
    ] {
        relay.post_signed(&wa_texts(SHOP_PHONE, from, 0, &[text]));
        wait_until(60, &format!("{from} was answered"), || {
            !replies_to(&graph, from).is_empty()
        });
    }
    let cards = owner.get("/api/qr").body;
    assert_eq!(cards["cards"][0]["label"], "table-4", "{cards}");
    assert_eq!(cards["cards"][0]["scans"], 2, "{cards}");

    assert_eq!(
        staff.get("/api/funnel").status,
        403,
        "figures are the owner's"
    );
    let f = owner.get("/api/funnel").body;
    let started = |source: &str| -> i64 {
        f["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .filter(|r| r["step"] == "conversation_started" && r["source"] == source)
            .map(|r| r["count"].as_i64().unwrap_or(0))
            .sum()
    };
    assert_eq!(started("qr:table-4"), 2, "{f}");
    assert_eq!(started("organic"), 1, "{f}");
    let (from, to) = (f["from"].as_str().unwrap(), f["to"].as_str().unwrap());
    let csv = owner.get(&format!("/api/funnel.csv?from={from}&to={to}"));
    let csv = csv.body.as_str().unwrap_or_default();
    assert!(
        csv.lines()
            .any(|l| l.contains(",wa,qr:table-4,conversation_started,2,100.0")),
        "{csv}"
    );
    let svg = owner.get("/api/funnel.svg?channel=wa");
    let svg = svg.body.as_str().unwrap_or_default();
    assert!(
        svg.contains("<svg") && svg.contains("data-step=\"conversation_started\" data-count=\"3\""),
        "{svg}"
    );
    assert_eq!(owner.get("/api/funnel?from=2026-13-01").status, 422);
    assert_eq!(
        owner
            .get("/api/funnel?from=2026-11-20&to=2026-11-01")
            .status,
        422
    );
    assert_eq!(owner.get("/api/funnel.svg?channel=telegram").status, 422);
}
