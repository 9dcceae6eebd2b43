//! The ordering conversation, as a pure function: conversation state + message + menu +
//! clock → new state, replies (as facts, rendered per language by `say`) and effects the
//! caller applies in the same transaction (order created, order cancelled, human wanted).

mod flow;
pub use crate::domain::faq::FaqLookup;
pub mod say;
pub mod understand;

use crate::domain::lexicon::Lexicon;
use crate::domain::menu::{Lang, Menu, PaymentMethod};
use crate::domain::orders::OrderStatus;
use crate::domain::places::Places;
pub use crate::domain::register::Register;
use chrono::{DateTime, Utc};
use resto_sync::{InboundMessage, Location, MessageKind, OrderItem};
use serde::{Deserialize, Serialize};

pub use say::Say;
pub use understand::Catalog;

/// Everything the engine reads besides the conversation itself. No I/O behind any of it.
pub struct World<'a> {
    pub menu: &'a Menu,
    pub catalog: &'a Catalog,
    pub lexicon: &'a Lexicon,
    pub places: &'a Places,
    pub now: DateTime<Utc>,
    /// Minutes quoted for a pickup order.
    pub pickup_minutes: u32,
    /// The number the next order will get (the store allocates it; the engine quotes it).
    pub next_order_number: &'a str,
}

/// What the engine knows about the customer beyond this conversation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Customer {
    pub lang: Option<Lang>,
    pub lang_explicit: bool,
    pub latest_order: Option<OrderView>,
    /// The extra checkout step the customer's no-show record imposes (`trust::policy`).
    pub checkout_rule: crate::domain::trust_policy::CheckoutRule,
    /// The FAQ search for this message, done by the caller (SQLite FTS5, `crate::store::faq`).
    pub faq: FaqLookup,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderView {
    pub id: i64,
    pub number: String,
    pub status: OrderStatus,
    /// Restaurant-local "HH:MM".
    pub eta: Option<String>,
}

/// The parts of an inbound message the conversation uses.
#[derive(Debug, Clone, Copy)]
pub struct Incoming<'a> {
    pub kind: MessageKind,
    pub text: Option<&'a str>,
    pub payload: Option<&'a str>,
    pub location: Option<&'a Location>,
    pub order_items: &'a [OrderItem],
}

