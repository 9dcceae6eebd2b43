//! WhatsApp Cloud API payloads (`object: whatsapp_business_account`, META_PROTOCOL §4):
//! `entry[].changes[].value` with `messages[]` and `statuses[]`.

use super::common::{arr, derived_id, epoch_to_rfc3339, gs, message_time};
use super::{Ignored, IgnoredReason, ParsedWebhook};
use resto_sync::{
    Attachment, InboundMessage, Location, MessageKind, MessageStatus, OrderItem, Provider,
    StatusError,
};
use serde_json::{Map, Value};

pub(super) fn wa_entry(
    entry: &Map<String, Value>,
    path: &str,
    received_at: &str,
    out: &mut ParsedWebhook,
) {
    for (j, change) in arr(entry, "changes").iter().enumerate() {
        let path = format!("{path}.changes[{j}]");
        let Some(change) = change.as_object() else {
            out.invalid_items.push(format!("{path}: not an object"));
            continue;
        };
        let field = change.get("field").and_then(Value::as_str).unwrap_or("");
        let Some(value) = change.get("value").and_then(Value::as_object) else {
            out.invalid_items.push(format!("{path}: value missing"));
            continue;
        };
        let account_id = gs(value, &["metadata", "phone_number_id"]);
        if let (Some(account_id), "user_preferences") = (&account_id, field) {
            for (k, pref) in arr(value, "user_preferences").iter().enumerate() {
                let ppath = format!("{path}.value.user_preferences[{k}]");
                match user_preference(pref, account_id, (received_at, &ppath), &mut out.oddities) {
                    Some(msg) => out.messages.push(msg),
                    None => out.invalid_items.push(format!("{ppath}: no wa_id")),
                }
            }
            continue;
        }
        if field != "messages" {
            out.ignored.push(Ignored {
                account_id,
                reason: IgnoredReason::OtherField(field.to_string()),
            });
            continue;
        }
        let Some(account_id) = account_id else {
            out.invalid_items
                .push(format!("{path}.value: metadata.phone_number_id missing"));
            continue;
        };
        let contacts = arr(value, "contacts");
        for (k, m) in arr(value, "messages").iter().enumerate() {
            let mpath = format!("{path}.value.messages[{k}]");
            match m.as_object() {
                Some(m) => match wa_message(
                    m,
                    &account_id,
                    contacts,
                    (received_at, &mpath),
                    &mut out.oddities,
                ) {
                    Ok(msg) => out.messages.push(msg),
                    Err(why) => out.invalid_items.push(format!("{mpath}: {why}")),
                },
                None => out.invalid_items.push(format!("{mpath}: not an object")),
            }
        }
        let value_errors = arr(value, "errors");
        for (k, st) in arr(value, "statuses").iter().enumerate() {
            let spath = format!("{path}.value.statuses[{k}]");
            match st.as_object() {
                Some(st) => match wa_status(st, &account_id, value_errors) {
                    Ok(status) => out.statuses.push(status),
                    Err(why) => out.invalid_items.push(format!("{spath}: {why}")),
                },
                None => out.invalid_items.push(format!("{spath}: not an object")),
            }
        }
    }
}

/// A customer stopping or resuming marketing messages in WhatsApp's own settings
/// (`user_preferences` webhook): forwarded as an unsupported message carrying Meta's item,
/// for the edge to record (`domain::consent::from_meta`). Its id is made from what Meta
/// resends identically, so a retry dedupes.
fn user_preference(
    pref: &Value,
    account_id: &str,
    at: (&str, &str),
    oddities: &mut Vec<String>,
) -> Option<InboundMessage> {
    let p = pref.as_object()?;
    let wa_id = gs(p, &["wa_id"])?;
    let raw_time = p.get("timestamp").map(Value::to_string).unwrap_or_default();
    let value = gs(p, &["value"]).unwrap_or_default();
    Some(InboundMessage {
        provider: Provider::Wa,
        account_id: account_id.to_string(),
        user_id: wa_id.clone(),
        user_bsuid: gs(p, &["user_id"]),
        user_name: None,
        msg_id: format!("pref.{wa_id}.{}.{value}", raw_time.trim_matches('"')),
        timestamp: message_time(p.get("timestamp"), at.0, at.1, oddities),
        kind: MessageKind::Unsupported,
        text: None,
        payload: None,
        location: None,
        attachments: Vec::new(),
        reply_to: None,
        referral: None,
        order_items: Vec::new(),
        raw: Some(serde_json::json!({ "user_preferences": pref })),
    })
}

