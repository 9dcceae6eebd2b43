//! The edge's apply path with the conversation plugged in, on a real SQLite file: every Meta
//! fixture (parsed by the relay's own parser) gets a sensible reply, taps advance the flow, and
//! an order, its replies and the applied event commit together or not at all.

use resto_e2e::{meta_fixtures, temp_dir};
use resto_edge::app::apply_events::{apply_batch, cursor};
use resto_relay::meta::parse::parse_meta_webhook;
use resto_sync::outbound::{OutgoingMessage, SendMessage};
use resto_sync::{Event, EventKind, InboundMessage, MessageKind};
use rusqlite::Connection;

/// When these tests' bodies were "received" (used only for unreadable timestamps).
const RECEIVED: &str = "2026-12-05T10:00:00Z";

/// Monday 2026-11-23, 12:00 in Algiers: the demo restaurant is open.
fn noon() -> chrono::DateTime<chrono::Utc> {
    "2026-11-23T11:00:00Z".parse().unwrap()
}

fn edge_db() -> Connection {
    let dir = temp_dir("edge-conv");
    let mut c = resto_edge::store::open(&dir.join("edge.db")).unwrap();
    let bytes = std::fs::read(meta_fixtures().join("../menus/demo_menu.json")).unwrap();
    resto_edge::store::menu::import_json(&mut c, &bytes, "2026-11-23T10:00:00.000Z").unwrap();
    c
}

struct Feed {
    seq: u64,
}

impl Feed {
    fn event(&mut self, msg: &InboundMessage) -> Event {
        self.seq += 1;
        Event {
            seq: self.seq,
            id: format!("evt_{}", self.seq),
            kind: EventKind::InboundMessage,
            received_at: "2026-11-23T11:00:00.000Z".into(),
            payload: serde_json::to_value(msg).unwrap(),
            away_notice: false,
        }
    }
    fn apply(&mut self, c: &mut Connection, msgs: &[InboundMessage]) {
        let events: Vec<Event> = msgs.iter().map(|m| self.event(m)).collect();
        apply_batch(c, &events, self.seq, noon()).unwrap();
    }
}

/// Replies queued for one customer message, oldest first.
fn replies_to(c: &Connection, msg_id: &str) -> Vec<SendMessage> {
    let mut st = c
        .prepare("SELECT payload FROM outbox WHERE kind = 'send_message' ORDER BY seq")
        .unwrap();
    st.query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|p| {
            SendMessage::from_payload(&serde_json::from_str(&p.unwrap()).unwrap())
                .expect("a valid send_message")
        })
        .filter(|m| m.correlation_id.as_deref() == Some(msg_id))
        .collect()
}

fn text_of(m: &SendMessage) -> String {
    match &m.message {
        OutgoingMessage::Text { text }
        | OutgoingMessage::Buttons { text, .. }
        | OutgoingMessage::List { text, .. } => text.clone(),
        OutgoingMessage::Template { name, .. } => name.clone(),
    }
}

fn count(c: &Connection, sql: &str) -> i64 {
    c.query_row(sql, [], |r| r.get(0)).unwrap()
}

fn fixture_messages(name: &str) -> Vec<InboundMessage> {
    let body = std::fs::read(meta_fixtures().join(name)).unwrap();
    parse_meta_webhook(&body, RECEIVED).unwrap().messages
}

fn text_msg(like: &InboundMessage, id: &str, text: &str) -> InboundMessage {
    InboundMessage {
        msg_id: id.into(),
        kind: MessageKind::Text,
        text: Some(text.into()),
        payload: None,
        location: None,
        attachments: vec![],
        order_items: vec![],
        reply_to: None,
        ..like.clone()
    }
}

