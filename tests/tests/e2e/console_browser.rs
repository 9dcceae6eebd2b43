//! The staff console in a real headless Chromium, against the real relay and edge: customers
//! write through signed webhooks, staff click in the page, customers' answers reach the Graph
//! stand-in. A screenshot of the board is left in `<target>/artefacts/board.png`.

use resto_e2e::browser::{artefacts_dir, Browser};
use resto_e2e::shop::Shop;
use resto_e2e::{fixture, wait_until};

fn login(b: &mut Browser, shop: &Shop, name: &str, password: &str) {
    b.log_in(&shop.edge.console, name, password);
}

fn order_card_in(column: &str) -> String {
    format!("document.querySelector('[data-column={column}] .card')")
}

#[test]
fn staff_move_a_whatsapp_order_along_the_board_and_the_customer_is_told_each_step_in_french() {
    let mut shop = Shop::open();
    let yacine = "213555010101";
    let mut b = Browser::launch();
    login(&mut b, &shop, "amina", "4821");
    b.wait_for(
        "the status bar to show the relay connection",
        "document.getElementById('conn').classList.contains('ok')",
    );

    let lines = [
        "Bonjour",
        "2 tacos et une limonade",
        "commander",
        "livraison",
        "Bab Ezzouar",
        "12 rue des Frères Bouadou, bâtiment B",
        "espèces",
        "oui",
    ];
    for (i, line) in lines.iter().enumerate() {
        shop.customer_says(yacine, "Yacine", line, i + 1);
    }
    shop.wait_for_text_to(
        yacine,
        "the order confirmation",
        "Commande A-001 enregistrée",
    );

    // The order arrives on the open board by itself (server-sent events, no reload).
    b.wait_for("the new order on the board", &order_card_in("new"));
    let card = b.text("[data-column=new] .card");
    assert!(card.contains("A-001"), "{card}");
    assert!(card.contains("Tacos Poulet"), "{card}");
    b.screenshot(&artefacts_dir().join("board.png"));

    for (from, to, column) in [
        ("new", "accepted", "accepted"),
        ("accepted", "preparing", "preparing"),
        ("preparing", "ready", "ready"),
        ("ready", "out_for_delivery", "out_for_delivery"),
        ("out_for_delivery", "delivered", "done"),
    ] {
        b.click(&format!("[data-column={from}] .card button[data-to={to}]"));
        b.wait_for(&format!("the order in {column}"), &order_card_in(column));
    }
    assert_eq!(
        shop.edge
            .count("SELECT count(*) FROM orders WHERE number = 'A-001' AND status = 'delivered'"),
        1
    );
    for (what, needle) in [
        ("accepted", "Votre commande A-001 est acceptée"),
        ("preparing", "Votre commande A-001 est en préparation"),
        ("out for delivery", "Votre commande A-001 est en route"),
        ("delivered", "Votre commande A-001 est livrée"),
    ] {
        shop.wait_for_text_to(yacine, &format!("the {what} notice reached Graph"), needle);
    }
    // A finished order offers no more moves.
    assert_eq!(
        b.eval("document.querySelectorAll('[data-column=done] .card button[data-to]').length"),
        serde_json::json!(0)
    );
    b.screenshot(&artefacts_dir().join("board-delivered.png"));
    // On a phone the board folds into one column and every button stays reachable.
    b.resize(390, 844, true);
    b.wait_for(
        "the one-column layout",
        "getComputedStyle(document.getElementById('board')).gridTemplateColumns.split(' ').length === 1",
    );
    assert_eq!(
        b.eval("document.documentElement.scrollWidth <= window.innerWidth"),
        serde_json::json!(true),
        "the phone layout scrolls sideways"
    );
    b.screenshot(&artefacts_dir().join("board-phone.png"));
}

