//! Pure parser of Meta's webhook payloads (META_PROTOCOL §4–§6, §9): bytes in, canonical
//! messages and statuses out. No I/O, no clock. Every `entry`, every `changes[]` /
//! `messaging[]` / `standby[]` item and every message is read — never only `[0]`.

use resto_sync::{
    Attachment, InboundMessage, Location, MessageKind, MessageStatus, OrderItem, Provider,
    StatusError,
};
use serde_json::{Map, Value};

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
    /// Items that could not be read at all, each with its JSON path and why.
    pub invalid_items: Vec<String>,
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

pub fn parse_meta_webhook(body: &[u8]) -> Result<ParsedWebhook, PayloadError> {
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
    };
    for (i, entry) in entries.iter().enumerate() {
        let path = format!("entry[{i}]");
        let Some(entry) = entry.as_object() else {
            out.invalid_items.push(format!("{path}: not an object"));
            continue;
        };
        match provider {
            Provider::Wa => wa_entry(entry, &path, &mut out),
            Provider::Ig | Provider::Msg => messaging_entry(provider, entry, &path, &mut out),
        }
    }
    Ok(out)
}

/// Epoch seconds or milliseconds, as a number or a numeric string, → RFC 3339 UTC.
/// Meta sends seconds (WhatsApp, as strings) and milliseconds (Instagram/Messenger, numbers);
/// anything ≥ 10^11 is read as milliseconds (10^11 s is the year 5138).
pub fn epoch_to_rfc3339(v: &Value) -> Option<String> {
    let n: i64 = match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64))?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    if n < 0 {
        return None;
    }
    let (dt, millis) = if n >= 100_000_000_000 {
        (chrono::DateTime::from_timestamp_millis(n)?, true)
    } else {
        (chrono::DateTime::from_timestamp(n, 0)?, false)
    };
    let fmt = if millis {
        chrono::SecondsFormat::Millis
    } else {
        chrono::SecondsFormat::Secs
    };
    Some(dt.to_rfc3339_opts(fmt, true))
}

fn s(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn get<'a>(obj: &'a Map<String, Value>, path: &[&str]) -> Option<&'a Value> {
    let (first, rest) = path.split_first()?;
    let mut cur = obj.get(*first)?;
    for k in rest {
        cur = cur.as_object()?.get(*k)?;
    }
    Some(cur)
}

fn gs(obj: &Map<String, Value>, path: &[&str]) -> Option<String> {
    s(get(obj, path))
}

fn arr<'a>(obj: &'a Map<String, Value>, key: &str) -> &'a [Value] {
    obj.get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

// ---------------------------------------------------------------- WhatsApp

