//! The canonical inbound message (DESIGN §3): one shape for WhatsApp, Instagram and Messenger,
//! so that the edge never has to know Meta's three payload dialects.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Which Meta product a message came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    /// WhatsApp Cloud API (`object: whatsapp_business_account`).
    Wa,
    /// Instagram messaging (`object: instagram`).
    Ig,
    /// Messenger (`object: page`).
    Msg,
}

impl Provider {
    pub const ALL: [Provider; 3] = [Provider::Wa, Provider::Ig, Provider::Msg];

    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Wa => "wa",
            Provider::Ig => "ig",
            Provider::Msg => "msg",
        }
    }

    pub fn parse(s: &str) -> Option<Provider> {
        match s {
            "wa" => Some(Provider::Wa),
            "ig" => Some(Provider::Ig),
            "msg" => Some(Provider::Msg),
            _ => None,
        }
    }
}

impl std::fmt::Display for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the customer sent, as DESIGN §3 lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    Text,
    Image,
    Audio,
    Video,
    Document,
    Sticker,
    Location,
    Interactive,
    Button,
    Postback,
    QuickReply,
    Order,
    Reaction,
    StoryReply,
    Unsupported,
}

impl MessageKind {
    pub const ALL: [MessageKind; 15] = [
        MessageKind::Text,
        MessageKind::Image,
        MessageKind::Audio,
        MessageKind::Video,
        MessageKind::Document,
        MessageKind::Sticker,
        MessageKind::Location,
        MessageKind::Interactive,
        MessageKind::Button,
        MessageKind::Postback,
        MessageKind::QuickReply,
        MessageKind::Order,
        MessageKind::Reaction,
        MessageKind::StoryReply,
        MessageKind::Unsupported,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Text => "text",
            MessageKind::Image => "image",
            MessageKind::Audio => "audio",
            MessageKind::Video => "video",
            MessageKind::Document => "document",
            MessageKind::Sticker => "sticker",
            MessageKind::Location => "location",
            MessageKind::Interactive => "interactive",
            MessageKind::Button => "button",
            MessageKind::Postback => "postback",
            MessageKind::QuickReply => "quick_reply",
            MessageKind::Order => "order",
            MessageKind::Reaction => "reaction",
            MessageKind::StoryReply => "story_reply",
            MessageKind::Unsupported => "unsupported",
        }
    }
}

/// A customer message, normalised. Optional fields are omitted from JSON when absent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboundMessage {
    pub provider: Provider,
    /// WA `phone_number_id`, Messenger page id, Instagram account id: the routing key.
    pub account_id: String,
    /// The id to reply to and to key the customer on: WA phone (`from`), else the WA
    /// business-scoped user id; IGSID; PSID.
    pub user_id: String,
    /// WhatsApp business-scoped user id (2026), carried alongside the phone when both exist.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_bsuid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    /// Provider message id (wamid / mid): with `provider`, the dedupe key.
    pub msg_id: String,
    /// RFC 3339 UTC.
    pub timestamp: String,
    pub kind: MessageKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Button / list row / postback / quick-reply id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
    /// The message (or Instagram story) this one answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
    /// Click-to-chat ad / link referral, as Meta sent it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referral: Option<Value>,
    /// WhatsApp catalogue order lines.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub order_items: Vec<OrderItem>,
    /// For `unsupported` (and anything we could only partly read): Meta's item verbatim, so
    /// staff can still see it and a later parser can recover it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Location {
    pub latitude: f64,
    pub longitude: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

/// A media item. WhatsApp gives a media id (plus, since 2025, a short-lived URL);
/// Instagram and Messenger give only a CDN URL.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Attachment {
    /// `image`, `audio`, `video`, `document`/`file`, `sticker`, `story`, `share`, …
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Only ever an https URL on a Meta CDN host: the relay strips anything else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    /// WhatsApp voice note (as opposed to an audio file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderItem {
    pub product_retailer_id: String,
    pub quantity: u32,
    pub item_price: f64,
    pub currency: String,
}

/// A delivery status for a message **we** sent (WhatsApp `statuses[]`); never a customer message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageStatus {
    pub provider: Provider,
    pub account_id: String,
    /// The provider id of our outbound message (wamid).
    pub msg_id: String,
    /// `sent`, `delivered`, `read`, `failed`, `played`, …
    pub status: String,
    /// RFC 3339 UTC.
    pub timestamp: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_bsuid: Option<String>,
    /// Our own correlation id, echoed back by WhatsApp (`biz_opaque_callback_data`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<StatusError>,
    /// For outcomes of our own sends: the edge's outbox item id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outbox_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusError {
    pub code: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
}
