//! Intent phrases (`data/intents_fr_ar_darija.json`), quantity words and language cues, and
//! the matcher that finds them in a tokenised message.

use crate::domain::menu::Lang;
use crate::domain::text::{self, Token};
use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};
use std::sync::LazyLock;

const INTENTS_JSON: &str = include_str!("../../data/intents_fr_ar_darija.json");

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    Greeting,
    ShowMenu,
    OrderAdd,
    RemoveItem,
    PriceQuestion,
    DeliveryQuestion,
    OrderStatus,
    Cancel,
    Confirm,
    Decline,
    HumanHandoff,
    OpeningHours,
    PaymentQuestion,
    Thanks,
    Bye,
    ModifyOrder,
    AddressLocation,
    Complaint,
}

impl Intent {
    /// The intent's name as stored and shown (`order_add`, `cancel`, …).
    pub fn as_str(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }
    pub fn parse(s: &str) -> Option<Intent> {
        serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detected {
    French,
    Arabic,
    DarijaLatin,
}

#[derive(Deserialize)]
struct Lists {
    fr: Vec<String>,
    ar: Vec<String>,
    darija_latin: Vec<String>,
}

#[derive(Debug)]
struct Phrase {
    intent: Intent,
    words: Vec<String>,
    /// Short words (`la`, `ok`, `ih`) count only as the first word of a message: `la` is also
    /// the French article (`la carte`).
    first_word_only: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IntentHit {
    pub intent: Intent,
    pub start: usize,
    pub len: usize,
}

#[derive(Debug)]
pub struct Lexicon {
    phrases: Vec<Phrase>,
    /// Every word of every intent phrase, to tell known words from typos of names.
    intent_words: HashSet<String>,
    quantities: Vec<(String, u32)>,
    darija: HashSet<String>,
    french: HashSet<String>,
}

/// French words that say "this is French" even when no intent phrase matched.
const FRENCH_CUES: &[&str] = &[
    "je", "tu", "vous", "nous", "le", "les", "des", "du", "de", "une", "pour", "avec", "est", "et",
    "svp", "stp", "mon", "ma", "mes", "votre", "vos", "sil", "plait", "quel", "quelle", "pas",
];
/// Darija function words that the intent lists do not carry on their own.
const DARIJA_CUES: &[&str] = &[
    "rani", "rak", "wach", "wesh", "wech", "ta3", "taa", "dyal", "dial", "khoya", "sahbi", "bzaf",
    "kifach", "chhal", "ch7al", "hadi", "hada", "win", "fin", "ana", "nta", "nti", "3and",
    "3andkom", "andkom", "m3a", "w", "bach", "ghir", "mazal", "kayen", "kain", "lyoum", "tani",
    "zid", "ya",
];

/// The embedded intent words, parsed once per process.
pub static LEXICON: LazyLock<Lexicon> = LazyLock::new(Lexicon::embedded);

impl Lexicon {
    /// The embedded lists plus phrases the owner taught, as `(intent, phrase)`.
    pub fn with_aliases(taught: &[(Intent, String)]) -> Lexicon {
        let mut lx = Lexicon::embedded();
        for (intent, p) in taught {
            let words = text::phrase(p);
            if !words.is_empty() {
                lx.intent_words.extend(words.iter().cloned());
                lx.phrases.push(Phrase {
                    intent: *intent,
                    first_word_only: false,
                    words,
                });
            }
        }
        lx
    }

    /// The embedded intent lists. They are checked by a test, so this cannot fail at run time.
    pub fn embedded() -> Lexicon {
        let raw: BTreeMap<String, Lists> =
            serde_json::from_str(INTENTS_JSON).expect("embedded intents file is valid");
        let mut phrases = Vec::new();
        let mut quantities = Vec::new();
        let mut darija = HashSet::new();
        let mut french = HashSet::new();
        for (name, lists) in &raw {
            let all = lists.fr.iter().chain(&lists.ar).chain(&lists.darija_latin);
            if let Some(n) = name.strip_prefix("qty_") {
                if let Ok(v) = n.parse::<u32>() {
                    for p in all {
                        if let [w] = text::phrase(p).as_slice() {
                            quantities.push((w.clone(), v));
                        }
                    }
                }
                continue;
            }
            let intent: Intent = serde_json::from_value(serde_json::Value::String(name.clone()))
                .unwrap_or_else(|_| panic!("unknown intent {name} in the embedded intents file"));
            for p in lists.darija_latin.iter() {
                darija.extend(text::phrase(p));
            }
            for p in lists.fr.iter() {
                french.extend(text::phrase(p));
            }
            for p in all {
                let words = text::phrase(p);
                if words.is_empty() {
                    continue;
                }
                let first_word_only = words.len() == 1 && words[0].chars().count() <= 3;
                phrases.push(Phrase {
                    intent,
                    words,
                    first_word_only,
                });
            }
        }
        // Phrases the shared file lacks (it stays byte for byte the shared ground truth).
        for (intent, list) in crate::domain::words::EXTRA_INTENTS {
            for p in list.iter() {
                let words = text::phrase(p);
                if !words.is_empty() {
                    phrases.push(Phrase {
                        intent: *intent,
                        first_word_only: false,
                        words,
                    });
                }
            }
        }
        // A word on both lists says nothing about which language it is.
        let both: HashSet<String> = darija.intersection(&french).cloned().collect();
        darija.retain(|w| !both.contains(w));
        french.retain(|w| !both.contains(w));
        darija.extend(DARIJA_CUES.iter().map(|w| text::fold(w)));
        french.extend(FRENCH_CUES.iter().map(|w| text::fold(w)));
        let intent_words = phrases.iter().flat_map(|p| p.words.clone()).collect();
        Lexicon {
            phrases,
            intent_words,
            quantities,
            darija,
            french,
        }
    }

    /// Every intent phrase found, keeping the longest where phrases overlap. Two intents on
    /// the same words are both kept: the conversation state decides (`carte`, `parfait`, …).
    pub fn intents(&self, toks: &[Token]) -> Vec<IntentHit> {
        let mut hits: Vec<(IntentHit, usize)> = Vec::new();
        for start in 0..toks.len() {
            for p in &self.phrases {
                if p.first_word_only && start != 0 {
                    continue;
                }
                if let Some(edits) = phrase_at(toks, start, &p.words, 5) {
                    hits.push((
                        IntentHit {
                            intent: p.intent,
                            start,
                            len: p.words.len(),
                        },
                        edits,
                    ));
                }
            }
        }
        hits.sort_by(|a, b| {
            b.0.len
                .cmp(&a.0.len)
                .then(a.1.cmp(&b.1))
                .then(a.0.start.cmp(&b.0.start))
        });
        let mut taken = vec![false; toks.len()];
        let mut out: Vec<(IntentHit, usize)> = Vec::new();
        for (h, edits) in hits {
            let span = h.start..h.start + h.len;
            // Same words, as exact a match as the one kept: an ambiguous phrase, keep both.
            let same_span = out
                .iter()
                .any(|(o, e)| o.start == h.start && o.len == h.len && *e == edits);
            if same_span || span.clone().all(|i| !taken[i]) {
                span.for_each(|i| taken[i] = true);
                if !out
                    .iter()
                    .any(|(o, _)| o.intent == h.intent && o.start == h.start && o.len == h.len)
                {
                    out.push((h, edits));
                }
            }
        }
        out.sort_by_key(|(h, _)| h.start);
        out.into_iter().map(|(h, _)| h).collect()
    }

    /// Whether a word belongs to some intent phrase.
    pub fn is_intent_word(&self, t: &Token) -> bool {
        self.intent_words.contains(&t.fold)
    }

    /// The quantity a word stands for: a digit, or a number word in any of the three languages.
    pub fn quantity(&self, t: &Token) -> Option<u32> {
        t.number.or_else(|| {
            self.quantities
                .iter()
                .find(|(w, _)| *w == t.fold)
                .map(|(_, v)| *v)
        })
    }

    pub fn detect(&self, raw: &str, toks: &[Token]) -> Option<Detected> {
        match text::script(raw) {
            text::Script::Arabic => return Some(Detected::Arabic),
            text::Script::None => return None,
            text::Script::Latin => {}
        }
        let (mut d, mut f) = (0, 0);
        for t in toks {
            let arabizi = t.norm.chars().any(|c| c.is_ascii_digit())
                && t.norm.chars().any(|c| c.is_ascii_alphabetic());
            if arabizi {
                d += 2;
            } else if self.darija.contains(&t.fold) {
                d += 1;
            } else if self.french.contains(&t.fold) {
                f += 1;
            }
        }
        Some(if d > f {
            Detected::DarijaLatin
        } else {
            Detected::French
        })
    }
}

/// Whether `words` occur at `start`; returns the number of typo edits used. Words shorter
/// than `fuzzy_from` letters must match exactly.
pub fn phrase_at(
    toks: &[Token],
    start: usize,
    words: &[String],
    fuzzy_from: usize,
) -> Option<usize> {
    phrase_at_with(toks, start, words, fuzzy_from, |_| Fit::Fuzzy)
}

/// How a token may match a dictionary word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    /// Exactly or with typos.
    Fuzzy,
    /// Only exactly: a word the bot already knows as something else ("ماشي" is "not", not
    /// a typo of "هاشي"; "أريد" is "I want", not the commune Arris).
    Exact,
    /// Not at all (already explained by another reading).
    Never,
}

/// `phrase_at` where each token position says how it may match (`fit(i)` for `toks[i]`).
pub fn phrase_at_with(
    toks: &[Token],
    start: usize,
    words: &[String],
    fuzzy_from: usize,
    fit: impl Fn(usize) -> Fit,
) -> Option<usize> {
    if start + words.len() > toks.len() {
        return None;
    }
    let mut edits = 0;
    for (i, (t, w)) in toks[start..].iter().zip(words).enumerate() {
        let f = fit(start + i);
        if f == Fit::Never {
            return None;
        }
        if t.fold == *w {
            continue;
        }
        if f == Fit::Exact || w.chars().count() < fuzzy_from || t.number.is_some() {
            return None;
        }
        edits += text::word_match(&t.fold, w)?;
    }
    Some(edits)
}

/// "français", "العربية", "arabi": an explicit request to change the reply language.
pub fn language_switch(toks: &[Token]) -> Option<Lang> {
    if toks.is_empty() || toks.len() > 3 {
        return None;
    }
    const FR: &[&str] = &[
        "francais",
        "french",
        "fransawi",
        "fransia",
        "فرنسيه",
        "بالفرنسيه",
        "فرنسي",
        "بالفرنسي",
        "فرونسي",
    ];
    const AR: &[&str] = &[
        "arabe",
        "arabi",
        "3arbi",
        "arbi",
        "3arbiya",
        "arabic",
        "عربي",
        "بالعربي",
        "العربيه",
        "عربيه",
        "بالعربيه",
    ];
    // Folded once: this runs on every message.
    static FOLDED: LazyLock<[Vec<String>; 2]> = LazyLock::new(|| {
        [FR, AR].map(|list| {
            list.iter()
                .map(|w| text::fold(&text::normalize(w)))
                .collect()
        })
    });
    let [fr, ar] = &*FOLDED;
    let hit = |list: &[String]| toks.iter().any(|t| list.contains(&t.fold));
    if hit(fr) {
        Some(Lang::Fr)
    } else if hit(ar) {
        Some(Lang::Ar)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::text::tokens;

    fn intents(s: &str) -> Vec<Intent> {
        let lx = Lexicon::embedded();
        lx.intents(&tokens(s))
            .into_iter()
            .map(|h| h.intent)
            .collect()
    }

    #[test]
    fn the_embedded_lists_load_with_every_intent_and_number_word() {
        let lx = Lexicon::embedded();
        assert!(lx.phrases.len() > 300);
        let q = |s: &str| lx.quantity(&tokens(s)[0]);
        assert_eq!(q("zouj"), Some(2));
        assert_eq!(q("جوج"), Some(2));
        assert_eq!(q("deux"), Some(2));
        assert_eq!(q("tlata"), Some(3));
        assert_eq!(q("٣"), Some(3));
        assert_eq!(q("pizza"), None);
    }

    #[test]
    fn the_longest_phrase_wins_over_its_parts() {
        assert_eq!(intents("machi mochkil"), vec![Intent::Confirm]);
        assert_eq!(intents("machi hada"), vec![Intent::RemoveItem]);
        assert_eq!(intents("machi"), vec![Intent::Decline]);
    }

    #[test]
    fn short_words_count_only_at_the_start() {
        assert_eq!(intents("la"), vec![Intent::Decline]);
        assert_eq!(
            intents("je veux la carte"),
            vec![Intent::OrderAdd, Intent::ShowMenu]
        );
    }

    #[test]
    fn phrases_are_found_in_every_language_and_through_typos() {
        assert!(intents("Salaaam alikoum").contains(&Intent::Greeting));
        assert!(intents("السلام عليكم").contains(&Intent::Greeting));
        assert!(intents("win rahi lcommande ta3i").contains(&Intent::OrderStatus));
        assert!(intents("nheb nehder m3a wahed").contains(&Intent::HumanHandoff));
        assert!(intents("merçi beaucoup").contains(&Intent::Thanks));
        assert!(intents("livraisn").contains(&Intent::DeliveryQuestion));
    }

    #[test]
    fn french_darija_and_arabic_are_told_apart() {
        let lx = Lexicon::embedded();
        let d = |s: &str| lx.detect(s, &tokens(s));
        assert_eq!(
            d("Bonjour, je voudrais le menu svp"),
            Some(Detected::French)
        );
        assert_eq!(
            d("salam khoya nheb zouj tacos"),
            Some(Detected::DarijaLatin)
        );
        assert_eq!(d("3tini wa7ed chawarma"), Some(Detected::DarijaLatin));
        assert_eq!(d("بغيت نطلب جوج بيتزا"), Some(Detected::Arabic));
        assert_eq!(d("👍"), None);
    }

    #[test]
    fn a_customer_can_ask_for_a_language_by_name() {
        assert_eq!(language_switch(&tokens("français")), Some(Lang::Fr));
        assert_eq!(language_switch(&tokens("العربية")), Some(Lang::Ar));
        assert_eq!(language_switch(&tokens("arabi")), Some(Lang::Ar));
        assert_eq!(language_switch(&tokens("je veux une pizza")), None);
    }
}
