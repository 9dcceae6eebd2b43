//! The demo chat's two translations, as pure functions: what a visitor typed or tapped → the
//! WhatsApp webhook Meta would send for it, and a Graph API send request → the chat bubble a
//! phone would show.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// WhatsApp's limit on a text message body.
pub const MAX_TEXT_CHARS: usize = 4096;

/// A tappable choice under a bot message (a reply button or a list row).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// One message as the chat page draws it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Bubble {
    Text {
        text: String,
    },
    /// Reply buttons: tapping one sends a `button_reply`.
    Buttons {
        text: String,
        choices: Vec<Choice>,
    },
    /// A list behind a button: tapping a row sends a `list_reply`.
    List {
        text: String,
        button: String,
        choices: Vec<Choice>,
    },
    /// Templates are approved by Meta and rendered by WhatsApp; the demo shows their name.
    Template {
        name: String,
        language: String,
    },
    /// The visitor's recorded voice note, played on the page from `url`.
    Voice {
        url: String,
    },
}

/// Where the page plays the demo's voice note (relative to `/demo/`).
pub const VOICE_NOTE_PAGE_URL: &str = "voice-note.ogg";
/// Media ids of demo voice notes: one per message, as Meta gives, all the same recording.
pub const VOICE_MEDIA_PREFIX: &str = "demo-voice.";

/// The media id the webhook of message `wamid` carries for its voice note.
pub fn voice_media_id(wamid: &str) -> String {
    format!(
        "{VOICE_MEDIA_PREFIX}{}",
        wamid.rsplit('.').next().unwrap_or(wamid)
    )
}

/// What the visitor sent from the page.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum VisitorMessage {
    Text {
        text: String,
    },
    Button {
        id: String,
        title: String,
    },
    ListRow {
        id: String,
        title: String,
        #[serde(default)]
        description: Option<String>,
    },
    /// The recorded voice note shipped with the demo (WhatsApp sends a media id only).
    VoiceNote,
}

impl VisitorMessage {
    /// Refuses what WhatsApp itself would never deliver, with a reason the page can show.
    pub fn check(&self) -> Result<(), String> {
        match self {
            VisitorMessage::Text { text } if text.trim().is_empty() => {
                Err("the message is empty".into())
            }
            VisitorMessage::Text { text } if text.chars().count() > MAX_TEXT_CHARS => Err(format!(
                "WhatsApp messages are at most {MAX_TEXT_CHARS} characters"
            )),
            VisitorMessage::Button { id, .. } | VisitorMessage::ListRow { id, .. }
                if id.is_empty() || id.len() > 256 =>
            {
                Err("the choice has no valid id".into())
            }
            _ => Ok(()),
        }
    }

    /// How the visitor's own bubble reads.
    pub fn as_bubble(&self) -> Bubble {
        let text = match self {
            VisitorMessage::VoiceNote => {
                return Bubble::Voice {
                    url: VOICE_NOTE_PAGE_URL.into(),
                }
            }
            VisitorMessage::Text { text } => text.clone(),
            VisitorMessage::Button { title, .. } | VisitorMessage::ListRow { title, .. } => {
                title.clone()
            }
        };
        Bubble::Text { text }
    }
}

/// A visitor's phone number as WhatsApp writes a `wa_id`: 8 to 15 digits, no `+`.
pub fn valid_wa_id(s: &str) -> bool {
    (8..=15).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

/// Who sends and to which business number, for one inbound webhook.
pub struct Envelope<'a> {
    pub phone_number_id: &'a str,
    pub display_phone_number: &'a str,
    pub from: &'a str,
    pub name: &'a str,
    pub wamid: &'a str,
    pub timestamp: i64,
}

