//! What the customer sees of the bot: replies as text plus the buttons or list rows they
//! offer, and what a reply asks. Questions are recognised from the payload ids of the
//! choices (`opt:`, `ful:`, `pay:`, `place:`, `yes`, `act:checkout`, `cat:`, `item:`) and,
//! for the questions asked in plain text, from short generic cues ("commune", "بلدية",
//! "adresse", "عنوان"), never from whole bot sentences, so rewording the bot does not
//! break the customer.

use super::corpus::{Line, MenuFacts};
use resto_sync::outbound::OutgoingMessage;
use serde_json::Value;

/// A button or list row: what a tap sends back (`id`) and what the customer reads (`title`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub id: String,
    pub title: String,
    /// A list row rather than a reply button (a tap sends a `list_reply`).
    pub row: bool,
}

/// One message from the bot.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BotReply {
    pub text: String,
    pub choices: Vec<Choice>,
}

impl BotReply {
    pub fn text(t: &str) -> BotReply {
        BotReply {
            text: t.to_string(),
            choices: Vec::new(),
        }
    }

    pub fn with(t: &str, ids: &[(&str, &str)]) -> BotReply {
        BotReply {
            text: t.to_string(),
            choices: ids
                .iter()
                .map(|(id, title)| Choice {
                    id: id.to_string(),
                    title: title.to_string(),
                    row: false,
                })
                .collect(),
        }
    }

    /// From the edge's outbox message (in-process runner).
    pub fn from_outgoing(m: &OutgoingMessage) -> BotReply {
        match m {
            OutgoingMessage::Text { text } => BotReply::text(text),
            OutgoingMessage::Buttons { text, buttons } => BotReply {
                text: text.clone(),
                choices: buttons
                    .iter()
                    .map(|b| Choice {
                        id: b.id.clone(),
                        title: b.title.clone(),
                        row: false,
                    })
                    .collect(),
            },
            OutgoingMessage::List { text, sections, .. } => BotReply {
                text: text.clone(),
                choices: sections
                    .iter()
                    .flat_map(|s| &s.rows)
                    .map(|r| Choice {
                        id: r.id.clone(),
                        title: r.title.clone(),
                        row: true,
                    })
                    .collect(),
            },
            OutgoingMessage::Template { name, .. } => BotReply::text(name),
        }
    }

    /// From the body the Graph stand-in received (real path): WhatsApp Cloud API `text` or
    /// `interactive` (`button` / `list`).
    pub fn from_graph(body: &Value) -> BotReply {
        if let Some(t) = body["text"]["body"].as_str() {
            return BotReply::text(t);
        }
        let i = &body["interactive"];
        let text = i["body"]["text"].as_str().unwrap_or_default();
        let mut choices = Vec::new();
        for b in i["action"]["buttons"].as_array().into_iter().flatten() {
            choices.push(Choice {
                id: b["reply"]["id"].as_str().unwrap_or_default().to_string(),
                title: b["reply"]["title"].as_str().unwrap_or_default().to_string(),
                row: false,
            });
        }
        for s in i["action"]["sections"].as_array().into_iter().flatten() {
            for r in s["rows"].as_array().into_iter().flatten() {
                choices.push(Choice {
                    id: r["id"].as_str().unwrap_or_default().to_string(),
                    title: r["title"].as_str().unwrap_or_default().to_string(),
                    row: true,
                });
            }
        }
        BotReply {
            text: text.to_string(),
            choices,
        }
    }

    pub fn has(&self, prefix: &str) -> bool {
        self.choices.iter().any(|c| c.id.starts_with(prefix))
    }

    pub fn choice(&self, id: &str) -> Option<&Choice> {
        self.choices.iter().find(|c| c.id == id)
    }
}

/// What the bot's last replies ask of the customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Asked {
    /// A size (or other option) for the item named in the question, when one is.
    Size {
        sku: Option<String>,
    },
    Fulfilment,
    /// Delivery needs a bigger cart (only pickup or adding is offered).
    MinOrder,
    Commune,
    /// The commune exists in several places: pick one.
    Place,
    Address,
    Payment,
    /// The summary: confirm or change.
    Confirm,
    /// The cart with "order" / "add" / "empty".
    Cart,
    /// Categories or items to pick from.
    Menu,
    NotUnderstood,
    /// Nothing recognisable (an "added" note, a price, an answer to a question).
    Other,
}

impl Asked {
    /// The step this question belongs to, to count how often it came back.
    pub fn step(&self) -> String {
        match self {
            Asked::Size { sku } => format!("size:{}", sku.as_deref().unwrap_or("?")),
            other => format!("{other:?}").to_lowercase(),
        }
    }
}

const COMMUNE_CUES: &[&str] = &[
    "commune",
    "بلدية",
    "البلدية",
    "baladia",
    "baladiya",
    "blasa",
    "بلاصة",
    "quartier",
];
const ADDRESS_CUES: &[&str] = &["adresse", "عنوان", "العنوان", "3onwan", "address"];
const NOT_UNDERSTOOD_CUES: &[&str] = &[
    "pas compris",
    "pas bien compris",
    "ما فهمتش",
    "لم أفهم",
    "لم افهم",
    "mafhemtch",
    "ma fhemtch",
    "mafhamtch",
];

