//! Messenger (`object: page`) and Instagram (`object: instagram`) payloads (META_PROTOCOL
//! §5–§6): `entry[].messaging[]`, `standby[]`, and the dashboard's `changes[]` test shape.

use super::common::{arr, derived_id, get, gs, message_time};
use super::{Ignored, IgnoredReason, ParsedWebhook};
use resto_sync::{Attachment, InboundMessage, MessageKind, Provider};
use serde_json::{Map, Value};

pub(super) fn messaging_entry(
    provider: Provider,
    entry: &Map<String, Value>,
    path: &str,
    received_at: &str,
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
            messaging_item(
                provider,
                item,
                entry_id.as_deref(),
                (received_at, &ipath),
                out,
            );
        }
    }
    // The Instagram dashboard's "Test" button sends `changes[{field, value:{sender,…}}]`.
    for (j, change) in arr(entry, "changes").iter().enumerate() {
        let ipath = format!("{path}.changes[{j}]");
        let value = change.get("value").and_then(Value::as_object);
        let field = change.get("field").and_then(Value::as_str).unwrap_or("");
        match value {
            Some(v) if field == "messages" || field == "messaging_postbacks" => {
                messaging_item(provider, v, entry_id.as_deref(), (received_at, &ipath), out)
            }
            _ => out.ignored.push(Ignored {
                account_id: entry_id.clone(),
                reason: IgnoredReason::OtherField(field.to_string()),
            }),
        }
    }
}