/// The `messages` webhook Meta posts for this message (META_PROTOCOL, WhatsApp text and
/// interactive replies; same shape as the shared fixtures).
pub fn inbound_webhook(env: &Envelope<'_>, msg: &VisitorMessage) -> Vec<u8> {
    let mut message = json!({
        "from": env.from,
        "id": env.wamid,
        "timestamp": env.timestamp.to_string(),
    });
    match msg {
        VisitorMessage::Text { text } => {
            message["type"] = json!("text");
            message["text"] = json!({ "body": text });
        }
        VisitorMessage::Button { id, title } => {
            message["type"] = json!("interactive");
            message["interactive"] =
                json!({"type": "button_reply", "button_reply": {"id": id, "title": title}});
        }
        VisitorMessage::ListRow {
            id,
            title,
            description,
        } => {
            let mut reply = json!({"id": id, "title": title});
            if let Some(d) = description {
                reply["description"] = json!(d);
            }
            message["type"] = json!("interactive");
            message["interactive"] = json!({"type": "list_reply", "list_reply": reply});
        }
        // As Meta sends a voice note: an id to fetch with the business token, no bytes.
        VisitorMessage::VoiceNote => {
            message["type"] = json!("audio");
            message["audio"] = json!({
                "id": voice_media_id(env.wamid),
                "mime_type": "audio/ogg; codecs=opus",
                "voice": true,
            });
        }
    }
    json!({
        "object": "whatsapp_business_account",
        "entry": [{
            "id": "104857600012345",
            "changes": [{
                "field": "messages",
                "value": {
                    "messaging_product": "whatsapp",
                    "metadata": {"display_phone_number": env.display_phone_number, "phone_number_id": env.phone_number_id},
                    "contacts": [{"profile": {"name": env.name}, "wa_id": env.from}],
                    "messages": [message]
                }
            }]
        }]
    })
    .to_string()
    .into_bytes()
}