#[test]
fn staff_take_over_an_arabic_conversation_reply_from_the_console_and_hand_back() {
    let mut shop = Shop::open();
    let nadia = "213555020202";
    let mut b = Browser::launch();
    login(&mut b, &shop, "amina", "4821");
    // The Arabic interface is laid out right to left.
    b.click("#lang-toggle");
    b.wait_for(
        "the Arabic layout",
        "document.documentElement.dir === 'rtl'",
    );
    assert!(b.text("[data-tab=board]").contains("الطلبات"));

    shop.customer_says(nadia, "Nadia", "السلام عليكم", 1);
    shop.customer_says(nadia, "Nadia", "نحب نهدر مع واحد", 2);
    // The request for a person shows as an alert on the board.
    b.wait_for(
        "the handoff alert",
        "document.querySelector('#alerts .alert') && !document.getElementById('alerts').classList.contains('hidden')",
    );
    assert!(b.text("#alerts").contains("Nadia"));
    b.screenshot(&artefacts_dir().join("board-ar.png"));
    b.click("#alerts .alert button");
    b.wait_for(
        "Nadia's transcript",
        "document.getElementById('transcript').innerText.includes('نحب نهدر مع واحد')",
    );

    b.click("#take-over");
    b.wait_for(
        "the reply box once the bot is paused",
        "!document.getElementById('reply-form').classList.contains('hidden')",
    );
    assert_eq!(
        shop.edge.count(&format!(
            "SELECT c.bot_paused FROM conversations c JOIN customers u ON u.id = c.customer_id WHERE u.user_id = '{nadia}'"
        )),
        1
    );
    let bot_answers = shop.texts_to(nadia).len();
    // While paused, the bot stays quiet.
    shop.customer_says(nadia, "Nadia", "واش كاين بيتزا؟", bot_answers);
    b.fill("#reply-text", "مرحبا نادية، نعم عندنا بيتزا مارغريتا");
    b.click("#reply-send");
    shop.wait_for_text_to(
        nadia,
        "the staff reply reached Graph",
        "مرحبا نادية، نعم عندنا بيتزا مارغريتا",
    );
    assert_eq!(shop.texts_to(nadia).len(), bot_answers + 1);
    b.wait_for(
        "the reply in the transcript",
        "document.getElementById('transcript').innerText.includes('مرحبا نادية')",
    );

    b.click("#hand-back");
    b.wait_for(
        "the take-over button again",
        "!document.getElementById('take-over').classList.contains('hidden')",
    );
    assert_eq!(
        shop.edge.count(&format!(
            "SELECT c.bot_paused FROM conversations c JOIN customers u ON u.id = c.customer_id WHERE u.user_id = '{nadia}'"
        )),
        0
    );
    // A voice note (Meta's own fixture): an unread marker in the list, and in the transcript
    // a placeholder, since WhatsApp media only open with the business token.
    let (status, _) = shop.relay.post_signed(&fixture("wa_audio.json"));
    assert_eq!(status, 200);
    b.click("[data-tab=conversations]");
    b.wait_for(
        "Karim's unread conversation in the list",
        "[...document.querySelectorAll('#conv-list li.unread')].some(li => li.innerText.includes('Karim'))",
    );
    b.eval(
        "[...document.querySelectorAll('#conv-list li')].find(li => li.innerText.includes('Karim')).click()",
    );
    b.wait_for(
        "the voice note placeholder",
        "[...document.querySelectorAll('#transcript .placeholder')].some(p => p.innerText.includes('رسالة صوتية'))",
    );
    b.wait_for(
        "the unread marker cleared",
        "![...document.querySelectorAll('#conv-list li.unread')].some(li => li.innerText.includes('Karim'))",
    );
}

#[test]
fn an_item_switched_off_in_the_console_is_refused_by_the_bot() {
    let mut shop = Shop::open();
    let yacine = "213555010101";
    let mut b = Browser::launch();
    login(&mut b, &shop, "amina", "4821");
    b.click("[data-tab=menu]");
    b.wait_for(
        "the menu loaded",
        "!document.getElementById('menu').hasAttribute('aria-busy')",
    );
    b.click("[data-toggle=TC-POULET]");
    b.wait_for(
        "the item shown unavailable",
        "document.querySelector('[data-sku=TC-POULET]').classList.contains('off')",
    );
    assert_eq!(
        shop.edge
            .count("SELECT available FROM menu_items WHERE sku = 'TC-POULET'"),
        0
    );
    // Staff may switch items off but not change prices: no price fields for them.
    assert_eq!(
        b.eval("document.querySelectorAll('#menu input.price').length"),
        serde_json::json!(0)
    );

    shop.customer_says(yacine, "Yacine", "Bonjour", 1);
    shop.customer_says(yacine, "Yacine", "un tacos", 2);
    shop.wait_for_text_to(
        yacine,
        "the bot refusing the tacos",
        "Tacos Poulet n'est pas disponible",
    );
}

