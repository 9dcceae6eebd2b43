//! Every shared Meta fixture, signed and posted to the real relay, is stored exactly as the
//! fixtures README table says. The table is read at test time: it is the single source of truth.

use base64::Engine;
use resto_e2e::{fixture, meta_fixtures, sign, text, Relay};
use serde_json::Value;
use std::collections::BTreeMap;

/// One row of the "Expected extraction" table, `—` as None.
#[derive(Debug, Clone)]
struct Row {
    cells: BTreeMap<String, Option<String>>,
}

impl Row {
    fn get(&self, col: &str) -> Option<&str> {
        self.cells.get(col).and_then(|v| v.as_deref())
    }
}

fn table() -> Vec<Row> {
    let readme = std::fs::read_to_string(meta_fixtures().join("README.md")).expect("README");
    let section = readme
        .split("## Expected extraction")
        .nth(1)
        .expect("table section")
        .split("\n## ")
        .next()
        .unwrap_or_default();
    let mut header: Vec<String> = Vec::new();
    let mut rows = Vec::new();
    for line in section.lines().filter(|l| l.starts_with('|')) {
        let cells: Vec<String> = line
            .trim()
            .trim_matches('|')
            .split('|')
            .map(|c| c.trim().to_string())
            .collect();
        if header.is_empty() {
            header = cells;
            continue;
        }
        if cells
            .iter()
            .all(|c| c.chars().all(|ch| ch == '-' || ch == ':'))
        {
            continue;
        }
        let cells = header
            .iter()
            .cloned()
            .zip(cells.into_iter().map(|c| (c != "—").then_some(c)))
            .collect();
        rows.push(Row { cells });
    }
    assert!(
        rows.len() >= 25,
        "the table should have a row per expected event"
    );
    rows
}

fn instant(s: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(s)
        .unwrap_or_else(|e| panic!("{s} is not RFC 3339: {e}"))
        .with_timezone(&chrono::Utc)
}

fn field(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(Value::as_str).map(str::to_string)
}

#[test]
fn every_fixture_is_stored_exactly_as_the_fixture_table_says() {
    let relay = Relay::start(&[]);
    relay.route_fixture_accounts();
    let rows = table();
    let mut fixtures: Vec<String> = rows
        .iter()
        .filter_map(|r| r.get("fixture").map(str::to_string))
        .collect();
    fixtures.dedup();
    for name in fixtures {
        let before = relay.events().len();
        let body = fixture(&format!("{name}.json"));
        let (status, _) = relay.post_signed(&body);
        assert_eq!(status, 200, "{name}");
        let stored: Vec<(String, Value)> = relay.events().split_off(before);
        let expected: Vec<&Row> = rows
            .iter()
            .filter(|r| r.get("fixture") == Some(name.as_str()))
            .filter(|r| !r.get("expected").unwrap_or_default().starts_with("ignore:"))
            .collect();
        assert_eq!(stored.len(), expected.len(), "{name}: stored {stored:#?}");
        for ((kind, ev), row) in stored.iter().zip(&expected) {
            let want_kind = row.get("kind").expect("kind");
            if let Some(status) = want_kind.strip_prefix("message_status:") {
                assert_eq!(kind, "message_status", "{name}");
                assert_eq!(field(ev, "status").as_deref(), Some(status), "{name}");
            } else {
                assert_eq!(kind, "inbound_message", "{name}");
                assert_eq!(field(ev, "kind").as_deref(), Some(want_kind), "{name}");
                for col in ["user_id", "user_bsuid", "user_name", "text", "payload"] {
                    assert_eq!(field(ev, col).as_deref(), row.get(col), "{name}: {col}");
                }
            }
            for col in ["provider", "account_id", "msg_id"] {
                assert_eq!(field(ev, col).as_deref(), row.get(col), "{name}: {col}");
            }
            let ts = row.get("timestamp (UTC)").expect("timestamp column");
            assert_eq!(
                instant(&field(ev, "timestamp").expect("timestamp")),
                instant(ts),
                "{name}"
            );
        }
    }
    assert_eq!(
        relay.count("SELECT count(*) FROM unrouted_events"),
        0,
        "every fixture account is routed"
    );
    assert!(
        relay.security_events().is_empty(),
        "genuine Meta payloads raise no security event: {:?}",
        relay.security_events()
    );
}

