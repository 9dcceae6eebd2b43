//! WhatsApp's reply shapes (text, buttons, a list) cut to its limits, so no template has to
//! count characters.

use resto_sync::outbound::{
    Button, OutgoingMessage, Row, Section, MAX_BUTTON_TITLE_CHARS, MAX_LIST_ROWS,
    MAX_ROW_TITLE_CHARS,
};

pub(super) fn text(s: String) -> OutgoingMessage {
    OutgoingMessage::Text { text: s }
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max - 1).collect();
        out.push('…');
        out
    }
}

pub(super) fn buttons(text: String, b: &[(&str, String)]) -> OutgoingMessage {
    OutgoingMessage::Buttons {
        text,
        buttons: b
            .iter()
            .map(|(id, title)| Button {
                id: id.to_string(),
                title: clip(title, MAX_BUTTON_TITLE_CHARS),
            })
            .collect(),
    }
}

pub(super) fn list(
    text: String,
    button: String,
    rows: Vec<(String, String, Option<String>)>,
) -> OutgoingMessage {
    OutgoingMessage::List {
        text,
        button: clip(&button, MAX_BUTTON_TITLE_CHARS),
        sections: vec![Section {
            title: String::new(),
            rows: rows
                .into_iter()
                .take(MAX_LIST_ROWS)
                .map(|(id, title, description)| Row {
                    id,
                    title: clip(&title, MAX_ROW_TITLE_CHARS),
                    description,
                })
                .collect(),
        }],
    }
}