impl<'a> Incoming<'a> {
    pub fn from_message(m: &'a InboundMessage) -> Incoming<'a> {
        Incoming {
            kind: m.kind,
            text: m.text.as_deref(),
            payload: m.payload.as_deref(),
            location: m.location.as_ref(),
            order_items: &m.order_items,
        }
    }
    pub fn text(text: &'a str) -> Incoming<'a> {
        Incoming {
            kind: MessageKind::Text,
            text: Some(text),
            payload: None,
            location: None,
            order_items: &[],
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    #[default]
    Idle,
    Browsing,
    ChoosingOption,
    CartReview,
    Fulfilment,
    DeliveryPlace,
    DeliveryAddress,
    Payment,
    Confirming,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Idle => "idle",
            Stage::Browsing => "browsing",
            Stage::ChoosingOption => "choosing_option",
            Stage::CartReview => "cart_review",
            Stage::Fulfilment => "fulfilment",
            Stage::DeliveryPlace => "delivery_place",
            Stage::DeliveryAddress => "delivery_address",
            Stage::Payment => "payment",
            Stage::Confirming => "confirming",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartLine {
    pub sku: String,
    pub qty: u32,
    /// Chosen option choice ids, in the item's option order.
    #[serde(default)]
    pub choices: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum Fulfilment {
    Pickup,
    Delivery(DeliveryPlan),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveryPlan {
    pub wilaya_code: String,
    pub commune: Option<String>,
    pub fee: i64,
    pub eta_minutes: u32,
    pub address: Option<String>,
    pub pin: Option<(f64, f64)>,
}

/// An item waiting for an answer: a required option, or which item of a category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    pub sku: Option<String>,
    pub category: Option<String>,
    pub qty: u32,
    #[serde(default)]
    pub choices: Vec<(usize, String)>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    pub stage: Stage,
    pub cart: Vec<CartLine>,
    pub fulfilment: Option<Fulfilment>,
    pub payment: Option<PaymentMethod>,
    /// Ids of the options last offered, so "2" can answer a numbered list.
    pub offered: Vec<String>,
    #[serde(default)]
    pub pending: Vec<Pending>,
    /// Consecutive messages not understood.
    pub misunderstood: u8,
    /// A location pin sent before the commune was known: kept for the delivery plan.
    #[serde(default)]
    pub pin: Option<(f64, f64, Option<String>)>,
    /// The address looked too vague and a landmark was asked for once.
    #[serde(default)]
    pub landmark_asked: bool,
    /// The item last added, priced or changed: what "non, 3" or "mettez m'en 2" is about.
    #[serde(default)]
    pub focus: Option<String>,
    /// The last reply was the focus item's price.
    #[serde(default)]
    pub priced: bool,
    /// Pickup/delivery, commune and payment the customer gave before being asked.
    #[serde(default)]
    pub early: Early,
    /// The register the customer writes in (kept across orders; `None` before any words).
    #[serde(default)]
    pub register: Option<Register>,
}

/// Slots given before their question, used when it comes instead of asking again.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Early {
    #[serde(default)]
    pub pickup: bool,
    #[serde(default)]
    pub delivery: bool,
    /// Commune code (`dz_communes.json`).
    #[serde(default)]
    pub commune: Option<String>,
    #[serde(default)]
    pub payment: Option<PaymentMethod>,
}

/// An order the caller must create, priced from the menu at confirmation time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderDraft {
    pub lines: Vec<DraftLine>,
    pub subtotal: i64,
    pub delivery_fee: i64,
    pub total: i64,
    pub fulfilment: Fulfilment,
    pub payment: PaymentMethod,
    pub eta_minutes: u32,
    pub lang: Lang,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DraftLine {
    pub sku: String,
    pub name: String,
    pub qty: u32,
    pub unit_price: i64,
    pub options: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "effect", rename_all = "snake_case")]
pub enum Effect {
    PlaceOrder(OrderDraft),
    CancelOrder {
        order_id: i64,
    },
    RequestHuman,
    /// A message the bot cannot read (voice note, image…): flag it for staff.
    KeepForStaff,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub conv: Conversation,
    /// The language the replies are in.
    pub lang: Lang,
    /// The customer's language to remember: `None` while nothing told it (a voice note
    /// first is answered in the restaurant's default without deciding for later).
    pub remember_lang: Option<Lang>,
    pub lang_explicit: bool,
    pub says: Vec<Say>,
    pub effects: Vec<Effect>,
    /// Spans of the message the engine could not map to an item, an option, a place or an
    /// intent, as normalised text ("qar3a ma" → `["qar3a"]` if nothing knew it), for the
    /// owner's learning loop. Empty when the message was an answer taken whole (an address).
    pub unmapped: Vec<String>,
}

pub fn step(conv: &Conversation, customer: &Customer, msg: Incoming<'_>, w: &World<'_>) -> Step {
    flow::step(conv, customer, msg, w)
}

/// Price of one unit of a cart line with its options, or `None` when the item or a choice no
/// longer exists on the menu.
pub fn unit_price(menu: &Menu, line: &CartLine) -> Option<i64> {
    let item = menu.item(&line.sku)?;
    let mut price = item.price;
    if line.choices.len() != item.options.len() {
        return None;
    }
    for (opt, id) in item.options.iter().zip(&line.choices) {
        if id.is_empty() {
            // Only an optional option may be left unchosen.
            if opt.required {
                return None;
            }
            continue;
        }
        price += opt.choices.iter().find(|c| &c.id == id)?.price_delta;
    }
    Some(price)
}

pub fn subtotal(menu: &Menu, cart: &[CartLine]) -> i64 {
    cart.iter()
        .map(|l| unit_price(menu, l).unwrap_or(0) * l.qty as i64)
        .sum()
}

pub fn delivery_fee(conv: &Conversation) -> i64 {
    match &conv.fulfilment {
        Some(Fulfilment::Delivery(d)) => d.fee,
        _ => 0,
    }
}