/// Reads the replies of one turn: the last message with choices decides; without any, the
/// last message's text cues.
pub fn asked(replies: &[BotReply], menu: &MenuFacts) -> Asked {
    if let Some(r) = replies.iter().rev().find(|r| !r.choices.is_empty()) {
        if r.has("opt:") {
            return Asked::Size {
                sku: named_item(&r.text, menu, true),
            };
        }
        if r.choice("yes").is_some() {
            return Asked::Confirm;
        }
        if r.has("pay:") {
            return Asked::Payment;
        }
        if r.has("place:") {
            return Asked::Place;
        }
        if r.choice("ful:delivery").is_some() {
            return Asked::Fulfilment;
        }
        if r.has("act:checkout") {
            return Asked::Cart;
        }
        if r.choice("ful:pickup").is_some() && r.choice("act:menu").is_some() {
            return Asked::MinOrder;
        }
        // A message with choices that is not the last one was followed by plain text: the
        // text is the question (a quote, then "your address?").
        if std::ptr::eq(r, replies.last().expect("r comes from replies")) {
            if r.has("cat:") || r.has("item:") {
                return Asked::Menu;
            }
            let only_help = r
                .choices
                .iter()
                .all(|c| c.id.starts_with("act:menu") || c.id.starts_with("act:human"));
            if only_help && (cue(&r.text, NOT_UNDERSTOOD_CUES) || r.has("act:human")) {
                return Asked::NotUnderstood;
            }
        }
    }
    let Some(last) = replies.last() else {
        return Asked::NotUnderstood;
    };
    if cue(&last.text, NOT_UNDERSTOOD_CUES) {
        Asked::NotUnderstood
    } else if cue(&last.text, COMMUNE_CUES) {
        Asked::Commune
    } else if cue(&last.text, ADDRESS_CUES) {
        Asked::Address
    } else if last.has("cat:") || last.has("item:") {
        Asked::Menu
    } else {
        Asked::Other
    }
}

fn cue(text: &str, cues: &[&str]) -> bool {
    let t = norm(text);
    cues.iter().any(|c| t.contains(&norm(c)))
}

/// The menu item a question names (longest name found), among items with sizes when `sized`.
pub fn named_item(text: &str, menu: &MenuFacts, sized: bool) -> Option<String> {
    let t = norm(text);
    let mut best: Option<(usize, String)> = None;
    for it in &menu.items {
        if sized && it.sizes.is_empty() {
            continue;
        }
        for name in [&it.fr, &it.ar] {
            let n = norm(name);
            if !n.is_empty() && t.contains(&n) && best.as_ref().is_none_or(|(l, _)| n.len() > *l) {
                best = Some((n.len(), it.sku.clone()));
            }
        }
    }
    best.map(|(_, s)| s)
}

/// The cart as a reply shows it: lines naming a menu item (its French or Arabic name) with
/// the quantity written before the name and the size named after it. A reply may name items
/// outside the cart too ("Added: 2 × Tacos" above the cart), so the cart is the bulleted item
/// lines when there are any, else the last block of consecutive item lines. Empty when the
/// reply shows no such line.
pub fn shown_cart(reply: &BotReply, menu: &MenuFacts) -> Vec<Line> {
    let parsed: Vec<(bool, Option<Line>)> = reply
        .text
        .lines()
        .map(|raw| {
            let bullet = raw.trim_start().starts_with(['•', '-', '*', '▪', '·', '◦']);
            (bullet, item_line(raw, menu))
        })
        .collect();
    if parsed.iter().any(|(b, l)| *b && l.is_some()) {
        return parsed
            .into_iter()
            .filter(|(b, _)| *b)
            .filter_map(|(_, l)| l)
            .collect();
    }
    let mut block: Vec<Line> = Vec::new();
    let mut open = false;
    for (_, l) in parsed {
        match l {
            Some(l) => {
                if !open {
                    block.clear();
                    open = true;
                }
                block.push(l);
            }
            None => open = false,
        }
    }
    block
}

fn item_line(raw: &str, menu: &MenuFacts) -> Option<Line> {
    let line = norm(raw);
    let mut found: Option<(usize, usize, &super::corpus::Item)> = None;
    for it in &menu.items {
        for name in [&it.fr, &it.ar] {
            let n = norm(name);
            if n.is_empty() {
                continue;
            }
            if let Some(at) = line.find(&n) {
                if found.is_none_or(|(_, len, _)| n.len() > len) {
                    found = Some((at, n.len(), it));
                }
            }
        }
    }
    let (at, len, item) = found?;
    let qty = line[..at]
        .split(|c: char| !c.is_ascii_digit())
        .rfind(|d| !d.is_empty())
        .and_then(|d| d.parse().ok())?;
    let after = &line[at + len..];
    let size = item
        .sizes
        .iter()
        .find(|(c, _)| after.contains(&norm(&c.fr)) || after.contains(&norm(&c.ar)))
        .map(|(c, _)| c.id.clone());
    Some(Line {
        sku: item.sku.clone(),
        qty,
        size,
    })
}

/// Lower case, Latin accents and Arabic diacritics and letter variants folded, Arabic-Indic
/// digits as ASCII: how a reader matches words whatever the spelling.
pub fn norm(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        let c = match c {
            'à' | 'â' | 'ä' | 'á' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' | 'í' => 'i',
            'ô' | 'ö' | 'ó' => 'o',
            'ù' | 'û' | 'ü' | 'ú' => 'u',
            'ç' => 'c',
            '’' | '`' => '\'',
            'أ' | 'إ' | 'آ' | 'ٱ' => 'ا',
            'ة' => 'ه',
            'ى' => 'ي',
            '٠'..='٩' => char::from(b'0' + (c as u32 - '٠' as u32) as u8),
            '۰'..='۹' => char::from(b'0' + (c as u32 - '۰' as u32) as u8),
            '\u{064B}'..='\u{0652}' | '\u{0670}' | '\u{0640}' => continue,
            c => c,
        };
        out.push(c);
    }
    out
}