/// `at` is (the time the body was received, this item's JSON path).
fn messaging_item(
    provider: Provider,
    item: &Map<String, Value>,
    entry_id: Option<&str>,
    at: (&str, &str),
    out: &mut ParsedWebhook,
) {
    let (received_at, path) = at;
    let account_id = entry_id
        .map(str::to_string)
        .or_else(|| gs(item, &["recipient", "id"]));
    // Chat-plugin visitors have no PSID yet, only the plugin's `user_ref`: they are customers
    // keyed by it (and answered by it, see graph::render).
    let sender = gs(item, &["sender", "id"])
        .or_else(|| gs(item, &["sender", "user_ref"]).map(|r| format!("{USER_REF_PREFIX}{r}")));
    let message = item.get("message").and_then(Value::as_object);
    let postback = item.get("postback").and_then(Value::as_object);
    let reaction = item.get("reaction").and_then(Value::as_object);
    let edit = item.get("message_edit").and_then(Value::as_object);
    if let Some(reason) = not_a_message(item, account_id.as_deref(), sender.as_deref()) {
        out.ignored.push(Ignored { account_id, reason });
        return;
    }
    let Some(account_id) = account_id else {
        out.invalid_items
            .push(format!("{path}: no entry id or recipient id"));
        return;
    };
    let Some(user_id) = sender else {
        out.invalid_items
            .push(format!("{path}: missing sender.id and sender.user_ref"));
        return;
    };
    let timestamp = message_time(item.get("timestamp"), received_at, path, &mut out.oddities);
    let mid = message
        .and_then(|m| gs(m, &["mid"]))
        .or_else(|| edit.and_then(|e| gs(e, &["mid"])))
        .or_else(|| postback.and_then(|p| gs(p, &["mid"])))
        .or_else(|| reaction.and_then(|r| gs(r, &["mid"])))
        .or_else(|| {
            // Postbacks had no `mid` before v11.0 and some still come without: an id made
            // from what Meta resends identically, so its retries still dedupe.
            let p = postback?;
            out.oddities.push(format!(
                "{path}: postback without mid; id derived from its content"
            ));
            Some(postback_id(&account_id, &user_id, item.get("timestamp"), p))
        })
        .or_else(|| {
            // A message with content but no mid: kept under an id made from its content.
            let m = message?;
            let raw_time = item
                .get("timestamp")
                .map(Value::to_string)
                .unwrap_or_default();
            out.oddities.push(format!(
                "{path}: message without mid; id derived from its content"
            ));
            let content = Value::Object(m.clone()).to_string();
            Some(derived_id(
                "m.",
                &[&account_id, &user_id, &raw_time, &content],
            ))
        });
    let Some(msg_id) = mid else {
        if reaction.is_some() {
            out.ignored.push(Ignored {
                account_id: Some(account_id),
                reason: IgnoredReason::Other("reaction without mid".into()),
            });
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
    } else if let Some(e) = edit {
        fill_from_edit(&mut msg, e);
    } else if let Some(p) = postback {
        fill_from_postback(&mut msg, p);
    } else if let Some(r) = reaction {
        fill_from_reaction(&mut msg, r);
    }
    out.messages.push(msg);
}

/// How a customer known only by the chat plugin's `user_ref` is keyed (`user_id`).
pub const USER_REF_PREFIX: &str = "user_ref:";

/// `pb.` + the first 32 hex digits of sha256(page, sender, raw timestamp, payload, title).
fn postback_id(
    account_id: &str,
    user_id: &str,
    timestamp: Option<&Value>,
    p: &Map<String, Value>,
) -> String {
    let raw_time = timestamp.map(Value::to_string).unwrap_or_default();
    derived_id(
        "pb.",
        &[
            account_id,
            user_id,
            &raw_time,
            &gs(p, &["payload"]).unwrap_or_default(),
            &gs(p, &["title"]).unwrap_or_default(),
        ],
    )
}

/// Why an item that reached us is not a customer message (echoes of our own sends,
/// delivery and read receipts, anything without a message, postback or reaction), if so.
fn not_a_message(
    item: &Map<String, Value>,
    account_id: Option<&str>,
    sender: Option<&str>,
) -> Option<IgnoredReason> {
    let message = item.get("message").and_then(Value::as_object);
    let is_echo = message
        .and_then(|m| m.get("is_echo"))
        .and_then(Value::as_bool)
        .unwrap_or(false)
        || (sender.is_some() && sender == account_id);
    if is_echo {
        return Some(IgnoredReason::Echo);
    }
    if item.contains_key("delivery") {
        return Some(IgnoredReason::Delivery);
    }
    if item.contains_key("read") {
        return Some(IgnoredReason::Read);
    }
    let has = |k| item.get(k).and_then(Value::as_object).is_some();
    if message.is_none() && !has("postback") && !has("reaction") && !has("message_edit") {
        let keys: Vec<&str> = item
            .keys()
            .map(String::as_str)
            .filter(|k| !matches!(*k, "sender" | "recipient" | "timestamp"))
            .collect();
        return Some(IgnoredReason::Other(keys.join(",")));
    }
    None
}

/// An edit (`message_edit`, Messenger and Instagram) names the message it changes; its id is
/// the original's plus the edit count, so each edit is stored once and never collides with
/// the original in the dedupe.
fn fill_from_edit(msg: &mut InboundMessage, e: &Map<String, Value>) {
    msg.reply_to = Some(msg.msg_id.clone());
    let n = gs(e, &["num_edit"]).unwrap_or_else(|| "1".into());
    msg.msg_id = format!("{}#edit{n}", msg.msg_id);
    msg.kind = MessageKind::Unsupported;
    msg.text = gs(e, &["text"]);
    msg.raw = Some(serde_json::json!({ "message_edit": e }));
}

fn fill_from_postback(msg: &mut InboundMessage, p: &Map<String, Value>) {
    msg.kind = MessageKind::Postback;
    msg.text = gs(p, &["title"]);
    msg.payload = gs(p, &["payload"]);
    if let Some(r) = p.get("referral") {
        msg.referral = Some(r.clone());
    }
}

fn fill_from_reaction(msg: &mut InboundMessage, r: &Map<String, Value>) {
    msg.kind = MessageKind::Reaction;
    msg.text = gs(r, &["emoji"]).or_else(|| gs(r, &["reaction"]));
    msg.reply_to = gs(r, &["mid"]);
    msg.raw = Some(Value::Object(r.clone()));
}

fn fill_from_message(msg: &mut InboundMessage, m: &Map<String, Value>) {
    msg.text = gs(m, &["text"]);
    if let Some(r) = m.get("referral") {
        msg.referral = Some(r.clone());
    }
    msg.reply_to = gs(m, &["reply_to", "mid"]);
    let flagged = |k| m.get(k).and_then(Value::as_bool).unwrap_or(false);
    if flagged("is_deleted") {
        // An unsend carries the mid of the message it removes: stored under its own id so the
        // dedupe does not take it for a retry of that message.
        msg.reply_to = Some(msg.msg_id.clone());
        msg.msg_id = format!("{}#deleted", msg.msg_id);
        msg.text = None;
    }
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