/// `at` is (the time the body was received, this message's JSON path) for the oddities.
fn wa_message(
    m: &Map<String, Value>,
    account_id: &str,
    contacts: &[Value],
    at: (&str, &str),
    oddities: &mut Vec<String>,
) -> Result<InboundMessage, &'static str> {
    let from = gs(m, &["from"]);
    let msg_id = match gs(m, &["id"]) {
        Some(id) => id,
        None => {
            // Kept under an id made from what Meta resends identically (its retries dedupe).
            oddities.push(format!(
                "{}: message without id; id derived from its content",
                at.1
            ));
            let raw_time = m.get("timestamp").map(Value::to_string).unwrap_or_default();
            let sender = from
                .clone()
                .or_else(|| gs(m, &["from_user_id"]))
                .unwrap_or_default();
            let content = Value::Object(m.clone()).to_string();
            derived_id("wa.", &[account_id, &sender, &raw_time, &content])
        }
    };
    let contact = find_contact(
        contacts,
        from.as_deref(),
        gs(m, &["from_user_id"]).as_deref(),
    );
    let bsuid = gs(m, &["from_user_id"]).or_else(|| contact.and_then(|c| gs(c, &["user_id"])));
    let user_id = from
        .clone()
        .or_else(|| bsuid.clone())
        .ok_or("missing from and from_user_id")?;
    let timestamp = message_time(m.get("timestamp"), at.0, at.1, oddities);
    let mut msg = InboundMessage {
        provider: Provider::Wa,
        account_id: account_id.to_string(),
        user_id,
        user_bsuid: bsuid,
        user_name: contact.and_then(|c| gs(c, &["profile", "name"])),
        msg_id,
        timestamp,
        kind: MessageKind::Unsupported,
        text: None,
        payload: None,
        location: None,
        attachments: Vec::new(),
        reply_to: gs(m, &["context", "id"]),
        referral: m.get("referral").cloned(),
        order_items: Vec::new(),
        raw: None,
    };
    let ty = m.get("type").and_then(Value::as_str).unwrap_or("");
    let body = m.get(ty).and_then(Value::as_object);
    match (ty, body) {
        ("text", Some(b)) => {
            msg.kind = MessageKind::Text;
            msg.text = gs(b, &["body"]);
        }
        ("image" | "video" | "document" | "sticker" | "audio", Some(b)) => media(&mut msg, ty, b),
        ("location", Some(b)) => location(&mut msg, b, m),
        ("interactive", Some(b)) => interactive(&mut msg, b, m),
        ("button", Some(b)) => {
            msg.kind = MessageKind::Button;
            msg.text = gs(b, &["text"]);
            msg.payload = gs(b, &["payload"]);
        }
        ("reaction", Some(b)) => {
            msg.kind = MessageKind::Reaction;
            msg.text = gs(b, &["emoji"]);
            msg.reply_to = gs(b, &["message_id"]);
        }
        ("order", Some(b)) => order(&mut msg, b),
        _ => {
            // contacts, system, unsupported, polls, anything new: kept whole for staff.
            msg.raw = Some(Value::Object(m.clone()));
        }
    }
    Ok(msg)
}

fn media(msg: &mut InboundMessage, ty: &str, b: &Map<String, Value>) {
    msg.kind = match ty {
        "image" => MessageKind::Image,
        "video" => MessageKind::Video,
        "document" => MessageKind::Document,
        "sticker" => MessageKind::Sticker,
        _ => MessageKind::Audio,
    };
    msg.text = gs(b, &["caption"]);
    msg.attachments.push(Attachment {
        kind: ty.to_string(),
        media_id: gs(b, &["id"]),
        mime_type: gs(b, &["mime_type"]),
        sha256: gs(b, &["sha256"]),
        url: gs(b, &["url"]),
        filename: gs(b, &["filename"]),
        voice: b.get("voice").and_then(Value::as_bool),
    });
}

