//! What a message says, independent of the conversation: intents, menu items with their
//! quantities and options, categories, a bare number.

use crate::lexicon::{phrase_at, Intent, Lexicon};
use crate::menu::{ItemOption, Menu};
use crate::text::{self, Token};

/// Matchable names of the menu, built once per menu version.
#[derive(Debug)]
pub struct Catalog {
    items: Vec<(Vec<String>, String)>,
    categories: Vec<(Vec<String>, String)>,
}

impl Catalog {
    pub fn new(menu: &Menu) -> Catalog {
        let mut items = Vec::new();
        let mut categories = Vec::new();
        for c in &menu.categories {
            for n in [&c.name.fr, &c.name.ar, &c.id] {
                let words = text::phrase(n);
                // "Sandwichs & Tacos": each long word names the category too.
                for w in &words {
                    if w.chars().count() >= 4 {
                        categories.push((vec![w.clone()], c.id.clone()));
                    }
                }
                if !words.is_empty() {
                    categories.push((words, c.id.clone()));
                }
            }
            for it in &c.items {
                for n in [&it.name.fr, &it.name.ar].into_iter().chain(&it.aliases) {
                    let words = text::phrase(n);
                    if !words.is_empty() {
                        items.push((words, it.sku.clone()));
                    }
                }
            }
        }
        Catalog { items, categories }
    }
}

impl Catalog {
    fn category_word(&self, t: &Token, category: &str) -> bool {
        self.categories.iter().any(|(words, id)| {
            id == category && words.len() == 1 && text::word_match(&t.fold, &words[0]).is_some()
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemMention {
    pub sku: String,
    pub qty: Option<u32>,
    /// Option choice ids found next to the item, one per option at most.
    pub choices: Vec<(usize, String)>,
    pub start: usize,
}

#[derive(Debug, Clone, Default)]
pub struct Understanding {
    pub tokens: Vec<Token>,
    pub intents: Vec<Intent>,
    pub items: Vec<ItemMention>,
    /// Categories named without an item, with a quantity when one was given ("2 pizzas").
    pub categories: Vec<(String, Option<u32>)>,
    /// The message is only a number (an answer to a numbered list).
    pub number_alone: Option<u32>,
}

impl Understanding {
    pub fn has(&self, i: Intent) -> bool {
        self.intents.contains(&i)
    }
}

/// Finds the best non-overlapping matches of `phrases` among the untaken tokens.
fn mentions<'p>(
    toks: &[Token],
    taken: &mut [bool],
    phrases: &'p [(Vec<String>, String)],
) -> Vec<(usize, usize, &'p str)> {
    let mut hits = Vec::new();
    for start in 0..toks.len() {
        for (words, id) in phrases {
            // Two-letter single words ("ma" = water in Darija, "ma" = my in French) only
            // count when they are the whole message: too many ordinary words collide.
            if words.len() == 1 && words[0].chars().count() <= 2 && toks.len() > 2 {
                continue;
            }
            if let Some(edits) = phrase_at(toks, start, words, 4) {
                if (start..start + words.len()).all(|i| !taken[i]) {
                    hits.push((start, words.len(), edits, id.as_str()));
                }
            }
        }
    }
    hits.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)).then(a.0.cmp(&b.0)));
    let mut out = Vec::new();
    for (start, len, _, id) in hits {
        if (start..start + len).all(|i| !taken[i]) {
            (start..start + len).for_each(|i| taken[i] = true);
            out.push((start, len, id));
        }
    }
    out.sort_by_key(|m| m.0);
    out
}

/// A quantity written just before a mention ("2 pizza", "zouj x tacos") or, as "x2"/"2x" or
/// at the end of the message, just after it ("tacos x2").
fn quantity_near(
    lx: &Lexicon,
    toks: &[Token],
    taken: &mut [bool],
    start: usize,
    end: usize,
) -> Option<u32> {
    let mut before = start.checked_sub(1);
    if let Some(b) = before {
        if toks[b].norm == "x" || toks[b].norm == "de" {
            before = b.checked_sub(1);
        }
    }
    if let Some(b) = before.filter(|&b| !taken[b]) {
        if let Some(q) = lx.quantity(&toks[b]) {
            taken[b] = true;
            return Some(q);
        }
    }
    let a = end;
    if a < toks.len() && !taken[a] && toks[a].number.is_some() {
        let marked = toks[a].norm.contains('x');
        if marked || a + 1 == toks.len() {
            taken[a] = true;
            return toks[a].number;
        }
    }
    None
}

/// The choice of `opt` named in the message ("grande", "كبيرة", "taille L").
pub fn find_choice(toks: &[Token], opt: &ItemOption) -> Option<String> {
    for ch in &opt.choices {
        for n in [&ch.name.fr, &ch.name.ar] {
            let words = text::phrase(n);
            if (0..toks.len()).any(|s| phrase_at(toks, s, &words, 4).is_some()) {
                return Some(ch.id.clone());
            }
        }
    }
    let size_words = ["taille", "size", "حجم", "الحجم"].map(|w| text::fold(&text::normalize(w)));
    for w in toks.windows(2) {
        if size_words.contains(&w[0].fold) {
            if let Some(ch) = opt
                .choices
                .iter()
                .find(|c| c.id.eq_ignore_ascii_case(&w[1].norm))
            {
                return Some(ch.id.clone());
            }
        }
    }
    None
}

