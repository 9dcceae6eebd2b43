//! The owner's learning loop (issue 14) against the real relay and edge: a customer writes a
//! nickname the bot does not know, it shows in the console's "Phrases" page with its
//! conversation, the owner maps it to a menu item by clicking in a real headless Chromium
//! (laid out as a phone), and the next customer who writes it gets the item in the cart.
//! Plus the page's HTTP rules: owner only, CSRF on changes, clear errors for bad targets.
//! Screenshots are left in `<target>/artefacts/phrases-*.png`.

use resto_e2e::browser::{artefacts_dir, Browser};
use resto_e2e::console::ConsoleClient;
use resto_e2e::shop::Shop;
use resto_e2e::wait_until;
use serde_json::json;

fn login(b: &mut Browser, shop: &Shop, name: &str, password: &str) {
    b.log_in(&shop.edge.console, name, password);
}

/// The customer writes `text` and the bot answers at least once more.
fn says(shop: &mut Shop, from: &str, name: &str, text: &str) {
    let answered = shop.texts_to(from).len();
    shop.customer_says(from, name, text, answered + 1);
}

/// The customer's cart lines as JSON text.
fn cart_of(shop: &Shop, user: &str) -> String {
    shop.edge
        .db()
        .query_row(
            "SELECT c.lines FROM carts c JOIN customers u ON u.id = c.customer_id WHERE u.user_id = ?1",
            [user],
            |r| r.get(0),
        )
        .unwrap_or_default()
}

const ROW: &str = "#phrases li[data-phrase='zinger']";

#[test]
fn the_owner_maps_an_unknown_nickname_to_an_item_on_a_phone_and_the_next_customer_gets_it() {
    let mut shop = Shop::open();
    let (yacine, nadia) = ("213555030301", "213555030302");
    says(&mut shop, yacine, "Yacine", "Bonjour");
    says(&mut shop, yacine, "Yacine", "un zinger");
    let cart = cart_of(&shop, yacine);
    assert!(!cart.contains("BG-CLASSIC"), "not understood yet: {cart}");

    let mut b = Browser::launch();
    b.resize(390, 844, true);
    login(&mut b, &shop, "karim", "owner-secret-1");
    b.click("[data-tab=phrases]");
    b.wait_for(
        "the phrase in the list",
        &format!("document.querySelector(\"{ROW}\")"),
    );
    let row = b.text(ROW);
    assert!(row.contains("zinger") && row.contains("1 fois"), "{row}");
    assert!(
        row.contains("Yacine"),
        "the conversation it came from: {row}"
    );
    assert_eq!(
        b.eval("document.documentElement.scrollWidth <= window.innerWidth"),
        json!(true),
        "the phone layout scrolls sideways"
    );
    b.screenshot(&artefacts_dir().join("phrases-phone.png"));

    // Pick the item from the menu and tap "Associer".
    b.eval(&format!(
        "(() => {{ const s = document.querySelector(\"{ROW} select[data-map-target]\"); \
         s.value = 'BG-CLASSIC'; s.dispatchEvent(new Event('change', {{bubbles: true}})); }})()"
    ));
    b.click(&format!("{ROW} button[data-map-submit]"));
    b.wait_for(
        "the alias in the list of what the bot learnt",
        "document.querySelector(\"#aliases li[data-alias='zinger'] [data-alias-target='BG-CLASSIC']\")",
    );
    b.wait_for(
        "the phrase gone from the list",
        &format!("!document.querySelector(\"{ROW}\")"),
    );
    assert!(b.text("#aliases").contains("Burger Classique"));
    b.screenshot(&artefacts_dir().join("phrases-taught.png"));
    assert_eq!(
        shop.edge.count(
            "SELECT count(*) FROM owner_aliases a JOIN staff s ON s.id = a.created_by \
             WHERE a.kind = 'item' AND a.phrase = 'zinger' AND a.target = 'BG-CLASSIC' AND s.name = 'karim'"
        ),
        1
    );

    // The very next customer with the nickname gets the burger, twice.
    says(&mut shop, nadia, "Nadia", "2 zinger svp");
    shop.wait_for_text_to(nadia, "the burger added to the cart", "Burger Classique");
    let cart = cart_of(&shop, nadia);
    let lines: serde_json::Value = serde_json::from_str(&cart).expect("cart JSON");
    assert_eq!(
        lines,
        json!([{"sku": "BG-CLASSIC", "qty": 2, "choices": []}]),
        "{cart}"
    );
    assert_eq!(
        shop.edge
            .count("SELECT count(*) FROM unmapped_phrases WHERE phrase LIKE '%zinger%'"),
        0,
        "an understood phrase is not reported again"
    );
}