#[test]
fn every_fixture_message_gets_a_sensible_reply_to_the_right_customer() {
    let mut c = edge_db();
    let mut feed = Feed { seq: 0 };
    let mut files: Vec<String> = std::fs::read_dir(meta_fixtures())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".json") && n != "signature_vectors.json")
        .collect();
    files.sort();
    let mut answered = 0;
    let mut first_lang = std::collections::HashMap::new();
    for f in &files {
        for m in fixture_messages(f) {
            feed.apply(&mut c, std::slice::from_ref(&m));
            let replies = replies_to(&c, &m.msg_id);
            assert!(
                !replies.is_empty(),
                "{f}: no reply to {:?} {:?}",
                m.kind,
                m.text
            );
            for r in &replies {
                assert_eq!(
                    (r.provider, r.account_id.as_str(), r.to.as_str()),
                    (m.provider, m.account_id.as_str(), m.user_id.as_str()),
                    "{f}"
                );
            }
            let all: String = replies.iter().map(text_of).collect::<Vec<_>>().join("\n");
            let arabic = all.chars().any(resto_edge::domain::text::is_arabic_letter);
            // The language sticks to the customer: the first message with letters decides.
            let key = (m.provider, m.user_id.clone());
            if let Some(t) = m
                .text
                .as_deref()
                .filter(|t| t.chars().any(char::is_alphabetic))
            {
                first_lang
                    .entry(key.clone())
                    .or_insert(t.chars().any(resto_edge::domain::text::is_arabic_letter));
            }
            let expect_arabic = first_lang.get(&key).copied().unwrap_or(false);
            assert_eq!(
                arabic, expect_arabic,
                "{f}: reply language for {:?}: {all}",
                m.text
            );
            answered += 1;
        }
    }
    assert!(answered >= 20, "only {answered} fixture messages answered");

    // A few replies checked for what they say.
    let say =
        |file: &str, idx: usize| text_of(&replies_to(&c, &fixture_messages(file)[idx].msg_id)[0]);
    assert!(
        say("wa_text.json", 0).contains("Pizza Margherita : quelle taille"),
        "pizza without size asks the size"
    );
    assert!(say("wa_audio.json", 0).contains("va écouter votre message vocal"));
    assert!(
        say("wa_order.json", 0).contains("DRK-COCA-33"),
        "unknown catalogue product is named"
    );
    assert!(say("ig_postback.json", 0).contains("Choisissez une catégorie"));
    // (This Messenger customer wrote Arabic first, so the list is in Arabic; the rows tell.)
    let rows = match &replies_to(&c, &fixture_messages("msg_quick_reply.json")[0].msg_id)[0].message
    {
        OutgoingMessage::List { sections, .. } => sections
            .iter()
            .flat_map(|s| s.rows.iter().map(|r| r.id.clone()))
            .collect(),
        _ => Vec::new(),
    };
    assert!(
        rows.contains(&"item:PZ-MARG".to_string()),
        "the Pizzas quick reply lists the pizzas: {rows:?}"
    );
    assert!(
        say("wa_multi_entry_batch.json", 1).contains("بيتزا"),
        "Arabic order for pizzas lists them in Arabic"
    );
    // Statuses are stored, not answered.
    let statuses: i64 = c
        .query_row("SELECT count(*) FROM message_statuses", [], |r| r.get(0))
        .unwrap_or(0);
    assert_eq!(
        statuses, 0,
        "statuses are events of their own, never inbound messages"
    );
    let kept: i64 = c
        .query_row(
            "SELECT count(*) FROM inbound_messages WHERE kind IN ('audio', 'image', 'unsupported')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(kept >= 4, "non-text messages are kept for the console");
}

