//! Meta's odd-but-real webhooks through the real relay and edge (issue 19): a customer's edit
//! and unsend change the line staff see without a reply, a chat-plugin visitor known only by
//! `user_ref` is answered by it, and a WhatsApp number change moves the customer.

use resto_e2e::console::ConsoleClient;
use resto_e2e::fake_graph::FakeGraph;
use resto_e2e::{fixture, wa_texts, wait_until, Edge, Relay};

fn own_fixture(name: &str) -> Vec<u8> {
    let p = format!("{}/fixtures/meta/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&p).unwrap_or_else(|e| panic!("cannot read {p}: {e}"))
}

struct Setup {
    graph: FakeGraph,
    relay: Relay,
    edge: Edge,
}

/// A relay routing the shared fixtures' WhatsApp, Instagram and Messenger accounts (with
/// tokens, so replies reach the Graph stand-in) to one edge with the demo menu.
fn setup() -> Setup {
    let graph = FakeGraph::start();
    let relay = Relay::start(&[("META_GRAPH_URL", &graph.graph_url())]);
    let (node, secret) = relay.enroll_node("conformance");
    for (provider, account) in [
        ("wa", "109876543210987"),
        ("ig", "17841400000000001"),
        ("msg", "107654321098765"),
    ] {
        relay.add_route_with_token(provider, account, &node, "EAAG-fake-token");
    }
    let edge = Edge::enroll_and_start(&relay.url(""), &node, &secret);
    edge.import_menu();
    Setup { graph, relay, edge }
}

impl Setup {
    /// Posts a body as Meta would and waits until the edge has applied `msg_id`.
    fn deliver(&self, body: &[u8], msg_id: &str) {
        assert_eq!(self.relay.post_signed(body).0, 200);
        wait_until(60, &format!("{msg_id} reached the edge"), || {
            self.edge.count(&format!(
                "SELECT count(*) FROM inbound_messages WHERE msg_id = '{msg_id}'"
            )) == 1
        });
    }

    /// Replies the edge wrote (its transcript lines out are written in the same transaction
    /// as the message they answer; its outbox is emptied once the relay has them).
    fn queued_replies(&self) -> i64 {
        self.edge
            .count("SELECT count(*) FROM transcript WHERE direction = 'out'")
    }

    fn line(&self, msg_id: &str, col: &str) -> i64 {
        self.edge.count(&format!(
            "SELECT count(*) FROM transcript WHERE msg_id = '{msg_id}' AND {col}"
        ))
    }
}

#[test]
fn an_edit_and_an_unsend_change_the_line_staff_see_and_are_not_answered() {
    let s = setup();
    let ig_mid = "aWdfaXRlbToxOklHTWVzc2FnZToxNzg0MTQwMDAwMDAwMDAwMTozNDAyODIzNjY4NDE3MTAzMDA5NDkxMjgwMDAwMDAwMDAwMDAwMDE";
    s.deliver(&fixture("ig_text.json"), ig_mid);
    let answered = s.queued_replies();
    assert!(answered > 0, "the customer's message is answered");
    s.deliver(
        &own_fixture("ig_message_edit.json"),
        &format!("{ig_mid}#edit1"),
    );
    assert_eq!(
        s.line(
            ig_mid,
            "body = '2 tacos poulet svp' AND revision = 'edited'"
        ),
        1
    );
    assert_eq!(s.queued_replies(), answered, "the edit is not answered");

    let msg_mid = "m_ZmFrZS1tZXNzZW5nZXItbWlkLTAwMDAwMS10UTJNUi1hWTdJZkxaRGFtVnJBTG5paGVV";
    s.deliver(&fixture("msg_text.json"), msg_mid);
    let answered = s.queued_replies();
    s.deliver(
        &own_fixture("msg_unsend.json"),
        &format!("{msg_mid}#deleted"),
    );
    assert_eq!(s.line(msg_mid, "body IS NULL AND revision = 'deleted'"), 1);
    assert_eq!(s.queued_replies(), answered, "the unsend is not answered");
    assert_eq!(
        s.edge
            .count("SELECT count(*) FROM transcript WHERE direction = 'in'"),
        2,
        "no new lines: the two originals changed in place"
    );
}

#[test]
fn a_chat_plugin_visitor_is_answered_by_user_ref() {
    let s = setup();
    // Written now: the fixture's own date is long past Meta's 24-hour reply window.
    let mut body: serde_json::Value =
        serde_json::from_slice(&own_fixture("msg_user_ref.json")).unwrap();
    body["entry"][0]["messaging"][0]["timestamp"] =
        serde_json::json!(chrono::Utc::now().timestamp_millis());
    s.deliver(body.to_string().as_bytes(), "m_user-ref-0001");
    wait_until(60, "the visitor was answered", || {
        s.graph
            .received()
            .iter()
            .any(|r| r.body["recipient"]["user_ref"] == "chat-plugin-visitor-5f2c")
    });
    assert_eq!(
        s.edge.count(
            "SELECT count(*) FROM customers WHERE provider = 'msg' AND user_id = 'user_ref:chat-plugin-visitor-5f2c'"
        ),
        1
    );
}

#[test]
fn a_whatsapp_number_change_moves_the_customer_and_is_not_answered() {
    let s = setup();
    s.deliver(
        &own_fixture("wa_iso_timestamp.json"),
        "wamid.iso-timestamp-0001",
    );
    let answered = s.queued_replies();
    assert!(answered > 0);
    s.deliver(
        &own_fixture("wa_system_changed_number.json"),
        "wamid.system-changed-number-0001",
    );
    assert_eq!(
        s.edge.count(
            "SELECT count(*) FROM customers WHERE provider = 'wa' AND user_id = '213661009002' AND phone = '213661009002'"
        ),
        1,
        "the customer moved to the new number"
    );
    assert_eq!(
        s.edge
            .count("SELECT count(*) FROM customers WHERE user_id = '213661009001'"),
        0
    );
    assert_eq!(s.queued_replies(), answered, "Meta's note is not answered");
    assert_eq!(
        s.edge.count(
            "SELECT count(*) FROM transcript WHERE body LIKE '%changed from 213661009001 to 213661009002%'"
        ),
        1,
        "staff see Meta's note"
    );
}

/// A customer writes STOP: told in French what it means, shown to staff as opted out; START
/// reverses it. WhatsApp's own marketing stop is recorded without a word to the customer.
#[test]
fn stop_and_whatsapps_marketing_stop_are_honoured_and_shown_to_staff() {
    let s = setup();
    resto_e2e::console::add_staff(&s.edge, "karim", "owner", "owner-secret-1");
    let console = ConsoleClient::logged_in(&s.edge, "karim", "owner-secret-1");
    // `wa_texts` names its customers "Client": the only conversation here.
    let opted_out = || -> bool {
        let list = console.get("/api/conversations").body;
        list["conversations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "Client")
            .is_some_and(|c| c["opted_out"] == true)
    };
    let customer = "213661009003";
    s.deliver(
        &wa_texts("109876543210987", customer, 0, &["STOP"]),
        &format!("wamid.{customer}.0"),
    );
    wait_until(60, "the customer was told what STOP means", || {
        s.graph
            .received()
            .iter()
            .any(|r| r.to() == customer && r.text().contains("Écrivez START"))
    });
    assert!(opted_out(), "staff see the customer opted out");
    s.deliver(
        &wa_texts("109876543210987", customer, 1, &["start"]),
        &format!("wamid.{customer}.1"),
    );
    assert!(!opted_out(), "START reverses it");

    s.deliver(
        &own_fixture("wa_user_preferences_stop.json"),
        "pref.213661009001.1795199700.stop",
    );
    assert_eq!(
        s.edge.count(
            "SELECT count(*) FROM customers, json_each(customers.flags) \
             WHERE user_id = '213661009001' AND value = 'opted_out'"
        ),
        1
    );
    assert!(
        !s.graph.received().iter().any(|r| r.to() == "213661009001"),
        "WhatsApp already told them: no message from us"
    );
}

/// A WhatsApp body from `from` whose one text message Meta stamped `secs_ago` seconds ago.
fn wa_text_sent_ago(from: &str, id: &str, text: &str, secs_ago: u64) -> Vec<u8> {
    let ts = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        - secs_ago;
    serde_json::json!({"object": "whatsapp_business_account", "entry": [{"id": "104857600012345",
        "changes": [{"field": "messages", "value": {"messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "213550000000", "phone_number_id": "109876543210987"},
            "contacts": [{"profile": {"name": "Client"}, "wa_id": from}],
            "messages": [{"from": from, "id": id, "timestamp": ts.to_string(), "type": "text",
                "text": {"body": text}}]}}]}]})
    .to_string()
    .into_bytes()
}

/// More than 24 h after the customer's last message, a free-form message is held (never sent
/// for Meta to refuse) and staff see it was not delivered; once the operator configures the
/// route's template, the next notice goes as that template carrying the text.
#[test]
fn outside_the_24_hour_window_a_notice_is_held_and_shown_or_sent_as_the_template() {
    let s = setup();
    resto_e2e::console::add_staff(&s.edge, "karim", "owner", "owner-secret-1");
    let console = ConsoleClient::logged_in(&s.edge, "karim", "owner-secret-1");
    let customer = "213661009004";
    // Written two days ago, delivered only now (say, after a long outage on the way).
    s.deliver(
        &wa_text_sent_ago(customer, "wamid.late-1", "salam", 2 * 86_400),
        "wamid.late-1",
    );
    let id = s.edge.count(&format!(
        "SELECT id FROM customers WHERE user_id = '{customer}'"
    ));
    assert_eq!(
        console
            .post(
                &format!("/api/conversations/{id}/take-over"),
                serde_json::json!({})
            )
            .status,
        200
    );
    let reply = console.post(
        &format!("/api/conversations/{id}/reply"),
        serde_json::json!({"text": "Votre commande est prête, vous pouvez passer."}),
    );
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    wait_until(60, "staff see their reply was not delivered", || {
        let conv = console.get(&format!("/api/conversations/{id}")).body;
        conv["transcript"].as_array().unwrap().iter().any(|m| {
            m["body"] == "Votre commande est prête, vous pouvez passer."
                && m["undelivered"] == "outside_window"
        })
    });
    assert!(
        !s.graph.received().iter().any(|r| r.to() == customer),
        "nothing was sent for Meta to refuse"
    );
    assert_eq!(
        s.relay.count("SELECT count(*) FROM outbox_items WHERE state = 'dead' AND last_error LIKE '%route template%'"),
        s.relay.count("SELECT count(*) FROM outbox_items WHERE state = 'dead'"),
        "held with the fix in the dead-letter queue"
    );

    let out = s.relay.cli(&[
        "route",
        "template",
        "--provider",
        "wa",
        "--account",
        "109876543210987",
        "--name",
        "order_update",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    console.post(
        &format!("/api/conversations/{id}/reply"),
        serde_json::json!({"text": "Votre commande\nvous attend."}),
    );
    wait_until(60, "the notice went as the route's template", || {
        s.graph.received().iter().any(|r| {
            r.to() == customer
                && r.body["type"] == "template"
                && r.body["template"]["name"] == "order_update"
                && r.body["template"]["language"]["code"] == "fr"
                && r.body["template"]["components"][0]["parameters"][0]["text"]
                    == "Votre commande vous attend."
        })
    });
}

/// A WhatsApp text from a customer with BSUID `bsuid`, their phone given or withheld.
fn wa_text_with_bsuid(phone: Option<&str>, bsuid: &str, id: &str, text: &str) -> Vec<u8> {
    let ts = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let mut contact = serde_json::json!({"profile": {"name": "Yasmine", "username": "yasmine.dz"}, "user_id": bsuid});
    let mut message = serde_json::json!({"from_user_id": bsuid, "id": id, "timestamp": ts.to_string(),
        "type": "text", "text": {"body": text}});
    if let Some(p) = phone {
        contact["wa_id"] = serde_json::json!(p);
        message["from"] = serde_json::json!(p);
    }
    serde_json::json!({"object": "whatsapp_business_account", "entry": [{"id": "104857600012345",
        "changes": [{"field": "messages", "value": {"messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "213550000000", "phone_number_id": "109876543210987"},
            "contacts": [contact], "messages": [message]}}]}]})
    .to_string()
    .into_bytes()
}

/// A customer seen with phone and BSUID, then with the phone withheld (a username), is one
/// customer with one conversation, answered by BSUID (`recipient`) when there is no phone.
#[test]
fn a_customer_whose_phone_is_later_withheld_stays_one_customer_answered_by_bsuid() {
    let s = setup();
    let bsuid = "DZ.13650000000000777";
    s.deliver(
        &wa_text_with_bsuid(Some("213661009005"), bsuid, "wamid.bsuid-1", "salam"),
        "wamid.bsuid-1",
    );
    s.deliver(
        &wa_text_with_bsuid(None, bsuid, "wamid.bsuid-2", "menu"),
        "wamid.bsuid-2",
    );
    wait_until(60, "the phoneless message was answered by BSUID", || {
        s.graph
            .received()
            .iter()
            .any(|r| r.body["recipient"] == bsuid && r.body.get("to").is_none())
    });
    assert_eq!(
        s.edge.count(&format!(
            "SELECT count(*) FROM customers WHERE bsuid = '{bsuid}' AND phone = '213661009005'"
        )),
        1
    );
    assert_eq!(
        s.edge.count("SELECT count(*) FROM customers"),
        1,
        "one customer"
    );
    assert_eq!(s.edge.count("SELECT count(*) FROM conversations"), 1);
}