fn stored_by_msg_id(relay: &Relay, msg_id_end: &str) -> Value {
    relay
        .events()
        .into_iter()
        .map(|(_, v)| v)
        .find(|v| field(v, "msg_id").is_some_and(|m| m.ends_with(msg_id_end)))
        .unwrap_or_else(|| panic!("no event with msg_id ending in {msg_id_end}"))
}

#[test]
fn attachments_locations_orders_and_replies_carry_their_details() {
    let relay = Relay::start(&[]);
    relay.route_fixture_accounts();
    for f in [
        "wa_image",
        "wa_audio",
        "wa_location",
        "wa_order",
        "wa_interactive_list_reply",
        "wa_unsupported",
        "wa_status_failed",
        "ig_story_reply",
        "ig_attachment_image",
        "msg_multi_entry_batch",
    ] {
        assert_eq!(
            relay.post_signed(&fixture(&format!("{f}.json"))).0,
            200,
            "{f}"
        );
    }
    let image = stored_by_msg_id(&relay, "MDAwMDAwMDIA");
    let att = &image["attachments"][0];
    assert_eq!(att["media_id"], "1600000000000001");
    assert_eq!(att["mime_type"], "image/jpeg");
    assert!(att["url"]
        .as_str()
        .unwrap()
        .starts_with("https://lookaside.fbsbx.com/"));

    let audio = stored_by_msg_id(&relay, "MDAwMDAwMDMA");
    assert_eq!(audio["attachments"][0]["media_id"], "1600000000000002");
    assert_eq!(
        audio["attachments"][0]["mime_type"],
        "audio/ogg; codecs=opus"
    );
    assert_eq!(audio["attachments"][0]["voice"], true);

    let loc = stored_by_msg_id(&relay, "MDAwMDAwMDYA");
    assert_eq!(loc["location"]["latitude"], 36.7856);
    assert_eq!(loc["location"]["longitude"], 3.0603);
    assert_eq!(loc["location"]["name"], "Place des Martyrs");
    assert_eq!(
        loc["location"]["address"],
        "Place des Martyrs, Casbah, Alger"
    );

    let order = stored_by_msg_id(&relay, "MDAwMDAwMDcA");
    let items = order["order_items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["product_retailer_id"], "PZ-MARG-L");
    assert_eq!(items[0]["quantity"], 2);
    assert_eq!(items[0]["item_price"], 1200.0);
    assert_eq!(items[1]["product_retailer_id"], "DRK-COCA-33");

    let list = stored_by_msg_id(&relay, "MDAwMDAwMDUA");
    assert_eq!(
        list["reply_to"],
        "wamid.HBgMMjEzNTU1MDEwMTAyFQIAEhggM0VCMEZBNEUwMDAwMDAwMDAwMDAwMDAwMDA5MDAwMDIA"
    );

    let unsupported = stored_by_msg_id(&relay, "MDAwMDAwMTEA");
    assert_eq!(unsupported["raw"]["errors"][0]["code"], 131051);
    assert_eq!(unsupported["raw"]["unsupported"]["type"], "poll");

    let failed = stored_by_msg_id(&relay, "MDA5MDAwMDMA");
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["errors"][0]["code"], 131047);

    let story = stored_by_msg_id(&relay, "MDAwMDAwMDAwMDM");
    assert_eq!(story["reply_to"], "18000000000000123");
    assert!(story["attachments"][0]["url"]
        .as_str()
        .unwrap()
        .starts_with("https://lookaside.fbsbx.com/"));

    let ig_image = stored_by_msg_id(&relay, "MDAwMDAwMDAwMDQ");
    assert!(ig_image["attachments"][0]["url"]
        .as_str()
        .unwrap()
        .contains("ig_messaging_cdn"));
    assert!(ig_image["attachments"][0].get("media_id").is_none());

    let msg_image = stored_by_msg_id(&relay, "LTAwMDAwNS10UTJNUi1hWTdJZkxaRGFtVnJBTG5paGVV");
    assert!(msg_image["attachments"][0]["url"]
        .as_str()
        .unwrap()
        .starts_with("https://scontent.xx.fbcdn.net/"));
    assert!(
        relay.security_events().is_empty(),
        "{:?}",
        relay.security_events()
    );
}

fn vectors() -> Vec<Value> {
    let v: Value = serde_json::from_slice(&fixture("signature_vectors.json")).unwrap();
    v["vectors"].as_array().unwrap().clone()
}

