//! A whole restaurant for console and trust tests: the Graph stand-in, a relay routing
//! WhatsApp to the edge, the demo menu, an owner and a staff account, and customers who
//! write through signed webhooks.

use crate::console::{add_staff, import_menu};
use crate::fake_graph::FakeGraph;
use crate::{wait_until, Edge, Relay};

/// The WhatsApp phone number id the shop's route answers for.
pub const SHOP_PHONE: &str = "109876543210987";

/// Owner `karim` (password `owner-secret-1`) and staff `amina` (PIN `4821`) exist.
pub struct Shop {
    pub graph: FakeGraph,
    pub relay: Relay,
    pub edge: Edge,
    wamid: u32,
}

/// The bodies Graph was asked to send to `to`, as JSON text.
pub fn sent_to(graph: &FakeGraph, to: &str) -> Vec<String> {
    graph
        .received()
        .iter()
        .filter(|r| r.body["to"] == to)
        .map(|r| r.body.to_string())
        .collect()
}

/// The texts (plain or interactive bodies) Graph was asked to send, to `to` or to anyone.
pub fn texts_sent(graph: &FakeGraph, to: Option<&str>) -> Vec<String> {
    graph
        .received()
        .iter()
        .filter(|r| to.is_none_or(|to| r.body["to"] == to))
        .map(|r| {
            let b = &r.body;
            b["text"]["body"]
                .as_str()
                .or_else(|| b["interactive"]["body"]["text"].as_str())
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

impl Shop {
    pub fn open() -> Shop {
        let graph = FakeGraph::start();
        // Media download URLs point back at the stand-in on 127.0.0.1 (test-only host).
        let media_host = graph.base.trim_start_matches("http://").to_string();
        let relay = Relay::start(&[
            ("META_GRAPH_URL", &graph.graph_url()),
            ("RELAY_MEDIA_HOSTS", &media_host),
        ]);
        let (node, secret) = relay.enroll_node("pizzeria");
        relay.add_route_with_token("wa", SHOP_PHONE, &node, "EAAG-fake-token");
        let edge = Edge::enroll_and_start(&relay.url(""), &node, &secret);
        import_menu(&edge);
        add_staff(&edge, "karim", "owner", "owner-secret-1");
        add_staff(&edge, "amina", "staff", "4821");
        Shop {
            graph,
            relay,
            edge,
            wamid: 0,
        }
    }

    /// Everything Graph was asked to send to `to`, as JSON text.
    pub fn replies_to(&self, to: &str) -> Vec<String> {
        sent_to(&self.graph, to)
    }

    /// The texts (plain or interactive bodies) Graph was asked to send to `to`.
    pub fn texts_to(&self, to: &str) -> Vec<String> {
        texts_sent(&self.graph, Some(to))
    }

    /// The customer `from` (profile name `name`) writes `text`; returns once the edge has
    /// stored it and `replies` answers to them in all reached Graph (0: do not wait for any).
    pub fn customer_says(&mut self, from: &str, name: &str, text: &str, replies: usize) {
        let wamid = self.post_message(
            from,
            name,
            serde_json::json!({"type": "text", "text": {"body": text}}),
        );
        wait_until(60, &format!("{text:?} was handled"), || {
            self.edge.count(&format!(
                "SELECT count(*) FROM inbound_messages WHERE msg_id = '{wamid}'"
            )) == 1
                && self.texts_to(from).len() >= replies
        });
    }

    /// The customer sends a WhatsApp voice note as Meta does: a media id only (the bytes are
    /// on the Graph stand-in's shelf under that id). Returns the message id.
    pub fn customer_sends_voice_note(&mut self, from: &str, name: &str, media_id: &str) -> String {
        self.post_message(
            from,
            name,
            serde_json::json!({"type": "audio",
                "audio": {"id": media_id, "mime_type": "audio/ogg; codecs=opus", "voice": true}}),
        )
    }

    /// Posts one signed WhatsApp webhook from `from` carrying `content` (the message's `type`
    /// and its body, as Meta nests them); returns the message id.
    fn post_message(&mut self, from: &str, name: &str, content: serde_json::Value) -> String {
        self.wamid += 1;
        let wamid = format!("wamid.shop.{from}.{}", self.wamid);
        let mut message = serde_json::json!({"from": from, "id": wamid, "timestamp": crate::meta_timestamp_now()});
        if let (Some(m), Some(c)) = (message.as_object_mut(), content.as_object()) {
            m.extend(c.clone());
        }
        let body = serde_json::json!({
            "object": "whatsapp_business_account",
            "entry": [{"id": "104857600012345", "changes": [{"field": "messages", "value": {
                "messaging_product": "whatsapp",
                "metadata": {"display_phone_number": "213555010000", "phone_number_id": SHOP_PHONE},
                "contacts": [{"profile": {"name": name}, "wa_id": from}],
                "messages": [message]
            }}]}]
        });
        let (status, _) = self
            .relay
            .post_signed(serde_json::to_vec(&body).expect("json").as_slice());
        assert_eq!(status, 200);
        wamid
    }

    pub fn wait_for_text_to(&self, to: &str, what: &str, needle: &str) {
        wait_until(60, what, || {
            self.texts_to(to).iter().any(|t| t.contains(needle))
        });
    }

    /// A whole cash-on-delivery order over WhatsApp in French; returns the order's id.
    pub fn whatsapp_order(&mut self, from: &str, name: &str) -> i64 {
        let before = self.edge.count("SELECT count(*) FROM orders");
        for line in [
            "Bonjour",
            "2 tacos",
            "commander",
            "livraison",
            "Bab Ezzouar",
            "12 rue des Frères Bouadou, bâtiment B",
            "espèces",
            "oui",
        ] {
            let answered = self.texts_to(from).len();
            self.customer_says(from, name, line, answered + 1);
        }
        wait_until(60, "the order was placed", || {
            self.edge.count("SELECT count(*) FROM orders") == before + 1
        });
        self.edge.count("SELECT max(id) FROM orders")
    }
}