pub fn understand(text: &str, menu: &Menu, catalog: &Catalog, lx: &Lexicon) -> Understanding {
    let toks = text::tokens(text);
    let intent_hits = lx.intents(&toks);
    let mut taken = vec![false; toks.len()];
    let mut item_hits = mentions(&toks, &mut taken, &catalog.items);
    // "2 pizza viande": a category word just before an item belongs to it, so the
    // quantity before the category word counts for the item.
    for (start, len, sku) in item_hits.iter_mut() {
        let Some(cat) = menu.category_of(sku) else {
            continue;
        };
        if *start > 0 && !taken[*start - 1] && catalog.category_word(&toks[*start - 1], &cat.id) {
            *start -= 1;
            *len += 1;
            taken[*start] = true;
        }
    }
    let cat_hits = mentions(&toks, &mut taken, &catalog.categories);
    let mut items = Vec::new();
    for (start, len, sku) in &item_hits {
        let qty = quantity_near(lx, &toks, &mut taken, *start, start + len);
        items.push(ItemMention {
            sku: sku.to_string(),
            qty,
            choices: Vec::new(),
            start: *start,
        });
    }
    // Options are read from the words after each item up to the next item.
    for i in 0..items.len() {
        let Some(item) = menu.item(&items[i].sku) else {
            continue;
        };
        let from = items[i].start;
        let to = items.get(i + 1).map(|n| n.start).unwrap_or(toks.len());
        for (pos, opt) in item.options.iter().enumerate() {
            if let Some(id) = find_choice(&toks[from..to], opt) {
                items[i].choices.push((pos, id));
            }
        }
    }
    let mut categories = Vec::new();
    for (start, len, id) in cat_hits {
        let qty = quantity_near(lx, &toks, &mut taken, start, start + len);
        if !categories
            .iter()
            .any(|(c, _): &(String, Option<u32>)| c == id)
        {
            categories.push((id.to_string(), qty));
        }
    }
    let number_alone = match toks.as_slice() {
        [t] => t.number,
        [a, t] if matches!(a.norm.as_str(), "n" | "no" | "numero" | "num" | "رقم") => t.number,
        _ => None,
    };
    // Number words ("un", "deux") are quantities, not intents; drop intents that only
    // matched words an item or a category already explains ("commande" is no item, but
    // "la carte" stays the menu).
    let intents = intent_hits
        .iter()
        .filter(|h| !(h.start..h.start + h.len).all(|i| taken[i]))
        .map(|h| h.intent)
        .collect();
    Understanding {
        tokens: toks,
        intents,
        items,
        categories,
        number_alone,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> Menu {
        let bytes = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/fixtures/menus/demo_menu.json"
        ))
        .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    fn items(s: &str) -> Vec<(String, Option<u32>, Vec<String>)> {
        let m = demo();
        let u = understand(s, &m, &Catalog::new(&m), &Lexicon::embedded());
        u.items
            .into_iter()
            .map(|i| (i.sku, i.qty, i.choices.into_iter().map(|c| c.1).collect()))
            .collect()
    }

    fn one(sku: &str, q: u32) -> (String, Option<u32>, Vec<String>) {
        (sku.to_string(), Some(q), vec![])
    }

    #[test]
    fn quantities_come_from_digits_or_words_in_three_languages() {
        assert_eq!(items("zouj tacos"), vec![one("TC-POULET", 2)]);
        assert_eq!(items("جوج شاورما"), vec![one("CH-VIANDE", 2)]);
        assert_eq!(items("deux burgers"), vec![one("BG-CLASSIC", 2)]);
        assert_eq!(items("tacos x3"), vec![one("TC-POULET", 3)]);
        assert_eq!(
            items("3 karantika w 2 limonade"),
            vec![one("KR-KARANTIKA", 3), one("BS-LIMO", 2)]
        );
    }

    #[test]
    fn names_are_found_through_aliases_typos_and_options() {
        assert_eq!(
            items("une pitza margarita grande"),
            vec![("PZ-MARG".into(), Some(1), vec!["L".into()])]
        );
        assert_eq!(
            items("2 pizza 4 fromages taille M"),
            vec![("PZ-4FR".into(), Some(2), vec!["M".into()])]
        );
        assert_eq!(
            items("بيتزا مارغريتا كبيرة"),
            vec![("PZ-MARG".into(), None, vec!["L".into()])]
        );
    }

    #[test]
    fn a_category_without_an_item_keeps_its_quantity() {
        let m = demo();
        let u = understand("2 pizza", &m, &Catalog::new(&m), &Lexicon::embedded());
        assert!(u.items.is_empty());
        assert_eq!(u.categories, vec![("pizzas".to_string(), Some(2))]);
    }

    #[test]
    fn ordinary_words_are_not_taken_for_short_item_names() {
        assert!(items("ma commande est où").is_empty());
    }
}