/// A WhatsApp Cloud API send body → (recipient, bubble), or why Meta would refuse it.
pub fn from_graph(body: &Value) -> Result<(String, Bubble), String> {
    if body["messaging_product"] != "whatsapp" {
        return Err("messaging_product must be \"whatsapp\"".into());
    }
    let to = body["to"]
        .as_str()
        .or_else(|| body["recipient"].as_str())
        .filter(|t| !t.is_empty())
        .ok_or("the recipient (to) is missing")?
        .to_string();
    let str_at = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let bubble = match body["type"].as_str().unwrap_or("text") {
        "text" => Bubble::Text {
            text: body["text"]["body"]
                .as_str()
                .ok_or("text.body is missing")?
                .to_string(),
        },
        "interactive" => {
            let i = &body["interactive"];
            let text = str_at(&i["body"]["text"]);
            match i["type"].as_str() {
                Some("button") => Bubble::Buttons {
                    text,
                    choices: i["action"]["buttons"]
                        .as_array()
                        .ok_or("interactive.action.buttons is missing")?
                        .iter()
                        .map(|b| Choice {
                            id: str_at(&b["reply"]["id"]),
                            title: str_at(&b["reply"]["title"]),
                            description: None,
                        })
                        .collect(),
                },
                Some("list") => Bubble::List {
                    text,
                    button: str_at(&i["action"]["button"]),
                    choices: i["action"]["sections"]
                        .as_array()
                        .ok_or("interactive.action.sections is missing")?
                        .iter()
                        .flat_map(|s| s["rows"].as_array().cloned().unwrap_or_default())
                        .map(|r| Choice {
                            id: str_at(&r["id"]),
                            title: str_at(&r["title"]),
                            description: r["description"].as_str().map(str::to_string),
                        })
                        .collect(),
                },
                other => return Err(format!("interactive type {other:?} is not supported")),
            }
        }
        "template" => Bubble::Template {
            name: str_at(&body["template"]["name"]),
            language: str_at(&body["template"]["language"]["code"]),
        },
        other => return Err(format!("message type {other:?} is not supported")),
    };
    Ok((to, bubble))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> Envelope<'static> {
        Envelope {
            phone_number_id: "109876543210987",
            display_phone_number: "213555010000",
            from: "213555012345",
            name: "Visiteur",
            wamid: "wamid.demo.1",
            timestamp: 1_795_199_400,
        }
    }

    #[test]
    fn a_typed_message_becomes_the_text_webhook_meta_sends() {
        let body = inbound_webhook(
            &env(),
            &VisitorMessage::Text {
                text: "السلام عليكم".into(),
            },
        );
        let v: Value = serde_json::from_slice(&body).unwrap();
        let value = &v["entry"][0]["changes"][0]["value"];
        assert_eq!(value["metadata"]["phone_number_id"], "109876543210987");
        assert_eq!(value["contacts"][0]["wa_id"], "213555012345");
        let m = &value["messages"][0];
        assert_eq!(
            (&m["type"], &m["text"]["body"], &m["id"]),
            (
                &json!("text"),
                &json!("السلام عليكم"),
                &json!("wamid.demo.1")
            )
        );
    }

    #[test]
    fn a_tapped_button_and_list_row_become_interactive_replies() {
        let b = inbound_webhook(
            &env(),
            &VisitorMessage::Button {
                id: "yes".into(),
                title: "Confirmer ✅".into(),
            },
        );
        let v: Value = serde_json::from_slice(&b).unwrap();
        let i = &v["entry"][0]["changes"][0]["value"]["messages"][0]["interactive"];
        assert_eq!(i["type"], "button_reply");
        assert_eq!(i["button_reply"]["id"], "yes");
        let l = inbound_webhook(
            &env(),
            &VisitorMessage::ListRow {
                id: "cat:pizzas".into(),
                title: "Pizzas".into(),
                description: None,
            },
        );
        let v: Value = serde_json::from_slice(&l).unwrap();
        let i = &v["entry"][0]["changes"][0]["value"]["messages"][0]["interactive"];
        assert_eq!(i["type"], "list_reply");
        assert_eq!(i["list_reply"]["id"], "cat:pizzas");
        assert!(i["list_reply"].get("description").is_none());
    }

    #[test]
    fn a_recorded_voice_note_becomes_an_audio_webhook_with_a_media_id_only() {
        let b = inbound_webhook(&env(), &VisitorMessage::VoiceNote);
        let v: Value = serde_json::from_slice(&b).unwrap();
        let m = &v["entry"][0]["changes"][0]["value"]["messages"][0];
        assert_eq!(m["type"], "audio");
        assert_eq!(m["audio"]["id"], "demo-voice.1");
        assert_eq!(m["audio"]["voice"], true);
        assert!(m["audio"].get("url").is_none(), "Meta sends no URL: {m}");
        let sent: VisitorMessage = serde_json::from_value(json!({"kind": "voice_note"})).unwrap();
        assert_eq!(sent, VisitorMessage::VoiceNote);
        assert!(sent.check().is_ok());
        assert_eq!(
            sent.as_bubble(),
            Bubble::Voice {
                url: "voice-note.ogg".into()
            }
        );
    }

    #[test]
    fn graph_sends_become_bubbles_with_their_choices() {
        let text = json!({"messaging_product": "whatsapp", "to": "213555012345", "type": "text", "text": {"body": "Bienvenue"}});
        assert_eq!(
            from_graph(&text).unwrap(),
            (
                "213555012345".into(),
                Bubble::Text {
                    text: "Bienvenue".into()
                }
            )
        );
        let buttons = json!({"messaging_product": "whatsapp", "to": "1", "type": "interactive", "interactive": {
            "type": "button", "body": {"text": "Confirmer ?"},
            "action": {"buttons": [{"type": "reply", "reply": {"id": "yes", "title": "Oui"}}]}}});
        match from_graph(&buttons).unwrap().1 {
            Bubble::Buttons { text, choices } => {
                assert_eq!(text, "Confirmer ?");
                assert_eq!(choices[0].id, "yes");
            }
            b => panic!("{b:?}"),
        }
        let list = json!({"messaging_product": "whatsapp", "recipient": "DZ.1", "type": "interactive", "interactive": {
            "type": "list", "body": {"text": "Menu"}, "action": {"button": "Voir", "sections": [
                {"title": "", "rows": [{"id": "a", "title": "Pizzas", "description": "4 articles"}]},
                {"title": "", "rows": [{"id": "b", "title": "Boissons"}]}]}}});
        let (to, b) = from_graph(&list).unwrap();
        assert_eq!(to, "DZ.1");
        match b {
            Bubble::List {
                button, choices, ..
            } => {
                assert_eq!(button, "Voir");
                assert_eq!(choices.len(), 2);
                assert_eq!(choices[0].description.as_deref(), Some("4 articles"));
            }
            b => panic!("{b:?}"),
        }
    }

    #[test]
    fn graph_sends_meta_would_refuse_are_refused() {
        assert!(from_graph(&json!({"to": "1", "type": "text", "text": {"body": "x"}})).is_err());
        assert!(from_graph(
            &json!({"messaging_product": "whatsapp", "type": "text", "text": {"body": "x"}})
        )
        .is_err());
        assert!(from_graph(
            &json!({"messaging_product": "whatsapp", "to": "1", "type": "sticker"})
        )
        .is_err());
    }

    #[test]
    fn visitor_messages_whatsapp_would_not_carry_are_refused() {
        assert!(VisitorMessage::Text { text: "  ".into() }.check().is_err());
        assert!(VisitorMessage::Text {
            text: "a".repeat(MAX_TEXT_CHARS + 1)
        }
        .check()
        .is_err());
        assert!(VisitorMessage::Text {
            text: "salam".into()
        }
        .check()
        .is_ok());
        assert!(valid_wa_id("213555012345"));
        assert!(!valid_wa_id("+213555012345"));
        assert!(!valid_wa_id("1234"));
    }
}