#[test]
fn every_signature_vector_is_accepted_or_refused_as_it_must_be() {
    for v in vectors() {
        let name = v["name"].as_str().unwrap();
        let secret = v["app_secret"].as_str().unwrap();
        let relay = Relay::start(&[("META_APP_SECRET", secret)]);
        relay.route_fixture_accounts();
        let body = base64::engine::general_purpose::STANDARD
            .decode(v["raw_body_base64"].as_str().unwrap())
            .unwrap();
        let (status, resp) = relay.post_webhook(&body, v["header_to_check"].as_str());
        if v["must_verify"].as_bool().unwrap() {
            assert_eq!(status, 200, "{name}: {resp}");
            assert!(!relay.has_security_event("SIGNATURE_INVALID"), "{name}");
            if v.get("fixture").is_some() {
                assert_eq!(
                    relay.events().len(),
                    1,
                    "{name}: the wire body stores its message"
                );
            }
        } else {
            assert_eq!(status, 401, "{name}");
            assert!(relay.has_security_event("SIGNATURE_INVALID"), "{name}");
            assert_eq!(relay.stored_events(), 0, "{name}");
        }
    }
}

#[test]
fn a_wire_encoded_body_stores_the_same_message_as_its_pretty_fixture() {
    for v in vectors().into_iter().filter(|v| v.get("fixture").is_some()) {
        let secret = v["app_secret"].as_str().unwrap();
        let wire = base64::engine::general_purpose::STANDARD
            .decode(v["raw_body_base64"].as_str().unwrap())
            .unwrap();
        let pretty = fixture(v["fixture"].as_str().unwrap());
        let stored: Vec<Value> = [wire, pretty]
            .into_iter()
            .map(|body| {
                let relay = Relay::start(&[("META_APP_SECRET", secret)]);
                relay.route_fixture_accounts();
                assert_eq!(relay.post_webhook(&body, Some(&sign(secret, &body))).0, 200);
                relay.events().remove(0).1
            })
            .collect();
        assert_eq!(stored[0], stored[1], "{}", v["name"]);
    }
}

#[test]
fn a_meta_retry_is_stored_once_and_still_answered_200() {
    let relay = Relay::start(&[]);
    relay.route_fixture_accounts();
    let body = fixture("wa_text.json");
    let (s1, r1) = relay.post_signed(&body);
    let (s2, r2) = relay.post_signed(&body);
    assert_eq!((s1, s2), (200, 200));
    assert_eq!(
        (r1["stored"].as_i64(), r1["duplicates"].as_i64()),
        (Some(1), Some(0))
    );
    assert_eq!(
        (r2["stored"].as_i64(), r2["duplicates"].as_i64()),
        (Some(0), Some(1))
    );
    assert_eq!(relay.events().len(), 1);
    let dups = relay.metric("resto_duplicates_total");
    assert!(
        dups.is_some_and(|d| d >= 1.0),
        "resto_duplicates_total = {dups:?}"
    );
}

#[test]
fn batches_with_several_entries_store_every_message_in_payload_order() {
    let relay = Relay::start(&[]);
    relay.route_fixture_accounts();
    let rows = table();
    let mut want: Vec<String> = Vec::new();
    for name in ["wa_multi_entry_batch", "msg_multi_entry_batch"] {
        let (status, r) = relay.post_signed(&fixture(&format!("{name}.json")));
        let events: Vec<&Row> = rows
            .iter()
            .filter(|r| r.get("fixture") == Some(name))
            .filter(|r| !r.get("expected").unwrap_or_default().starts_with("ignore:"))
            .collect();
        assert_eq!(status, 200, "{name}");
        assert_eq!(
            r["stored"].as_u64(),
            Some(events.len() as u64),
            "{name}: {r}"
        );
        assert_eq!(r["duplicates"].as_u64(), Some(0), "{name}: {r}");
        let messages = events
            .iter()
            .filter(|r| {
                !r.get("kind")
                    .unwrap_or_default()
                    .starts_with("message_status")
            })
            .count();
        assert_eq!(messages, 3, "{name}: the README promises 3 messages");
        want.extend(events.iter().map(|r| r.get("msg_id").unwrap().to_string()));
    }
    let stored: Vec<(i64, String)> = relay
        .rows("SELECT seq, payload FROM events ORDER BY seq")
        .iter()
        .map(|r| (text(r, 0).parse().unwrap(), text(r, 1)))
        .collect();
    let seqs: Vec<i64> = stored.iter().map(|(s, _)| *s).collect();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]) && seqs.first() == Some(&1),
        "per-node seq starts at 1 and strictly increases: {seqs:?}"
    );
    let got: Vec<String> = stored
        .iter()
        .map(|(_, p)| {
            let v: Value = serde_json::from_str(p).unwrap();
            field(&v, "msg_id").unwrap_or_default()
        })
        .collect();
    assert_eq!(
        got, want,
        "events in payload order (seq order = README row order)"
    );
}

