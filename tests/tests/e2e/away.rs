//! Never silence while the device is away (issue 15): with the edge stopped, a customer who
//! writes gets exactly one "saved, we'll answer when the restaurant is back" reply from the
//! relay, in their language; when the edge comes back it gets the messages flagged, shows
//! how many customers were told, and the order flow carries on as usual.

use resto_e2e::browser::Browser;
use resto_e2e::fake_graph::FakeGraph;
use resto_e2e::shop::texts_sent;
use resto_e2e::{wa_texts, wait_until, Edge, Relay};

const PHONE: &str = "109876543210987";
const YACINE: &str = "213555010101";
const SAMIRA: &str = "213555020202";
/// Words of the default notices (`[away] text_fr` / `text_ar`).
const FR_NOTICE: &str = "votre message est bien enregistré";
const AR_NOTICE: &str = "رسالتك محفوظة";
/// The relay calls a node away after 4 s without a poll; the edge polls every second, so a
/// running edge is never seen away.
const AWAY_AFTER_SECS: &str = "4";

fn notices_to(graph: &FakeGraph, to: &str, words: &str) -> usize {
    texts_sent(graph, Some(to))
        .iter()
        .filter(|t| t.contains(words))
        .count()
}

fn status(edge: &Edge) -> serde_json::Value {
    let out = edge.cli(&["status"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("status is JSON")
}

/// One customer line at a time, as a person types: waits for the bot's answer.
fn say(relay: &Relay, graph: &FakeGraph, edge: &Edge, from: &str, id: usize, text: &str) {
    let before = texts_sent(graph, Some(from)).len();
    let (s, _) = relay.post_signed(&wa_texts(PHONE, from, id, &[text]));
    assert_eq!(s, 200);
    wait_until(30, &format!("the bot answered {text:?}"), || {
        edge.count(&format!(
            "SELECT count(*) FROM inbound_messages WHERE msg_id = 'wamid.{from}.{id}'"
        )) == 1
            && texts_sent(graph, Some(from)).len() > before
    });
}

#[test]
fn customers_writing_while_the_edge_is_stopped_are_told_once_and_the_order_flow_resumes() {
    let graph = FakeGraph::start();
    let relay = Relay::start(&[
        ("META_GRAPH_URL", &graph.graph_url()),
        ("RELAY_AWAY_AFTER_SECS", AWAY_AFTER_SECS),
    ]);
    let (node, secret) = relay.enroll_node("pizzeria");
    relay.add_route_with_token("wa", PHONE, &node, "EAAG-fake-token");
    let mut edge = Edge::enroll_and_start_with(
        &relay.url(""),
        &node,
        &secret,
        &[("EDGE_POLL_WAIT_SECS", "1")],
    );
    edge.import_menu();

    // Online: the bot answers, the relay says nothing of its own.
    say(&relay, &graph, &edge, YACINE, 0, "Bonjour");
    assert_eq!(notices_to(&graph, YACINE, FR_NOTICE), 0);

    edge.stop();
    let last_seen = format!("resto_node_last_seen_age_seconds{{node=\"{node}\"}}");
    wait_until(60, "the relay has not heard from the node for 4 s", || {
        relay.metric(&last_seen).is_some_and(|age| age > 4.5)
    });

    // Away: Yacine writes in French and is told once; his second message gets nothing more.
    let (s, _) = relay.post_signed(&wa_texts(PHONE, YACINE, 1, &["Bonsoir"]));
    assert_eq!(s, 200);
    wait_until(30, "Yacine is told his message is saved", || {
        notices_to(&graph, YACINE, FR_NOTICE) == 1
    });
    let (s, _) = relay.post_signed(&wa_texts(PHONE, YACINE, 2, &["le menu svp"]));
    assert_eq!(s, 200);
    // Decided in the transaction that stored the message, so settled by the 200.
    assert_eq!(
        relay.count("SELECT count(*) FROM outbox_items WHERE id LIKE 'away-%'"),
        1,
        "one notice per customer per outage"
    );
    // Samira writes in Arabic and is told in Arabic.
    let (s, _) = relay.post_signed(&wa_texts(PHONE, SAMIRA, 1, &["السلام عليكم، نحب نطلب"]));
    assert_eq!(s, 200);
    wait_until(30, "Samira is told in Arabic", || {
        notices_to(&graph, SAMIRA, AR_NOTICE) == 1
    });
    assert_eq!(notices_to(&graph, SAMIRA, FR_NOTICE), 0);
    assert_eq!(
        notices_to(&graph, YACINE, FR_NOTICE),
        1,
        "still one for Yacine"
    );
    assert_eq!(notices_to(&graph, YACINE, AR_NOTICE), 0);
    assert_eq!(
        relay.count("SELECT count(*) FROM events WHERE away_notice"),
        3,
        "every message of a told customer carries the flag"
    );
    assert_eq!(
        relay.metric("resto_away_messages_total{provider=\"wa\",outcome=\"notice_queued\"}"),
        Some(2.0)
    );
    assert_eq!(
        relay.metric("resto_away_messages_total{provider=\"wa\",outcome=\"already_told\"}"),
        Some(1.0)
    );

    // Back: the edge gets the messages, learns from the flag that two customers were told,
    // and shows it.
    edge.resume();
    wait_until(30, "the edge applied the messages of the outage", || {
        edge.count("SELECT count(*) FROM inbound_messages") == 4
    });
    assert_eq!(edge.count("SELECT count(*) FROM away_told"), 2);
    let st = status(&edge);
    assert_eq!(st["away_told_customers"], 2, "{st}");
    let board = reqwest::blocking::get(format!("http://{}/status", edge.console))
        .unwrap()
        .json::<serde_json::Value>()
        .unwrap();
    assert_eq!(board["away_told_customers"], 2, "{board}");
    console_shows_and_staff_acknowledge(&edge, "2 client(s)");
    wait_until(
        30,
        "the edge's answers to the waiting messages are sent",
        || {
            edge.count("SELECT count(*) FROM outbox") == 0
                && relay.count("SELECT count(*) FROM outbox_items WHERE state = 'queued'") == 0
        },
    );

    // The order flow carries on as usual, and nobody is told "away" again.
    let lines = [
        "2 tacos et une limonade",
        "commander",
        "à emporter",
        "espèces",
        "oui",
    ];
    for (i, line) in lines.iter().enumerate() {
        say(&relay, &graph, &edge, YACINE, 10 + i, line);
    }
    wait_until(30, "the order is confirmed", || {
        texts_sent(&graph, Some(YACINE))
            .iter()
            .any(|t| t.contains("Commande A-001 enregistrée"))
    });
    assert_eq!(notices_to(&graph, YACINE, FR_NOTICE), 1);
    assert_eq!(
        relay.count("SELECT count(*) FROM outbox_items WHERE id LIKE 'away-%'"),
        2
    );
    let (number, status): (String, String) = edge
        .db()
        .query_row("SELECT number, status FROM orders", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!((number.as_str(), status.as_str()), ("A-001", "new"));
}

#[test]
fn each_route_has_its_own_text_or_off_switch() {
    const QUIET: &str = "222222222222222";
    let dir = resto_e2e::temp_dir("away-config");
    let config = dir.join("relay.toml");
    std::fs::write(
        &config,
        format!(
            r#"
[away]
after_secs = 1

[[away.routes]]
provider = "wa"
account_id = "{PHONE}"
text_fr = "Pizzeria El Bahdja revient vite : message enregistré."

[[away.routes]]
provider = "wa"
account_id = "{QUIET}"
enabled = false
"#
        ),
    )
    .unwrap();
    let relay = Relay::start(&[("RELAY_CONFIG", config.to_str().unwrap())]);
    let (node, _secret) = relay.enroll_node("pizzeria");
    relay.add_route("wa", PHONE, &node);
    relay.add_route("wa", QUIET, &node);
    // The node never polls: it is away once it is older than a second.
    wait_until(30, "the node is more than a second old", || {
        let created = relay.scalar("SELECT created_at FROM nodes").unwrap();
        chrono::Utc::now() - resto_e2e::parse_db_time(&created)
            > chrono::Duration::milliseconds(1200)
    });
    let (s, _) = relay.post_signed(&wa_texts(QUIET, YACINE, 1, &["Bonjour"]));
    assert_eq!(s, 200);
    assert_eq!(
        relay.count("SELECT count(*) FROM outbox_items"),
        0,
        "route switched off"
    );
    assert_eq!(
        relay.count("SELECT count(*) FROM events WHERE away_notice"),
        0
    );
    let (s, _) = relay.post_signed(&wa_texts(PHONE, SAMIRA, 1, &["Bonsoir"]));
    assert_eq!(s, 200);
    let payload = relay
        .scalar("SELECT payload FROM outbox_items WHERE id LIKE 'away-%'")
        .expect("an away notice");
    let payload: serde_json::Value = serde_json::from_str(&payload).unwrap();
    assert_eq!(payload["to"], SAMIRA);
    assert_eq!(
        payload["message"]["text"],
        "Pizzeria El Bahdja revient vite : message enregistré."
    );
    assert_eq!(
        relay.count("SELECT count(*) FROM events WHERE away_notice"),
        1
    );
    std::fs::remove_dir_all(dir).ok();
}

/// The board's notice of the customers told during the outage, and its OK button.
fn console_shows_and_staff_acknowledge(edge: &Edge, count: &str) {
    resto_e2e::console::add_staff(edge, "amina", "staff", "4821");
    let mut b = Browser::launch();
    b.log_in(&edge.console, "amina", "4821");
    b.wait_for(
        "the notice of the customers told during the outage",
        "document.getElementById('away-told') !== null",
    );
    let text = b.text("#away-told");
    assert!(text.contains(count), "{text}");
    b.click("#away-told button");
    b.wait_for(
        "the notice gone once acknowledged",
        "document.getElementById('away-told') === null",
    );
    assert_eq!(edge.count("SELECT count(*) FROM away_told"), 0);
}