#[test]
fn the_phrases_page_is_the_owners_needs_the_csrf_token_and_names_a_bad_target() {
    let mut shop = Shop::open();
    says(&mut shop, "213555030303", "Samir", "zinger");
    wait_until(30, "the phrase was recorded", || {
        shop.edge
            .count("SELECT count(*) FROM unmapped_phrases WHERE phrase = 'zinger'")
            == 1
    });
    let teach = json!({"kind": "item", "phrase": "Zinger", "target": "BG-CLASSIC"});

    let anonymous = ConsoleClient::new(&shop.edge);
    assert_eq!(anonymous.get("/api/unmapped").status, 401);
    assert_eq!(anonymous.post("/api/aliases", teach.clone()).status, 401);

    let staff = ConsoleClient::logged_in(&shop.edge, "amina", "4821");
    let r = staff.get("/api/unmapped");
    assert_eq!(r.status, 403, "{:?}", r.body);
    assert_eq!(staff.post("/api/aliases", teach.clone()).status, 403);

    let owner = ConsoleClient::logged_in(&shop.edge, "karim", "owner-secret-1");
    let r = owner.post_without_csrf("/api/aliases", teach.clone());
    assert_eq!(r.status, 403, "{:?}", r.body);
    assert!(
        r.body["error"].as_str().unwrap_or("").contains("CSRF"),
        "{:?}",
        r.body
    );

    for (body, needle) in [
        (
            json!({"kind": "item", "phrase": "zinger", "target": "XX-NOPE"}),
            "no item of the menu has the code \"XX-NOPE\"",
        ),
        (
            json!({"kind": "commune", "phrase": "zinger", "target": "99999"}),
            "no commune has the code",
        ),
        (
            json!({"kind": "intent", "phrase": "zinger", "target": "dance"}),
            "is not an intent",
        ),
        (
            json!({"kind": "dish", "phrase": "zinger", "target": "BG-CLASSIC"}),
            "choose item, commune or intent",
        ),
        (
            json!({"kind": "item", "phrase": "?!", "target": "BG-CLASSIC"}),
            "no letters or digits",
        ),
        (
            json!({"kind": "item", "target": "BG-CLASSIC"}),
            "no letters or digits",
        ),
        (
            json!({"kind": "item", "phrase": "zinger", "target": "BG-CLASSIC", "register": "kabyle"}),
            "is not a register",
        ),
    ] {
        let r = owner.post("/api/aliases", body.clone());
        assert_eq!(r.status, 422, "{body}: {:?}", r.body);
        let error = r.body["error"].as_str().unwrap_or_default();
        assert!(error.contains(needle), "{body}: {error}");
    }
    assert_eq!(shop.edge.count("SELECT count(*) FROM owner_aliases"), 0);

    let page = owner.get("/api/unmapped");
    assert_eq!(page.status, 200, "{:?}", page.body);
    let p = &page.body["phrases"][0];
    assert_eq!(
        (p["phrase"].as_str(), p["count"].as_i64()),
        (Some("zinger"), Some(1))
    );
    assert_eq!(p["seen"][0]["display_name"], "Samir");
    assert_eq!(p["suggestions"][0], "BG-CLASSIC");
    assert!(page.body["intents"]
        .as_array()
        .is_some_and(|i| i.contains(&json!("show_menu"))));
    assert!(page.body["communes"]
        .as_array()
        .is_some_and(|c| c.iter().any(|c| c["name_fr"] == "Bab Ezzouar")));

    let r = owner.post("/api/aliases", teach);
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["phrase"], "zinger");
    assert_eq!(r.body["was_unmapped"], true);
    let page = owner.get("/api/unmapped").body;
    assert_eq!(page["phrases"], json!([]));
    let id = page["aliases"][0]["id"].as_i64().expect("alias id");
    assert_eq!(page["aliases"][0]["created_by"], "karim");

    assert_eq!(staff.delete(&format!("/api/aliases/{id}")).status, 403);
    assert_eq!(owner.delete(&format!("/api/aliases/{id}")).status, 200);
    let r = owner.delete(&format!("/api/aliases/{id}"));
    assert_eq!(r.status, 404, "{:?}", r.body);
    assert_eq!(
        owner.post("/api/unmapped/999/dismiss", json!({})).status,
        404
    );
}
