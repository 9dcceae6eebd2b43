//! The real path: the harness's `resto-relay` and `resto-edge` processes, the customer's
//! messages and taps posted to the relay as signed Meta webhooks, the bot's replies read
//! from what the Graph stand-in was asked to send.

use super::bot::BotReply;
use super::corpus::MenuFacts;
use super::db::{self, PlacedOrder, StateView};
use super::decide::Move;
use super::run::Chat;
use crate::fake_graph::FakeGraph;
use crate::{wait_until, Edge, Relay};

/// The WhatsApp phone number id the shop's route answers for.
pub const SHOP_PHONE: &str = "109876543210987";

/// The Graph stand-in, a relay routing WhatsApp to an edge, the demo menu open all day.
pub struct RealShop {
    pub graph: FakeGraph,
    pub relay: Relay,
    pub edge: Edge,
}

impl RealShop {
    pub fn open() -> RealShop {
        let graph = FakeGraph::start();
        let relay = Relay::start(&[("META_GRAPH_URL", &graph.graph_url())]);
        let (node, secret) = relay.enroll_node("corpus");
        relay.add_route_with_token("wa", SHOP_PHONE, &node, "EAAG-fake-token");
        let edge = Edge::enroll_and_start(&relay.url(""), &node, &secret);
        crate::console::import_menu(&edge);
        // The simulated customers type faster than people (a whole order within seconds): the
        // owner's per-minute message limit would quarantine the slow conversations the bench
        // is there to measure.
        let out = edge.cli(&["trust", "set", "--per-minute", "120", "--per-hour", "1000"]);
        assert!(
            out.status.success(),
            "trust set: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        RealShop { graph, relay, edge }
    }

    pub fn chat<'a>(&'a self, user: &str, menu: &'a MenuFacts) -> RealChat<'a> {
        RealChat {
            shop: self,
            menu,
            user: user.to_string(),
            n: 0,
            read: 0,
        }
    }

    /// Graph bodies sent to `to`, oldest first.
    fn sent_to(&self, to: &str) -> Vec<serde_json::Value> {
        self.graph
            .received()
            .into_iter()
            .filter(|r| r.body["to"] == to)
            .map(|r| r.body)
            .collect()
    }
}

pub struct RealChat<'a> {
    shop: &'a RealShop,
    menu: &'a MenuFacts,
    user: String,
    n: u32,
    /// Graph messages to this customer already read.
    read: usize,
}

impl RealChat<'_> {
    /// Messages the edge has written for this customer so far (bot, staff or restaurant),
    /// committed with the customer's message that caused them.
    fn written(&self) -> usize {
        self.shop.edge.count(&format!(
            "SELECT count(*) FROM transcript t JOIN customers c ON c.id = t.customer_id
             WHERE c.provider = 'wa' AND c.user_id = '{}' AND t.direction = 'out'",
            self.user
        )) as usize
    }
}

impl RealChat<'_> {
    /// The bodies of the last `n` messages written to this customer, oldest first.
    fn written_bodies(&self, n: usize) -> Vec<String> {
        let db = self.shop.edge.db();
        let Ok(mut st) = db.prepare(
            "SELECT t.body FROM transcript t JOIN customers c ON c.id = t.customer_id
             WHERE c.provider = 'wa' AND c.user_id = ?1 AND t.direction = 'out'
             ORDER BY t.id DESC LIMIT ?2",
        ) else {
            return Vec::new();
        };
        let mut bodies: Vec<String> = st
            .query_map(rusqlite::params![self.user, n as i64], |r| {
                r.get::<_, Option<String>>(0)
            })
            .map(|rows| rows.filter_map(Result::ok).flatten().collect())
            .unwrap_or_default();
        bodies.reverse();
        bodies
    }
}

impl Chat for RealChat<'_> {
    fn send(&mut self, m: &Move) -> Vec<BotReply> {
        self.n += 1;
        let wamid = format!("wamid.corpus.{}.{}", self.user, self.n);
        let body = super::wa_webhook(SHOP_PHONE, &self.user, &wamid, m);
        let (status, answer) = self.shop.relay.post_signed(&body);
        assert_eq!(status, 200, "relay refused the webhook: {answer}");
        wait_until(60, &format!("the edge handled {wamid}"), || {
            self.shop.edge.count(&format!(
                "SELECT count(*) FROM inbound_messages WHERE msg_id = '{wamid}'"
            )) == 1
        });
        let expected = self.written();
        let mut sent = Vec::new();
        wait_until(
            60,
            &format!("Graph was asked to send the replies to {wamid}"),
            || {
                sent = self.shop.sent_to(&self.user);
                sent.len() >= expected
            },
        );
        let mut replies: Vec<BotReply> = sent[self.read.min(sent.len())..]
            .iter()
            .map(BotReply::from_graph)
            .collect();
        self.read = sent.len();
        // The relay sends a batch of outbox items concurrently, so the replies to one message
        // can reach Graph out of order; put them back in the order the bot wrote them (its
        // transcript), so the bench measures understanding rather than delivery order.
        let written = self.written_bodies(replies.len());
        replies.sort_by_key(|r| {
            written
                .iter()
                .position(|w| !r.text.is_empty() && w.starts_with(&r.text))
                .unwrap_or(usize::MAX)
        });
        replies
    }

    fn state(&self) -> Option<StateView> {
        db::state(&self.shop.edge.db(), &self.user)
    }

    fn placed(&self) -> Option<PlacedOrder> {
        db::placed(&self.shop.edge.db(), &self.user, self.menu)
    }
}