fn wa_entry(entry: &Map<String, Value>, path: &str, out: &mut ParsedWebhook) {
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
                Some(m) => match wa_message(m, &account_id, contacts) {
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

fn wa_message(
    m: &Map<String, Value>,
    account_id: &str,
    contacts: &[Value],
) -> Result<InboundMessage, &'static str> {
    let msg_id = gs(m, &["id"]).ok_or("missing id")?;
    let from = gs(m, &["from"]);
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
    let timestamp = m
        .get("timestamp")
        .and_then(epoch_to_rfc3339)
        .ok_or("missing or invalid timestamp")?;
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
        ("image" | "video" | "document" | "sticker" | "audio", Some(b)) => {
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
        ("location", Some(b)) => {
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
        ("interactive", Some(b)) => {
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
        ("order", Some(b)) => {
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
        _ => {
            // contacts, system, unsupported, polls, anything new: kept whole for staff.
            msg.raw = Some(Value::Object(m.clone()));
        }
    }
    Ok(msg)
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

// ------------------------------------------------------- Instagram / Messenger

fn messaging_entry(
    provider: Provider,
    entry: &Map<String, Value>,
    path: &str,
    out: &mut ParsedWebhook,
) {
    let entry_id = gs(entry, &["id"]);
    for (key, standby) in [("messaging", false), ("standby", true)] {
        for (j, item) in arr(entry, key).iter().enumerate() {
            let ipath = format!("{path}.{key}[{j}]");
            let Some(item) = item.as_object() else {
                out.invalid_items.push(format!("{ipath}: not an object"));
                continue;
            };
            if standby {
                // Another app owns the thread (handover protocol): record, never answer.
                out.ignored.push(Ignored {
                    account_id: entry_id.clone(),
                    reason: IgnoredReason::Standby,
                });
                continue;
            }
            messaging_item(provider, item, entry_id.as_deref(), &ipath, out);
        }
    }
    // The Instagram dashboard's "Test" button sends `changes[{field, value:{sender,…}}]`.
    for (j, change) in arr(entry, "changes").iter().enumerate() {
        let ipath = format!("{path}.changes[{j}]");
        let value = change.get("value").and_then(Value::as_object);
        let field = change.get("field").and_then(Value::as_str).unwrap_or("");
        match value {
            Some(v) if field == "messages" || field == "messaging_postbacks" => {
                messaging_item(provider, v, entry_id.as_deref(), &ipath, out)
            }
            _ => out.ignored.push(Ignored {
                account_id: entry_id.clone(),
                reason: IgnoredReason::OtherField(field.to_string()),
            }),
        }
    }
}

fn messaging_item(
    provider: Provider,
    item: &Map<String, Value>,
    entry_id: Option<&str>,
    path: &str,
    out: &mut ParsedWebhook,
) {
    let account_id = entry_id
        .map(str::to_string)
        .or_else(|| gs(item, &["recipient", "id"]));
    let ignore = |reason| Ignored {
        account_id: account_id.clone(),
        reason,
    };
    let sender = gs(item, &["sender", "id"]);
    let message = item.get("message").and_then(Value::as_object);
    let is_echo = message
        .and_then(|m| m.get("is_echo"))
        .and_then(Value::as_bool)
        .unwrap_or(false)
        || (sender.is_some() && sender == account_id);
    if is_echo {
        out.ignored.push(ignore(IgnoredReason::Echo));
        return;
    }
    if item.contains_key("delivery") {
        out.ignored.push(ignore(IgnoredReason::Delivery));
        return;
    }
    if item.contains_key("read") {
        out.ignored.push(ignore(IgnoredReason::Read));
        return;
    }
    let postback = item.get("postback").and_then(Value::as_object);
    let reaction = item.get("reaction").and_then(Value::as_object);
    if message.is_none() && postback.is_none() && reaction.is_none() {
        let keys: Vec<&str> = item
            .keys()
            .map(String::as_str)
            .filter(|k| !matches!(*k, "sender" | "recipient" | "timestamp"))
            .collect();
        out.ignored
            .push(ignore(IgnoredReason::Other(keys.join(","))));
        return;
    }
    let Some(account_id) = account_id.clone() else {
        out.invalid_items
            .push(format!("{path}: no entry id or recipient id"));
        return;
    };
    let Some(user_id) = sender else {
        out.invalid_items.push(format!("{path}: missing sender.id"));
        return;
    };
    let Some(timestamp) = item.get("timestamp").and_then(epoch_to_rfc3339) else {
        out.invalid_items
            .push(format!("{path}: missing or invalid timestamp"));
        return;
    };
    let mid = message
        .and_then(|m| gs(m, &["mid"]))
        .or_else(|| postback.and_then(|p| gs(p, &["mid"])))
        .or_else(|| reaction.and_then(|r| gs(r, &["mid"])));
    let Some(msg_id) = mid else {
        if reaction.is_some() {
            out.ignored
                .push(ignore(IgnoredReason::Other("reaction without mid".into())));
        } else {
            out.invalid_items.push(format!("{path}: missing mid"));
        }
        return;
    };
    let mut msg = InboundMessage {
        provider,
        account_id,
        user_id,
        user_bsuid: None,
        user_name: None,
        msg_id,
        timestamp,
        kind: MessageKind::Text,
        text: None,
        payload: None,
        location: None,
        attachments: Vec::new(),
        reply_to: None,
        referral: item.get("referral").cloned(),
        order_items: Vec::new(),
        raw: None,
    };
    if let Some(m) = message {
        fill_from_message(&mut msg, m);
    } else if let Some(p) = postback {
        msg.kind = MessageKind::Postback;
        msg.text = gs(p, &["title"]);
        msg.payload = gs(p, &["payload"]);
        if let Some(r) = p.get("referral") {
            msg.referral = Some(r.clone());
        }
    } else if let Some(r) = reaction {
        msg.kind = MessageKind::Reaction;
        msg.text = gs(r, &["emoji"]).or_else(|| gs(r, &["reaction"]));
        msg.reply_to = gs(r, &["mid"]);
        msg.raw = Some(Value::Object(r.clone()));
    }
    out.messages.push(msg);
}

fn fill_from_message(msg: &mut InboundMessage, m: &Map<String, Value>) {
    msg.text = gs(m, &["text"]);
    if let Some(r) = m.get("referral") {
        msg.referral = Some(r.clone());
    }
    msg.reply_to = gs(m, &["reply_to", "mid"]);
    let flagged = |k| m.get(k).and_then(Value::as_bool).unwrap_or(false);
    if flagged("is_deleted") || flagged("is_unsupported") {
        msg.kind = MessageKind::Unsupported;
        msg.raw = Some(Value::Object(m.clone()));
        return;
    }
    if let Some(payload) = gs(m, &["quick_reply", "payload"]) {
        msg.kind = MessageKind::QuickReply;
        msg.payload = Some(payload);
        return;
    }
    if let Some(story) = get(m, &["reply_to", "story"]).and_then(Value::as_object) {
        msg.kind = MessageKind::StoryReply;
        msg.reply_to = gs(story, &["id"]);
        msg.attachments.push(Attachment {
            kind: "story".into(),
            url: gs(story, &["url"]),
            ..Attachment::default()
        });
        return;
    }
    let attachments: Vec<&Map<String, Value>> = arr(m, "attachments")
        .iter()
        .filter_map(Value::as_object)
        .collect();
    for a in &attachments {
        msg.attachments.push(Attachment {
            kind: gs(a, &["type"]).unwrap_or_else(|| "unknown".into()),
            url: gs(a, &["payload", "url"]),
            ..Attachment::default()
        });
    }
    if let Some(first) = attachments.first() {
        msg.kind = match first.get("type").and_then(Value::as_str).unwrap_or("") {
            "image" => MessageKind::Image,
            "audio" => MessageKind::Audio,
            "video" => MessageKind::Video,
            "file" => MessageKind::Document,
            "sticker" => MessageKind::Sticker,
            _ => {
                // share, fallback, reel, story_mention, template…: kept whole for staff.
                msg.raw = Some(Value::Object(m.clone()));
                MessageKind::Unsupported
            }
        };
    } else if msg.text.is_none() {
        msg.kind = MessageKind::Unsupported;
        msg.raw = Some(Value::Object(m.clone()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn seconds_and_milliseconds_in_numbers_or_strings_become_utc() {
        for v in [json!("1795199400"), json!(1795199400)] {
            assert_eq!(epoch_to_rfc3339(&v).unwrap(), "2026-11-20T18:30:00Z");
        }
        for v in [json!(1795199400123u64), json!("1795199400123")] {
            assert_eq!(epoch_to_rfc3339(&v).unwrap(), "2026-11-20T18:30:00.123Z");
        }
        assert_eq!(epoch_to_rfc3339(&json!("soon")), None);
        assert_eq!(epoch_to_rfc3339(&json!(-5)), None);
    }

    #[test]
    fn hostile_shapes_are_errors_not_crashes() {
        assert!(matches!(
            parse_meta_webhook(b"{\"object\":"),
            Err(PayloadError::NotJson(_))
        ));
        assert!(matches!(
            parse_meta_webhook(b"hello"),
            Err(PayloadError::NotJson(_))
        ));
        assert!(matches!(
            parse_meta_webhook(b"\xff\xfe{}"),
            Err(PayloadError::NotJson(_))
        ));
        assert_eq!(parse_meta_webhook(b"[]"), Err(PayloadError::NotAnObject));
        assert_eq!(parse_meta_webhook(b"\"x\""), Err(PayloadError::NotAnObject));
        assert_eq!(
            parse_meta_webhook(br#"{"object":"foo","entry":[]}"#),
            Err(PayloadError::UnknownObject("foo".into()))
        );
        assert_eq!(
            parse_meta_webhook(br#"{"object":"page"}"#),
            Err(PayloadError::MissingEntry)
        );
        let deep = format!(
            "{{\"object\":\"page\",\"entry\":{}{}}}",
            "[".repeat(10_000),
            "]".repeat(10_000)
        );
        assert!(matches!(
            parse_meta_webhook(deep.as_bytes()),
            Err(PayloadError::NotJson(_))
        ));
    }

    #[test]
    fn a_whatsapp_user_without_a_phone_is_keyed_by_the_business_scoped_id() {
        let body = json!({"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{
            "metadata":{"phone_number_id":"42"},
            "contacts":[{"profile":{"name":"Lina"},"user_id":"DZ.1"}],
            "messages":[{"from_user_id":"DZ.1","id":"wamid.1","timestamp":"1795199400","type":"text","text":{"body":"salam"}}]}}]}]});
        let p = parse_meta_webhook(body.to_string().as_bytes()).unwrap();
        assert_eq!(p.messages[0].user_id, "DZ.1");
        assert_eq!(p.messages[0].user_bsuid.as_deref(), Some("DZ.1"));
        assert_eq!(p.messages[0].user_name.as_deref(), Some("Lina"));
    }

    #[test]
    fn an_unreadable_item_is_reported_and_its_neighbours_kept() {
        let body = json!({"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{
            "metadata":{"phone_number_id":"42"},
            "messages":[{"from":"213","timestamp":"1795199400","type":"text","text":{"body":"no id"}},
                        {"from":"213","id":"wamid.2","timestamp":"1795199400","type":"poll","poll":{}}],
            "statuses":[{"id":"wamid.9","status":"failed","timestamp":"1795199400"}],
            "errors":[{"code":131000,"title":"Something went wrong"}]}}]}]});
        let p = parse_meta_webhook(body.to_string().as_bytes()).unwrap();
        assert_eq!(p.invalid_items.len(), 1, "{:?}", p.invalid_items);
        assert!(p.invalid_items[0].contains("messages[0]: missing id"));
        assert_eq!(p.messages.len(), 1);
        assert_eq!(p.messages[0].kind, MessageKind::Unsupported);
        assert!(p.messages[0].raw.is_some());
        assert_eq!(p.statuses[0].errors[0].code, 131000);
    }

    #[test]
    fn messenger_standby_and_other_whatsapp_fields_are_acknowledged_not_messages() {
        let body = json!({"object":"page","entry":[{"id":"5","time":1,"standby":[{"sender":{"id":"7"},"recipient":{"id":"5"},"timestamp":1795199400123u64,"message":{"mid":"m1","text":"hi"}}]}]});
        let p = parse_meta_webhook(body.to_string().as_bytes()).unwrap();
        assert!(p.messages.is_empty());
        assert_eq!(p.ignored[0].reason, IgnoredReason::Standby);
        let body = json!({"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"account_update","value":{"event":"x"}}]}]});
        let p = parse_meta_webhook(body.to_string().as_bytes()).unwrap();
        assert_eq!(
            p.ignored[0].reason,
            IgnoredReason::OtherField("account_update".into())
        );
    }

    #[test]
    fn the_instagram_dashboard_test_shape_is_read() {
        let body = br#"{"entry":[{"id":"0","time":1795199400,"changes":[{"field":"messages","value":{"sender":{"id":"12334"},"recipient":{"id":"23245"},"timestamp":"1527459824","message":{"mid":"random_mid","text":"random_text"}}}]}],"object":"instagram"}"#;
        let p = parse_meta_webhook(body).unwrap();
        assert_eq!(p.messages.len(), 1);
        assert_eq!(p.messages[0].text.as_deref(), Some("random_text"));
        assert_eq!(p.messages[0].timestamp, "2018-05-27T22:23:44Z");
    }
}