#[test]
fn media_urls_off_meta_cdns_are_stripped_and_recorded_but_the_message_is_kept() {
    let relay = Relay::start(&[]);
    relay.route_fixture_accounts();
    let mut image: Value = serde_json::from_slice(&fixture("wa_image.json")).unwrap();
    image["entry"][0]["changes"][0]["value"]["messages"][0]["image"]["url"] =
        "http://169.254.169.254/latest/meta-data".into();
    let mut audio: Value = serde_json::from_slice(&fixture("wa_audio.json")).unwrap();
    audio["entry"][0]["changes"][0]["value"]["messages"][0]["audio"]["url"] =
        "https://10.0.0.1/a.ogg".into();
    let mut ig: Value = serde_json::from_slice(&fixture("ig_attachment_image.json")).unwrap();
    ig["entry"][0]["messaging"][0]["message"]["attachments"][0]["payload"]["url"] =
        "https://evil.example.com/x.jpg".into();
    for v in [&image, &audio, &ig] {
        assert_eq!(relay.post_signed(v.to_string().as_bytes()).0, 200);
    }
    let events = relay.events();
    assert_eq!(events.len(), 3, "the messages are kept");
    for (_, e) in &events {
        let att = &e["attachments"][0];
        assert!(att.get("url").is_none(), "url must be stripped: {e}");
    }
    assert_eq!(
        events[0].1["attachments"][0]["media_id"], "1600000000000001",
        "media id stays"
    );
    let kinds: Vec<String> = relay
        .security_events()
        .into_iter()
        .map(|(t, _)| t)
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| *k == "MEDIA_URL_BLOCKED").count(),
        2,
        "{kinds:?}"
    );
    assert_eq!(
        kinds.iter().filter(|k| *k == "AUDIO_URL_BLOCKED").count(),
        1,
        "{kinds:?}"
    );
}

fn own_fixture(name: &str) -> Vec<u8> {
    let p = format!("{}/fixtures/meta/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&p).unwrap_or_else(|e| panic!("cannot read {p}: {e}"))
}

/// Issue 19: odd-but-real bodies (our fixtures, from Meta's documented shapes) each keep their
/// one customer message, Meta's retry of each is a duplicate, nothing is refused as invalid,
/// and the oddities are counted.
#[test]
fn a_customer_message_with_an_odd_field_is_kept_once_and_counted() {
    let relay = Relay::start(&[]);
    relay.route_fixture_accounts();
    let cases = [
        ("msg_postback_without_mid.json", "7012345678901299"),
        ("msg_iso_timestamp.json", "7012345678901298"),
        ("msg_user_ref.json", "user_ref:chat-plugin-visitor-5f2c"),
        ("wa_iso_timestamp.json", "213661009001"),
    ];
    for (name, customer) in cases {
        let before = relay.events().len();
        let posted_at = chrono::Utc::now();
        for attempt in 0..2 {
            let (status, _) = relay.post_signed(&own_fixture(name));
            assert_eq!(status, 200, "{name}, attempt {attempt}");
        }
        let stored: Vec<(String, Value)> = relay.events().split_off(before);
        assert_eq!(stored.len(), 1, "{name}: kept once, {stored:#?}");
        assert_eq!(field(&stored[0].1, "user_id").as_deref(), Some(customer));
        let at = instant(&field(&stored[0].1, "timestamp").unwrap());
        if name.contains("iso") {
            assert!(
                (at - posted_at).num_seconds().abs() < 60,
                "{name}: the time received, got {at}"
            );
        }
    }
    assert!(
        relay.security_events().is_empty(),
        "nothing refused: {:?}",
        relay.security_events()
    );
    let m = relay.metrics();
    for (provider, n) in [("msg", 4), ("wa", 2)] {
        let line = format!(
            "resto_webhook_odd_items_total{{provider=\"{provider}\",fate=\"kept_odd\"}} {n}"
        );
        assert!(m.contains(&line), "{line} in\n{m}");
    }
}