#[test]
fn with_the_internet_down_the_owner_takes_a_counter_order_and_edits_a_price() {
    let mut shop = Shop::open();
    let mut b = Browser::launch();
    login(&mut b, &shop, "karim", "owner-secret-1");
    b.wait_for(
        "the status bar to show the relay connection",
        "document.getElementById('conn').classList.contains('ok')",
    );
    shop.relay.kill9();
    b.wait_for(
        "the status bar to show the edge offline",
        "document.getElementById('conn').classList.contains('down') && document.getElementById('conn').innerText.includes('Hors ligne depuis')",
    );

    b.click("[data-tab=new-order]");
    b.wait_for(
        "the menu loaded",
        "!document.getElementById('menu').hasAttribute('aria-busy')",
    );
    b.fill("#order-items input[data-sku=PZ-MARG]", "2");
    b.wait_for(
        "the running total",
        "document.getElementById('order-total').innerText === '1400'",
    );
    b.fill("#order-name", "Samir");
    b.click("#order-submit");
    b.wait_for(
        "the counter order on the board",
        "document.querySelector('[data-column=new] .card') && document.querySelector('[data-column=new] .card').innerText.includes('Comptoir')",
    );
    assert_eq!(
        shop.edge.count(
            "SELECT count(*) FROM orders WHERE source = 'counter' AND total = 1400 AND status = 'new'"
        ),
        1
    );
    b.click("[data-column=new] .card button[data-to=accepted]");
    b.wait_for("the counter order accepted", &order_card_in("accepted"));
    // Nobody to tell for a counter order: nothing waits in the outbox for it.
    assert_eq!(
        shop.edge
            .count("SELECT count(*) FROM outbox WHERE kind = 'send_message'"),
        0
    );

    // The ETA is editable from the card.
    let before = b.text("[data-column=accepted] .card");
    b.fill("[data-column=accepted] .card input[data-eta]", "180");
    b.click("[data-column=accepted] .card button[data-set-eta]");
    b.wait_for(
        "the new ETA on the card",
        &format!(
            "document.querySelector('[data-column=accepted] .card').innerText.includes('Heure prévue') \
             && document.querySelector('[data-column=accepted] .card').innerText !== {}",
            serde_json::to_string(&before).expect("json")
        ),
    );
    let eta: String = shop
        .edge
        .db()
        .query_row("SELECT eta FROM orders", [], |r| r.get(0))
        .expect("eta");
    let eta = chrono::DateTime::parse_from_rfc3339(&eta).expect("rfc3339 eta");
    let ahead = eta.with_timezone(&chrono::Utc) - chrono::Utc::now();
    assert!(
        ahead > chrono::Duration::minutes(170) && ahead <= chrono::Duration::minutes(180),
        "{ahead}"
    );
    assert!(!b.text("[data-column=accepted] .card").contains("EN RETARD"));
    // Three hours later (the order is back-dated), the open order is flagged late.
    shop.edge
        .db()
        .execute(
            "UPDATE orders SET created_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-3 hours'), \
             eta = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-2 hours')",
            [],
        )
        .expect("back-date the order");
    b.wait_for(
        "the late highlight",
        "document.querySelector('[data-column=accepted] .card.late') && document.querySelector('[data-column=accepted] .card').innerText.includes('EN RETARD')",
    );

    // The owner sees price fields; a new price is stored.
    b.click("[data-tab=menu]");
    b.wait_for(
        "the menu loaded",
        "!document.getElementById('menu').hasAttribute('aria-busy')",
    );
    b.fill("[data-sku=PZ-MARG] input.price", "750");
    b.click("[data-save=PZ-MARG]");
    b.wait_for(
        "the saved confirmation",
        "document.getElementById('flash').innerText.includes('Enregistré')",
    );
    wait_until(60, "the new price stored", || {
        shop.edge
            .count("SELECT price FROM menu_items WHERE sku = 'PZ-MARG'")
            == 750
    });
}