/// `m` is the whole message, kept as `raw` when the coordinates cannot be read.
fn location(msg: &mut InboundMessage, b: &Map<String, Value>, m: &Map<String, Value>) {
    let lat = b.get("latitude").and_then(number);
    let lng = b.get("longitude").and_then(number);
    if let (Some(latitude), Some(longitude)) = (lat, lng) {
        msg.kind = MessageKind::Location;
        msg.location = Some(Location {
            latitude,
            longitude,
            name: gs(b, &["name"]),
            address: gs(b, &["address"]),
        });
    } else {
        msg.raw = Some(Value::Object(m.clone()));
    }
}

/// `m` is the whole message, kept as `raw` for replies other than buttons and lists.
fn interactive(msg: &mut InboundMessage, b: &Map<String, Value>, m: &Map<String, Value>) {
    msg.kind = MessageKind::Interactive;
    let sub = b.get("type").and_then(Value::as_str).unwrap_or("");
    match b.get(sub).and_then(Value::as_object) {
        Some(reply) if sub == "button_reply" || sub == "list_reply" => {
            msg.text = gs(reply, &["title"]);
            msg.payload = gs(reply, &["id"]);
        }
        _ => msg.raw = Some(Value::Object(m.clone())),
    }
}

fn order(msg: &mut InboundMessage, b: &Map<String, Value>) {
    msg.kind = MessageKind::Order;
    msg.text = gs(b, &["text"]);
    msg.order_items = arr(b, "product_items")
        .iter()
        .filter_map(Value::as_object)
        .filter_map(|it| {
            Some(OrderItem {
                product_retailer_id: gs(it, &["product_retailer_id"])?,
                quantity: it
                    .get("quantity")
                    .and_then(number)
                    .filter(|q| *q >= 0.0 && *q <= u32::MAX as f64)?
                    as u32,
                item_price: it.get("item_price").and_then(number)?,
                currency: gs(it, &["currency"]).unwrap_or_default(),
            })
        })
        .collect();
    msg.raw = Some(Value::Object(b.clone()));
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|f: &f64| f.is_finite())
}

/// The contact a message came from: matched by phone, then by BSUID, else the only one.
fn find_contact<'a>(
    contacts: &'a [Value],
    from: Option<&str>,
    bsuid: Option<&str>,
) -> Option<&'a Map<String, Value>> {
    let objs: Vec<&Map<String, Value>> = contacts.iter().filter_map(Value::as_object).collect();
    objs.iter()
        .find(|c| from.is_some() && gs(c, &["wa_id"]).as_deref() == from)
        .or_else(|| {
            objs.iter()
                .find(|c| bsuid.is_some() && gs(c, &["user_id"]).as_deref() == bsuid)
        })
        .copied()
        .or_else(|| {
            if objs.len() == 1 {
                objs.first().copied()
            } else {
                None
            }
        })
}

fn wa_status(
    st: &Map<String, Value>,
    account_id: &str,
    value_errors: &[Value],
) -> Result<MessageStatus, &'static str> {
    let msg_id = gs(st, &["id"]).ok_or("missing id")?;
    let status = gs(st, &["status"]).ok_or("missing status")?;
    let timestamp = st
        .get("timestamp")
        .and_then(epoch_to_rfc3339)
        .ok_or("missing or invalid timestamp")?;
    let errors = match st.get("errors").and_then(Value::as_array) {
        Some(e) => e.as_slice(),
        None => value_errors,
    };
    Ok(MessageStatus {
        provider: Provider::Wa,
        account_id: account_id.to_string(),
        msg_id,
        status,
        timestamp,
        recipient_id: gs(st, &["recipient_id"]),
        recipient_bsuid: gs(st, &["recipient_user_id"]),
        correlation_id: gs(st, &["biz_opaque_callback_data"]),
        errors: errors
            .iter()
            .filter_map(Value::as_object)
            .filter_map(|e| {
                Some(StatusError {
                    code: e.get("code").and_then(Value::as_i64)?,
                    title: gs(e, &["title"]),
                    details: gs(e, &["error_data", "details"]),
                })
            })
            .collect(),
        outbox_id: None,
    })
}