#[test]
fn tapped_buttons_from_the_fixtures_advance_the_conversation_to_an_order() {
    let mut c = edge_db();
    let mut feed = Feed { seq: 0 };
    let tap = fixture_messages("wa_interactive_button_reply.json").remove(0);
    let steps = ["2 tacos", "commander", "à emporter", "espèces"];
    let msgs: Vec<InboundMessage> = steps
        .iter()
        .enumerate()
        .map(|(i, t)| text_msg(&tap, &format!("wamid.pre.{i}"), t))
        .collect();
    feed.apply(&mut c, &msgs);
    let stage: String = c
        .query_row("SELECT stage FROM conversations", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stage, "confirming");

    feed.apply(&mut c, std::slice::from_ref(&tap));
    let (number, status, total, fulfilment, pay): (String, String, i64, String, String) = c
        .query_row(
            "SELECT number, status, total, fulfilment, payment_method FROM orders",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .unwrap();
    assert_eq!(
        (
            number.as_str(),
            status.as_str(),
            total,
            fulfilment.as_str(),
            pay.as_str()
        ),
        ("A-001", "new", 1300, "pickup", "cod")
    );
    let items: i64 = c
        .query_row(
            "SELECT sum(quantity) FROM order_items WHERE sku = 'TC-POULET'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(items, 2);
    assert!(text_of(&replies_to(&c, &tap.msg_id)[0]).contains("Commande A-001 enregistrée"));

    // The list-row fixture (another customer) picks the margherita and is asked its size.
    let row = fixture_messages("wa_interactive_list_reply.json").remove(0);
    feed.apply(&mut c, std::slice::from_ref(&row));
    let stage: String = c
        .query_row("SELECT c.stage FROM conversations c JOIN customers u ON u.id = c.customer_id WHERE u.user_id = ?1", [&row.user_id], |r| r.get(0))
        .unwrap();
    assert_eq!(stage, "choosing_option");
}

#[test]
fn an_order_its_replies_and_the_applied_event_commit_together_or_not_at_all() {
    let mut c = edge_db();
    let mut feed = Feed { seq: 0 };
    let base = fixture_messages("wa_text.json").remove(0);
    let msgs: Vec<InboundMessage> = ["2 tacos", "commander", "à emporter", "espèces"]
        .iter()
        .enumerate()
        .map(|(i, t)| text_msg(&base, &format!("wamid.a.{i}"), t))
        .collect();
    feed.apply(&mut c, &msgs);
    let before_cursor = cursor(&c).unwrap();
    let outbox_before: i64 = c
        .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))
        .unwrap();

    // The disk "fills" exactly when the confirmation's replies are written.
    c.execute_batch("CREATE TEMP TRIGGER full_disk BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;")
        .unwrap();
    let yes = text_msg(&base, "wamid.a.yes", "oui");
    let ev = feed.event(&yes);
    assert!(apply_batch(&mut c, std::slice::from_ref(&ev), ev.seq, noon()).is_err());
    assert_eq!(
        count(&c, "SELECT count(*) FROM orders"),
        0,
        "no order without its confirmation message"
    );
    assert_eq!(
        count(
            &c,
            "SELECT count(*) FROM applied_events WHERE event_id = 'evt_5'"
        ),
        0
    );
    assert_eq!(count(&c, "SELECT count(*) FROM outbox"), outbox_before);
    assert_eq!(
        cursor(&c).unwrap(),
        before_cursor,
        "the event will be fetched again"
    );
    let stage: String = c
        .query_row("SELECT stage FROM conversations", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stage, "confirming", "the conversation did not move either");

    // Space is back; the relay resends the same event: one order, one confirmation.
    c.execute_batch("DROP TRIGGER full_disk").unwrap();
    apply_batch(&mut c, std::slice::from_ref(&ev), ev.seq, noon()).unwrap();
    apply_batch(&mut c, std::slice::from_ref(&ev), ev.seq, noon()).unwrap();
    // The relay re-ingested the same WhatsApp message under a new event id: not answered twice.
    let again = feed.event(&yes);
    apply_batch(&mut c, &[again], feed.seq, noon()).unwrap();
    assert_eq!(count(&c, "SELECT count(*) FROM orders"), 1);
    assert_eq!(replies_to(&c, "wamid.a.yes").len(), 1);
}
