//! v1 relay ⇄ edge wire types (DESIGN §3).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What an event in a node's log carries. Stored as text with a CHECK constraint on the relay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    InboundMessage,
    MessageStatus,
    PaymentUpdate,
    ConfigUpdate,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::InboundMessage => "inbound_message",
            EventKind::MessageStatus => "message_status",
            EventKind::PaymentUpdate => "payment_update",
            EventKind::ConfigUpdate => "config_update",
        }
    }

    pub fn parse(s: &str) -> Option<EventKind> {
        match s {
            "inbound_message" => Some(EventKind::InboundMessage),
            "message_status" => Some(EventKind::MessageStatus),
            "payment_update" => Some(EventKind::PaymentUpdate),
            "config_update" => Some(EventKind::ConfigUpdate),
            _ => None,
        }
    }
}

/// One entry of a node's event log as `GET /v1/sync/events` returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub seq: u64,
    pub id: String,
    pub kind: EventKind,
    pub received_at: String,
    pub payload: Value,
    /// `inbound_message` only: while this node was away, the relay told the customer that
    /// their message is saved and will be answered when the restaurant is back — with this
    /// message or an earlier one of the same outage (docs/protocol.md § Away notices). Absent
    /// (false) otherwise, so v1 peers that do not know the field read the same events.
    #[serde(default, skip_serializing_if = "is_false")]
    pub away_notice: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// The answer of `GET /v1/sync/events`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventsPage {
    pub events: Vec<Event>,
    pub next_after: u64,
}
