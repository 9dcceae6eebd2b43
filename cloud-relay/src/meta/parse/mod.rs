//! Pure parser of Meta's webhook payloads (META_PROTOCOL §4–§6, §9): bytes in, canonical
//! messages and statuses out. No I/O, no clock (the caller passes the time it received the
//! body). Every `entry`, every `changes[]` / `messaging[]` / `standby[]` item and every
//! message is read — never only `[0]`.
//!
//! Tolerance rule (issue 19): a body is refused only when it is not Meta's envelope at all.
//! Inside it, every item with a customer and content is kept even when a secondary field is
//! odd (the oddity is listed in `oddities`); only items without either are dropped, each
//! listed in `invalid_items`.
//!
//! One file per channel family (`whatsapp`, `messaging` for Messenger and Instagram) and the
//! readers they share (`common`). May import: nothing else in this crate.

mod common;
mod messaging;
#[cfg(test)]
mod tests;
mod whatsapp;

pub use common::epoch_to_rfc3339;
pub use messaging::USER_REF_PREFIX;

use resto_sync::{InboundMessage, MessageStatus, Provider};
use serde_json::Value;

/// Result of parsing one webhook body.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedWebhook {
    pub provider: Provider,
    /// Customer messages, in payload order.
    pub messages: Vec<InboundMessage>,
    /// WhatsApp statuses of our outbound messages, in payload order.
    pub statuses: Vec<MessageStatus>,
    /// Acknowledged non-messages (echoes, deliveries, reads, standby, other fields).
    pub ignored: Vec<Ignored>,
    /// Items that could not be read at all (no customer or no content), each with its JSON
    /// path and why: dropped.
    pub invalid_items: Vec<String>,
    /// Items kept although a secondary field was odd, each with its JSON path and what was
    /// done instead (e.g. an unreadable timestamp replaced by the time received).
    pub oddities: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Ignored {
    pub account_id: Option<String>,
    pub reason: IgnoredReason,
}

#[derive(Debug, Clone, PartialEq)]
pub enum IgnoredReason {
    Echo,
    Delivery,
    Read,
    Standby,
    OtherField(String),
    Other(String),
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PayloadError {
    #[error("body is not valid JSON: {0}")]
    NotJson(String),
    #[error("body is not a JSON object")]
    NotAnObject,
    #[error("unknown object {0:?}: expected whatsapp_business_account, instagram or page")]
    UnknownObject(String),
    #[error("missing or non-array entry")]
    MissingEntry,
}

/// Parses one webhook body received at `received_at` (RFC 3339 UTC), the time given to
/// messages whose own timestamp cannot be read.
pub fn parse_meta_webhook(body: &[u8], received_at: &str) -> Result<ParsedWebhook, PayloadError> {
    // serde_json stops at 128 levels of nesting, so hostile depth is an error, not a crash.
    let root: Value =
        serde_json::from_slice(body).map_err(|e| PayloadError::NotJson(e.to_string()))?;
    let root = root.as_object().ok_or(PayloadError::NotAnObject)?;
    let provider = match root.get("object") {
        Some(Value::String(s)) => match s.as_str() {
            "whatsapp_business_account" => Provider::Wa,
            "instagram" => Provider::Ig,
            "page" => Provider::Msg,
            other => return Err(PayloadError::UnknownObject(other.to_string())),
        },
        Some(other) => return Err(PayloadError::UnknownObject(other.to_string())),
        None => return Err(PayloadError::UnknownObject(String::new())),
    };
    let entries = root
        .get("entry")
        .and_then(Value::as_array)
        .ok_or(PayloadError::MissingEntry)?;
    let mut out = ParsedWebhook {
        provider,
        messages: Vec::new(),
        statuses: Vec::new(),
        ignored: Vec::new(),
        invalid_items: Vec::new(),
        oddities: Vec::new(),
    };
    let received_at = received_at.to_string();
    for (i, entry) in entries.iter().enumerate() {
        let path = format!("entry[{i}]");
        let Some(entry) = entry.as_object() else {
            out.invalid_items.push(format!("{path}: not an object"));
            continue;
        };
        match provider {
            Provider::Wa => whatsapp::wa_entry(entry, &path, &received_at, &mut out),
            Provider::Ig | Provider::Msg => {
                messaging::messaging_entry(provider, entry, &path, &received_at, &mut out)
            }
        }
    }
    Ok(out)
}
