//! Voice notes and photos reach the kitchen: a WhatsApp voice note posted as Meta sends it
//! (a media id only) is fetched by the relay with the route's token, downloaded by the edge
//! over the signed sync channel, kept on the device and played in the console — also after
//! the relay is gone. Refused media is recorded with its reason and nothing else stops.

use resto_e2e::console::ConsoleClient;
use resto_e2e::fake_media::Media;
use resto_e2e::shop::Shop;
use resto_e2e::wait_until;
use std::path::Path;

pub const TOKEN: &str = "EAAG-fake-token";

pub fn voice_note() -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/voice-note.ogg"))
        .expect("tests/fixtures/voice-note.ogg")
}

/// (state, path, error) of the device's copy of attachment 0 of `msg_id`.
pub fn device_copy(shop: &Shop, msg_id: &str) -> Option<(String, Option<String>, Option<String>)> {
    shop.edge
        .db()
        .query_row(
            "SELECT state, path, error FROM media_files WHERE msg_id = ?1 AND idx = 0",
            [msg_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .ok()
}

pub fn wait_for_device_state(shop: &Shop, msg_id: &str, state: &str) {
    wait_until(
        60,
        &format!("the device's copy of {msg_id} is {state}"),
        || device_copy(shop, msg_id).is_some_and(|(s, ..)| s == state),
    );
}

pub fn media_file_id(shop: &Shop, msg_id: &str) -> i64 {
    shop.edge
        .db()
        .query_row(
            "SELECT id FROM media_files WHERE msg_id = ?1 AND idx = 0",
            [msg_id],
            |r| r.get(0),
        )
        .expect("a media row on the device")
}

#[test]
fn a_voice_note_sent_as_a_media_id_is_kept_on_the_device_linked_to_the_chat_order_and_served_after_the_relay_is_killed(
) {
    let mut shop = Shop::open();
    let bytes = voice_note();
    shop.graph
        .add_media("media-voice-1", Media::voice_note(bytes.clone(), TOKEN));
    let msg = shop.customer_sends_voice_note("213555010101", "Yacine", "media-voice-1");

    wait_for_device_state(&shop, &msg, "have");
    let (_, path, _) = device_copy(&shop, &msg).unwrap();
    assert_eq!(
        std::fs::read(path.expect("a path")).unwrap(),
        bytes,
        "the bytes on the device are the bytes Meta served"
    );
    // Both Graph calls carried the route's token; the relay never had to guess a URL.
    let calls = shop.graph.media_requests();
    assert!(
        calls.iter().any(|(p, a)| p == "/v25.0/media-voice-1"
            && a.as_deref() == Some(&format!("Bearer {TOKEN}") as &str)),
        "{calls:?}"
    );
    assert!(
        calls
            .iter()
            .any(|(p, a)| p == "/media-download/media-voice-1" && a.is_some()),
        "{calls:?}"
    );
    // The customer is told the restaurant will listen, and staff are called.
    shop.wait_for_text_to(
        "213555010101",
        "the voice-note reply",
        "va écouter votre message vocal",
    );
    assert_eq!(
        shop.edge.count(
            "SELECT count(*) FROM conversations c JOIN customers u ON u.id = c.customer_id \
             WHERE u.user_id = '213555010101' AND c.handoff_requested = 1"
        ),
        1,
        "the voice note raised the conversation to staff"
    );
    // The relay was told the device has it, so it can drop its copy later.
    wait_until(30, "the relay marks the media delivered", || {
        shop.relay
            .count("SELECT count(*) FROM media WHERE state = 'delivered'")
            == 1
    });

    // Yacine then orders in the chat: the card names the voice note of that conversation.
    let order = shop.whatsapp_order("213555010101", "Yacine");
    let console = ConsoleClient::logged_in(&shop.edge, "amina", "4821");
    let id = media_file_id(&shop, &msg);
    let board = console.get("/api/board").body;
    let card = board["orders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == order)
        .expect("the chat order on the board")
        .clone();
    assert_eq!(card["voice_note"]["media_id"], id, "{card}");
    assert_eq!(card["voice_note"]["url"], format!("/api/media/{id}"));

    // Internet down (the relay killed, nothing of it runs): the console still serves the
    // file, ranges included.
    shop.relay.kill9();
    let http = reqwest::blocking::Client::new();
    let cookie = console.cookie.clone().expect("session cookie");
    let whole = http
        .get(format!("{}/api/media/{id}", console.base))
        .header("cookie", &cookie)
        .send()
        .unwrap();
    assert_eq!(whole.status().as_u16(), 200);
    assert_eq!(
        whole.headers()["content-type"].to_str().unwrap(),
        "audio/ogg; codecs=opus"
    );
    assert_eq!(whole.bytes().unwrap().to_vec(), bytes);
    let tail = http
        .get(format!("{}/api/media/{id}", console.base))
        .header("cookie", &cookie)
        .header("range", "bytes=100-")
        .send()
        .unwrap();
    assert_eq!(tail.status().as_u16(), 206);
    assert_eq!(tail.bytes().unwrap().to_vec(), bytes[100..].to_vec());
    // Without a session: refused.
    let anon = http
        .get(format!("{}/api/media/{id}", console.base))
        .send()
        .unwrap();
    assert_eq!(anon.status().as_u16(), 401);
}

#[test]
fn refused_media_is_recorded_with_its_reason_and_the_edge_keeps_taking_orders() {
    let mut shop = Shop::open();
    // Meta announces an image over WhatsApp's 5 MB limit: refused before any download.
    shop.graph.add_media(
        "media-huge",
        Media {
            bytes: b"small really".to_vec(),
            mime_type: "audio/ogg".into(),
            declared_size: Some(17 * 1024 * 1024),
            bearer: format!("Bearer {TOKEN}"),
            ..Media::default()
        },
    );
    // A download URL on a host that is not Meta's: never fetched, a security event.
    shop.graph.add_media(
        "media-elsewhere",
        Media {
            bytes: voice_note(),
            mime_type: "audio/ogg".into(),
            url: Some("https://media.evil.example/latest/meta-data".into()),
            bearer: format!("Bearer {TOKEN}"),
            ..Media::default()
        },
    );
    // "Voice note" that is really a web page.
    shop.graph.add_media(
        "media-html",
        Media {
            bytes: b"<html><script>alert(1)</script></html>".to_vec(),
            mime_type: "text/html".into(),
            bearer: format!("Bearer {TOKEN}"),
            ..Media::default()
        },
    );
    let huge = shop.customer_sends_voice_note("213555010102", "Samir", "media-huge");
    let elsewhere = shop.customer_sends_voice_note("213555010103", "Lina", "media-elsewhere");
    let html = shop.customer_sends_voice_note("213555010104", "Omar", "media-html");
    // An id Meta does not know (expired after 7 days, say).
    let unknown = shop.customer_sends_voice_note("213555010105", "Nour", "media-unknown");

    for (msg, reason) in [
        (&huge, "limit"),
        (&elsewhere, "not a Meta CDN host"),
        (&html, "text/html"),
        (&unknown, "unknown or expired"),
    ] {
        wait_for_device_state(&shop, msg, "failed");
        let (_, path, error) = device_copy(&shop, msg).unwrap();
        assert!(path.is_none(), "nothing kept for {msg}");
        let error = error.unwrap_or_default();
        assert!(
            error.contains("MEDIA_FETCH_FAILED") && error.contains(reason),
            "{msg}: {error}"
        );
    }
    assert!(shop.relay.has_security_event("MEDIA_URL_BLOCKED"));
    assert!(
        !shop
            .graph
            .media_requests()
            .iter()
            .any(|(p, _)| p.contains("meta-data")),
        "the refused host was never called"
    );
    assert_eq!(
        shop.relay
            .metric("resto_media_fetches_total{kind=\"audio\",outcome=\"failed\"}"),
        Some(4.0)
    );
    // The edge goes on: a customer still orders.
    shop.whatsapp_order("213555010106", "Karima");
}