#[test]
fn the_owner_releases_a_spammer_adds_an_faq_answer_reads_the_funnel_and_prints_a_table_card() {
    let mut shop = Shop::open();
    let spam = "213661000401";
    for _ in 0..5 {
        shop.customer_says(spam, "Spam", "GAGNEZ UN IPHONE GRATUIT ICI", 0);
    }
    let mut b = Browser::launch();
    login(&mut b, &shop, "karim", "owner-secret-1");
    // The security tab counts customers in quarantine, live.
    b.wait_for(
        "the quarantine badge",
        "document.getElementById('quarantine-badge').textContent === '1'",
    );
    b.click("[data-tab=security]");
    b.wait_for(
        "the quarantined customer with the reason",
        &format!("document.querySelector('[data-quarantine] [data-reason=flood]') && document.querySelector('#quarantines').innerText.includes('{spam}')"),
    );
    let why = b.text("#quarantines");
    assert!(why.contains("Même message répété"), "staff see why: {why}");
    b.wait_for(
        "the policy form",
        "document.querySelector('#policy-form input[name=per_minute]')",
    );
    b.screenshot(&artefacts_dir().join("security.png"));
    b.click("[data-release]");
    b.wait_for(
        "nobody in quarantine",
        "!document.querySelector('[data-quarantine]')",
    );
    b.wait_for(
        "the release in the security log",
        "document.querySelector('#security-log [data-event=released]')",
    );
    let log = b.text("#security-log");
    assert!(
        log.contains("Libéré")
            && log.contains("Mis en quarantaine")
            && log.contains("Même message répété"),
        "the log reads in the staff's language: {log}"
    );
    assert_eq!(
        shop.edge.count(
            "SELECT count(*) FROM quarantines WHERE released_by = 'karim' AND released_at IS NOT NULL"
        ),
        1
    );

    // FAQ: a new entry, tried with a Darija phrasing.
    b.click("[data-tab=faq]");
    b.wait_for("the FAQ entries", "document.querySelector('[data-faq]')");
    for (field, value) in [
        ("q_fr", "Avez-vous un parking ?"),
        ("q_ar", "هل عندكم موقف للسيارات؟"),
        ("a_fr", "Oui, un parking gratuit derrière le restaurant."),
        ("a_ar", "نعم، موقف مجاني خلف المطعم."),
        ("keywords", "parking, tstationi"),
    ] {
        b.fill(&format!("#faq-add [name={field}]"), value);
    }
    b.click("#faq-add-submit");
    b.wait_for(
        "the new entry listed",
        "[...document.querySelectorAll('[data-faq] textarea[name=a_fr]')].some((t) => t.value.includes('parking gratuit'))",
    );
    b.fill("#faq-question", "3andkom parking?");
    b.click("#faq-try button[type=submit]");
    b.wait_for(
        "the bot's answer to the tried question",
        "document.getElementById('faq-answer').dataset.answers === 'true'",
    );
    assert!(b.text("#faq-answer").contains("parking gratuit"));

    // Funnel: chart and table for the restaurant's last 7 days, even on a tablet whose clock
    // is set to a zone where the calendar day differs from Algiers' right now.
    let algiers = chrono::Utc::now() + chrono::Duration::hours(1);
    let far_zone = if chrono::Timelike::hour(&algiers) >= 11 {
        "Pacific/Kiritimati"
    } else {
        "Pacific/Pago_Pago"
    };
    b.call(
        "Emulation.setTimezoneOverride",
        serde_json::json!({ "timezoneId": far_zone }),
    );
    b.click("[data-tab=funnel]");
    b.wait_for(
        "the funnel chart drawn",
        "document.getElementById('funnel-chart').complete && document.getElementById('funnel-chart').naturalWidth > 0",
    );
    b.wait_for(
        "the WhatsApp row with the spammer's conversation",
        "document.querySelector('#funnel-table tr[data-channel=wa] [data-step=conversation_started]').dataset.count === '1'",
    );
    b.screenshot(&artefacts_dir().join("funnel.png"));
    assert_eq!(
        b.eval("document.getElementById('funnel-to').value"),
        algiers.date_naive().to_string().as_str(),
        "the span ends on the restaurant's today, not the tablet's"
    );
    assert!(b
        .eval("document.getElementById('funnel-csv').href")
        .as_str()
        .is_some_and(|h| h.contains("/api/funnel.csv?from=")));

    // QR: a table card for table 4, then its printable page.
    b.click("[data-tab=qr]");
    b.fill("#qr-text", "MENU Table 4");
    b.fill("#qr-label", "table-4");
    b.click("#qr-create");
    b.wait_for(
        "the new code with its QR",
        "document.querySelector('[data-card=table-4] img.qr-preview')",
    );
    let print = b
        .eval("document.querySelector('[data-card=table-4] [data-print=card]').href")
        .as_str()
        .unwrap_or_default()
        .to_string();
    b.screenshot(&artefacts_dir().join("qr-page.png"));
    b.goto(&print);
    b.wait_for(
        "the printable card",
        "document.querySelector('.qr svg') && document.body.innerText.includes('Pizzeria El Bahdja')",
    );
    b.screenshot(&artefacts_dir().join("table-card.png"));

    // Staff have the security tab but none of the owner's pages.
    b.goto(&format!("http://{}/", shop.edge.console));
    b.wait_for(
        "the console again",
        "!document.getElementById('app-view').classList.contains('hidden')",
    );
    // The owner's pages speak Arabic too, right to left.
    b.click("#lang-toggle");
    b.click("[data-tab=security]");
    b.wait_for(
        "the Arabic security page",
        "document.documentElement.dir === 'rtl' && document.querySelector('[data-tab=faq]').textContent === 'الأسئلة' \
         && document.querySelector('#policy-form').innerText.includes('أقصى عدد رسائل في الدقيقة')",
    );
    b.screenshot(&artefacts_dir().join("security-ar.png"));
    b.click("#logout");
    login(&mut b, &shop, "amina", "4821");
    b.wait_for("the staff role", "document.body.dataset.role === 'staff'");
    assert_eq!(
        b.eval("['security', 'faq', 'funnel', 'qr'].map((t) => getComputedStyle(document.querySelector('[data-tab=' + t + ']')).display !== 'none')"),
        serde_json::json!([true, false, false, false])
    );
}
