//! Voice notes in the staff console, in a real headless Chromium against the real relay and
//! edge: played in the French and the Arabic (right-to-left) layouts, played on a tablet that
//! opens the console after the relay was killed, turned into an order from the conversation,
//! and replayed from that order's card on the board.

use crate::media::{media_file_id, voice_note, wait_for_device_state, TOKEN};
use resto_e2e::browser::{artefacts_dir, Browser};
use resto_e2e::fake_media::Media;
use resto_e2e::shop::Shop;
use resto_e2e::wait_until;

fn login(b: &mut Browser, shop: &Shop) {
    b.log_in(&shop.edge.console, "amina", "4821");
}

/// Opens `name`'s conversation from the list.
fn open_conversation(b: &mut Browser, name: &str) {
    b.click("[data-tab=conversations]");
    let has = format!(
        "[...document.querySelectorAll('#conv-list li')].find(li => li.innerText.includes('{name}'))"
    );
    b.wait_for(&format!("{name}'s conversation"), &has);
    b.eval(&format!("{has}.click()"));
}

/// Waits until the audio element `selector` has loaded the note's metadata; its duration.
/// Read in the same script as the check: the transcript is redrawn when the list refreshes.
fn loaded_duration(b: &mut Browser, selector: &str) -> f64 {
    let js = format!(
        "(() => {{ const a = document.querySelector('{selector}'); \
          if (a && a.readyState === 0) a.load(); \
          return a && a.readyState >= 1 && isFinite(a.duration) ? a.duration : 0; }})()"
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let d = b.eval(&js).as_f64().unwrap_or(0.0);
        if d > 0.0 {
            return d;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no audio player ({selector}) with its duration loaded; the page shows:\n{}",
            b.text("body")
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

#[test]
fn the_console_plays_a_voice_note_in_french_and_arabic_and_after_the_relay_is_killed() {
    let mut shop = Shop::open();
    shop.graph
        .add_media("media-voice-2", Media::voice_note(voice_note(), TOKEN));
    let msg = shop.customer_sends_voice_note("213555010107", "Yacine", "media-voice-2");
    wait_for_device_state(&shop, &msg, "have");
    let src = format!("/api/media/{}", media_file_id(&shop, &msg));

    let mut b = Browser::launch();
    login(&mut b, &shop);
    for rtl in [false, true] {
        if rtl {
            b.click("#lang-toggle");
            b.wait_for(
                "the Arabic layout",
                "document.documentElement.dir === 'rtl'",
            );
        }
        open_conversation(&mut b, "Yacine");
        let d = loaded_duration(&mut b, "#transcript audio");
        assert!(d > 0.0, "the voice note's duration (rtl={rtl}): {d}");
        assert_eq!(
            b.eval("document.querySelector('#transcript audio').getAttribute('src')"),
            serde_json::json!(src)
        );
        eprintln!("voice note duration in the console (rtl={rtl}): {d} s");
    }
    drop(b);

    // The internet is gone: the relay is killed (SIGKILL, no goodbye) and a tablet with an
    // empty cache opens the console. The note plays from the device's own copy.
    shop.relay.kill9();
    let mut b = Browser::launch();
    login(&mut b, &shop);
    b.wait_for(
        "the status bar to say the relay is unreachable",
        "document.getElementById('conn').classList.contains('down')",
    );
    b.click("#lang-toggle");
    b.wait_for(
        "the Arabic layout",
        "document.documentElement.dir === 'rtl'",
    );
    open_conversation(&mut b, "Yacine");
    let d = loaded_duration(&mut b, "#transcript audio");
    assert!(d > 0.0, "offline duration: {d}");
    // It really plays (time moves), not only its metadata: started as staff would, by a
    // gesture (Chromium refuses play() without one).
    let started = b.call(
        "Runtime.evaluate",
        serde_json::json!({"expression": "document.querySelector('#transcript audio').play().then(() => 'playing')",
            "awaitPromise": true, "userGesture": true, "returnByValue": true}),
    );
    assert_eq!(started["result"]["value"], "playing", "{started}");
    b.wait_for(
        "the voice note to play offline",
        "document.querySelector('#transcript audio').currentTime > 0",
    );
    b.screenshot(&artefacts_dir().join("voice-note-offline-ar.png"));
    eprintln!("voice note duration with the relay killed: {d} s");
}

#[test]
fn staff_turn_a_voice_note_into_an_order_and_its_board_card_plays_the_note() {
    let mut shop = Shop::open();
    shop.graph
        .add_media("media-voice-3", Media::voice_note(voice_note(), TOKEN));
    let msg = shop.customer_sends_voice_note("213555010108", "Yacine", "media-voice-3");
    wait_for_device_state(&shop, &msg, "have");
    let media_id = media_file_id(&shop, &msg);

    let mut b = Browser::launch();
    login(&mut b, &shop);
    open_conversation(&mut b, "Yacine");
    b.click(&format!("[data-voice-order='{media_id}']"));
    // The counter-order form, prefilled with the customer and their channel, the note above.
    b.wait_for(
        "the order form prefilled with Yacine",
        "!document.getElementById('tab-new-order').classList.contains('hidden') \
         && document.getElementById('order-name').value === 'Yacine' \
         && document.getElementById('order-phone').value === '213555010108' \
         && document.getElementById('order-source').value === 'wa'",
    );
    let d = loaded_duration(&mut b, "#order-voice audio");
    assert!(d > 0.0, "the note beside the form: {d}");
    b.wait_for(
        "the menu in the form",
        "document.querySelector('#order-items input[data-sku=\"PZ-MARG\"]')",
    );
    b.fill("#order-items input[data-sku=\"PZ-MARG\"]", "2");
    b.click("#order-submit");
    b.wait_for(
        "the board after the order",
        "!document.getElementById('tab-board').classList.contains('hidden')",
    );
    wait_until(30, "the order is stored", || {
        shop.edge.count("SELECT count(*) FROM orders") == 1
    });
    let (order_id, number, source, voice, who): (i64, String, String, Option<i64>, String) = shop
        .edge
        .db()
        .query_row(
            "SELECT o.id, o.number, o.source, o.voice_media_id, c.user_id FROM orders o \
             JOIN customers c ON c.id = o.customer_id",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .unwrap();
    assert_eq!(
        (source.as_str(), voice, who.as_str()),
        ("wa", Some(media_id), "213555010108"),
        "the order is Yacine's chat order and names his voice note"
    );

    // On the board, the card plays the note it came from.
    let card = format!("[data-order='{order_id}']");
    b.click(&format!("{card} [data-voice-note='{media_id}']"));
    let d = loaded_duration(&mut b, "#voice-player audio");
    assert!(d > 0.0, "the card's voice note: {d}");
    b.screenshot(&artefacts_dir().join("voice-note-order-card.png"));
    // Accepting it tells Yacine in his chat, like an order he typed.
    let told = shop.texts_to("213555010108").len();
    b.click(&format!("{card} [data-to=accepted]"));
    wait_until(60, "Yacine is told his order was accepted", || {
        shop.texts_to("213555010108")
            .iter()
            .skip(told)
            .any(|t| t.contains(&number))
    });
}
