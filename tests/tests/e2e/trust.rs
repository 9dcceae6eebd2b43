//! Trust and growth over the real path: signed WhatsApp webhooks → relay → edge → Graph
//! stand-in, with the real binaries. A flooding sender is quarantined on the edge (kept,
//! unanswered) and answered again after staff release it with the CLI; a burst is recorded
//! by the relay but every message is still delivered; FAQ questions in Darija and Arabic get
//! the owner's answers in the customer's language.

use resto_e2e::fake_graph::FakeGraph;
use resto_e2e::shop::sent_to;
use resto_e2e::{program, wa_texts, wait_until, Edge, Relay};
use std::process::Command;

const PHONE: &str = "109876543210987";

fn edge_cli(edge: &Edge, args: &[&str]) -> std::process::Output {
    Command::new(program("resto-edge"))
        .env("EDGE_DATA_DIR", &edge.dir)
        .args(args)
        .output()
        .unwrap()
}

fn setup() -> (FakeGraph, Relay, Edge) {
    let graph = FakeGraph::start();
    let relay = Relay::start(&[("META_GRAPH_URL", &graph.graph_url())]);
    let (node, secret) = relay.enroll_node("pizzeria");
    relay.add_route_with_token("wa", PHONE, &node, "EAAG-fake-token");
    let edge = Edge::enroll_and_start(&relay.url(""), &node, &secret);
    edge.import_menu();
    (graph, relay, edge)
}

#[test]
fn a_flooding_sender_is_quarantined_on_the_edge_and_answered_again_after_staff_release() {
    let (graph, relay, edge) = setup();
    let spam = "213661000001";
    for i in 0..5 {
        let (status, _) =
            relay.post_signed(&wa_texts(PHONE, spam, i, &["GAGNEZ UN IPHONE GRATUIT ICI"]));
        assert_eq!(status, 200);
        wait_until(60, "the edge applied the message", || {
            edge.count(&format!(
                "SELECT count(*) FROM inbound_messages WHERE user_id = '{spam}'"
            )) == i as i64 + 1
        });
    }
    assert_eq!(
        edge.count(
            "SELECT count(*) FROM quarantines WHERE reason = 'flood' AND released_at IS NULL"
        ),
        1
    );
    assert_eq!(
        edge.count(&format!(
            "SELECT count(*) FROM outbox WHERE payload LIKE '%wamid.{spam}.4%'"
        )),
        0,
        "the fifth copy got no reply"
    );
    let listed = edge_cli(&edge, &["customer", "quarantined"]);
    let listed = String::from_utf8_lossy(&listed.stdout).to_string();
    assert!(
        listed.contains(spam) && listed.contains("flood"),
        "{listed}"
    );

    let out = edge_cli(
        &edge,
        &[
            "customer",
            "release",
            &format!("wa:{spam}"),
            "--by",
            "Karim",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let before = sent_to(&graph, spam).len();
    relay.post_signed(&wa_texts(PHONE, spam, 10, &["menu"]));
    wait_until(60, "the released customer is answered again", || {
        sent_to(&graph, spam).len() > before
    });
    assert_eq!(
        edge.count(
            "SELECT count(*) FROM security_events WHERE kind = 'released' AND reason = 'manual'"
        ),
        1
    );
}

#[test]
fn a_burst_is_recorded_by_the_relay_yet_every_message_reaches_the_edge_which_quarantines() {
    let (_graph, relay, edge) = setup();
    let bot = "213661000002";
    let texts: Vec<String> = (0..31)
        .map(|i| format!("message automatique {i}"))
        .collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let (status, _) = relay.post_signed(&wa_texts(PHONE, bot, 0, &refs));
    assert_eq!(status, 200);
    assert!(relay.has_security_event("SENDER_RATE"));
    wait_until(60, "all 31 messages reached the edge", || {
        edge.count(&format!(
            "SELECT count(*) FROM inbound_messages WHERE user_id = '{bot}'"
        )) == 31
    });
    assert_eq!(
        edge.count("SELECT count(*) FROM quarantines WHERE reason = 'rate_minute'"),
        1
    );
    let funnel = relay.cli(&["funnel", "--json"]);
    let rows: serde_json::Value = serde_json::from_slice(&funnel.stdout).unwrap();
    assert_eq!(rows[0]["messages"], 31, "{rows}");
    assert_eq!(rows[0]["senders"], 1);
}

#[test]
fn faq_questions_in_darija_and_arabic_get_the_owners_answer_in_their_language() {
    let (graph, relay, _edge) = setup();
    relay.post_signed(&wa_texts(PHONE, "213661000003", 0, &["wa9tach t7elou?"]));
    relay.post_signed(&wa_texts(PHONE, "213661000004", 0, &["توصلو لوهران؟"]));
    wait_until(60, "the Darija question got the French FAQ answer", || {
        sent_to(&graph, "213661000003")
            .iter()
            .any(|b| b.contains("Nous sommes ouverts de 11h"))
    });
    wait_until(60, "the Arabic question got the Arabic FAQ answer", || {
        sent_to(&graph, "213661000004")
            .iter()
            .any(|b| b.contains("نوصل فقط داخل ولاية الجزائر"))
    });
}

#[test]
fn a_qr_code_made_with_the_cli_attributes_its_scans_in_the_funnel_csv_and_chart() {
    let (graph, relay, edge) = setup();
    for (out, extra) in [
        ("table.svg", &[][..]),
        ("table.png", &[][..]),
        ("card.html", &["--card"][..]),
    ] {
        let path = edge.dir.join(out);
        let mut args = vec![
            "qr",
            "--channel",
            "wa",
            "--text",
            "MENU table",
            "--label",
            "table",
            "--out",
            path.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let o = edge_cli(&edge, &args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(String::from_utf8_lossy(&o.stdout)
            .contains("https://wa.me/213550000000?text=MENU%20table"));
    }
    assert!(std::fs::read_to_string(edge.dir.join("table.svg"))
        .unwrap()
        .contains("<svg"));
    assert!(std::fs::read(edge.dir.join("table.png"))
        .unwrap()
        .starts_with(b"\x89PNG"));
    let card = std::fs::read_to_string(edge.dir.join("card.html")).unwrap();
    assert!(card.contains("wa.me/213550000000?text=MENU%20table") && card.contains("<svg"));

    // A customer scans the table card: WhatsApp opens with the prefilled text.
    relay.post_signed(&wa_texts(PHONE, "213661000005", 0, &["MENU table"]));
    wait_until(60, "the scan was answered", || {
        !sent_to(&graph, "213661000005").is_empty()
    });
    // Someone else just writes.
    relay.post_signed(&wa_texts(PHONE, "213661000006", 0, &["salam"]));
    wait_until(60, "the other customer was answered", || {
        !sent_to(&graph, "213661000006").is_empty()
    });

    let svg = edge.dir.join("funnel.svg");
    let o = edge_cli(&edge, &["funnel", "--csv", "--svg", svg.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let csv = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        csv.starts_with("day,channel,source,step,count,conversion_pct"),
        "{csv}"
    );
    assert!(
        csv.lines()
            .any(|l| l.contains(",wa,qr:table,conversation_started,1,100.0")),
        "{csv}"
    );
    assert!(
        csv.lines()
            .any(|l| l.contains(",wa,qr:table,menu_viewed,1,100.0")),
        "{csv}"
    );
    assert!(
        csv.lines()
            .any(|l| l.contains(",wa,organic,conversation_started,1,100.0")),
        "{csv}"
    );
    assert!(std::fs::read_to_string(&svg)
        .unwrap()
        .contains("data-step=\"conversation_started\" data-count=\"2\""));
}
