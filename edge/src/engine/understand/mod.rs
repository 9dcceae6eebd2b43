//! What a message says, independent of the conversation: intents, menu items with their
//! quantities and options, categories, slots given on the way (pickup/delivery, commune,
//! payment), correction markers, and the spans nothing mapped. `reading` then puts it in the
//! conversation's context to get cart operations.

mod place;
mod prepare;
mod quantities;
pub mod reading;
mod unmapped;

use crate::domain::lexicon::{phrase_at, phrase_at_with, Fit, Intent, Lexicon};
use crate::domain::menu::{Item, ItemOption, Menu, PaymentMethod};
use crate::domain::places::{Place, Places};
use crate::domain::text::{self, Token};
use crate::domain::words::{self, Size};
use place::{place_named, slots};
use quantities::{bind_later_number, bind_quantities, quantity_before, split_by_size};

/// Matchable names of the menu, built once per menu version.
#[derive(Debug)]
pub struct Catalog {
    items: Vec<(Vec<String>, String)>,
    categories: Vec<(Vec<String>, String)>,
}

/// At most this many spellings of one name (the families multiply).
const MAX_VARIANTS: usize = 64;

/// Every spelling of a folded phrase, from the spelling families of `words`.
fn spellings(words: &[String]) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = vec![Vec::new()];
    for w in words {
        let vs = words::variants(w);
        let mut next = Vec::new();
        for prefix in &out {
            for v in &vs {
                if next.len() < MAX_VARIANTS {
                    let mut p = prefix.clone();
                    p.push(v.clone());
                    next.push(p);
                }
            }
        }
        out = next;
    }
    out
}

impl Catalog {
    pub fn new(menu: &Menu) -> Catalog {
        Catalog::with_aliases(menu, &[])
    }

    /// The menu's names plus phrases the owner taught, as `(sku, phrase)`: they count like
    /// the menu's own aliases from the next message on. A sku no longer on the menu is
    /// ignored.
    pub fn with_aliases(menu: &Menu, taught: &[(String, String)]) -> Catalog {
        let mut items = Vec::new();
        let mut categories = Vec::new();
        for c in &menu.categories {
            for n in [&c.name.fr, &c.name.ar, &c.id] {
                let words = text::phrase(n);
                // "Sandwichs & Tacos": each long word names the category too.
                for w in &words {
                    if w.chars().count() >= 4 {
                        for v in words::variants(w) {
                            categories.push((vec![v], c.id.clone()));
                        }
                    }
                }
                if !words.is_empty() {
                    categories.push((words, c.id.clone()));
                }
            }
            for it in &c.items {
                for n in [&it.name.fr, &it.name.ar].into_iter().chain(&it.aliases) {
                    for words in spellings(&text::phrase(n)) {
                        if !words.is_empty() && !items.contains(&(words.clone(), it.sku.clone())) {
                            items.push((words, it.sku.clone()));
                        }
                    }
                }
            }
        }
        for (sku, phrase) in taught {
            let words = text::phrase(phrase);
            if !words.is_empty() && menu.item(sku).is_some() {
                items.push((words, sku.clone()));
            }
        }
        Catalog { items, categories }
    }

    fn category_word(&self, t: &Token, category: &str) -> bool {
        self.categories.iter().any(|(words, id)| {
            id == category && words.len() == 1 && text::word_match(&t.fold, &words[0]).is_some()
        })
    }

    /// Whether a single word is (close to) a word of some item name: worth splitting a dual.
    fn knows_word(&self, fold: &str) -> bool {
        self.items
            .iter()
            .flat_map(|(w, _)| w)
            .any(|w| w.chars().count() >= 3 && text::word_match(fold, w).is_some())
    }

    /// Whether a word is, spelled exactly, a word of some item name.
    fn has_word(&self, fold: &str) -> bool {
        self.items.iter().flat_map(|(w, _)| w).any(|w| w == fold)
    }

    /// Whether a word is (close to) a word of one of `sku`'s names.
    fn names_word_of(&self, sku: &str, t: &Token) -> bool {
        self.items
            .iter()
            .filter(|(_, s)| s == sku)
            .flat_map(|(w, _)| w)
            .any(|w| {
                w.chars().count() >= 3
                    && (*w == t.fold
                        || (!words::is_function_word(t) && text::word_match(&t.fold, w).is_some()))
            })
    }

    /// Up to three items whose names are closest to `span` (folded words), best first.
    pub fn closest(&self, span: &str) -> Vec<String> {
        let span = text::phrase(span).join(" ");
        let mut ranked: Vec<(usize, &str)> = Vec::new();
        for (words, sku) in &self.items {
            let name = words.join(" ");
            // Distance to the name, or to any of its words (a span is often one word).
            let d = std::iter::once(name.as_str())
                .chain(words.iter().map(String::as_str))
                .filter_map(|n| text::edit_distance_within(&span, n, 64))
                .min()
                .unwrap_or(usize::MAX);
            ranked.push((d, sku));
        }
        ranked.sort();
        let mut out: Vec<String> = Vec::new();
        let limit = span.chars().count().div_ceil(2).max(2);
        for (d, sku) in ranked {
            if d <= limit && !out.iter().any(|s| s == sku) {
                out.push(sku.to_string());
            }
            if out.len() == 3 {
                break;
            }
        }
        out
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

/// Slots a message fills on the way: "livraison à Hussein Dey", "الدفع عند الاستلام".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Slots {
    pub pickup: bool,
    pub delivery: bool,
    pub place: Option<Place>,
    pub payment: Option<PaymentMethod>,
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
    /// Quantities bound to no item, last one last ("machi 2, 3" → [2, 3]).
    pub free_numbers: Vec<u32>,
    /// A size named without an item ("kbira", "la grande").
    pub free_size: Option<Size>,
    /// The message corrects the previous one ("non", "machi", "بدّلها", "seulement").
    pub correction: bool,
    /// The message replaces one item with another ("à la place", "بلاصة").
    pub replace: bool,
    /// The message asks for more of something ("encore", "zid", "mettez m'en").
    pub more: bool,
    pub slots: Slots,
    /// Spans nothing mapped, normalised, in message order.
    pub unmapped: Vec<String>,
    /// Spans that stood where an item was expected (after a quantity or with an order).
    pub unknown_items: Vec<String>,
}

impl Understanding {
    pub fn has(&self, i: Intent) -> bool {
        self.intents.contains(&i)
    }
}

/// What the understanding reads besides the message.
pub struct Sources<'a> {
    pub menu: &'a Menu,
    pub catalog: &'a Catalog,
    pub lexicon: &'a Lexicon,
    pub places: &'a Places,
}

/// Finds the best non-overlapping matches of `phrases` among the untaken tokens.
fn mentions<'p>(
    toks: &[Token],
    taken: &mut [bool],
    phrases: &'p [(Vec<String>, String)],
    quantity: impl Fn(&Token) -> bool,
) -> Vec<(usize, usize, &'p str)> {
    // Words known as something else match a name only spelled exactly.
    let exact: Vec<bool> = toks.iter().map(words::is_function_word).collect();
    let mut hits = Vec::new();
    for start in 0..toks.len() {
        for (words, id) in phrases {
            // Two-letter single words ("ma" = water in Darija, "ma" = my in French) only
            // count when they are the whole message or follow a quantity or a container.
            if words.len() == 1 && words[0].chars().count() <= 2 && toks.len() > 2 {
                let after_unit = start > 0
                    && (quantity(&toks[start - 1]) || words::is_container(&toks[start - 1]));
                if !after_unit {
                    continue;
                }
            }
            let fit = |i: usize| if exact[i] { Fit::Exact } else { Fit::Fuzzy };
            if let Some(edits) = phrase_at_with(toks, start, words, 4, fit) {
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

/// The choice of `opt` named in the message ("grande", "كبيرة", "taille L").
pub fn find_choice(toks: &[Token], opt: &ItemOption) -> Option<String> {
    find_choice_at(toks, opt)
        .map(|(id, _)| id)
        .or_else(|| match toks {
            // The answer to the size question may be the letter alone ("L", "la L").
            [t] | [_, t] => letter_choice(t, opt),
            _ => None,
        })
}

/// The size a choice stands for, from its id or its names.
fn choice_size(c: &crate::domain::menu::Choice) -> Option<Size> {
    match c.id.to_ascii_uppercase().as_str() {
        "L" | "XL" | "G" => return Some(Size::Large),
        "M" => return Some(Size::Medium),
        "S" | "P" => return Some(Size::Small),
        _ => {}
    }
    [&c.name.fr, &c.name.ar]
        .iter()
        .flat_map(|n| text::tokens(n))
        .find_map(|t| words::size_word(&t))
}

/// The choice a size word names; "small" takes the smallest size when there is no small.
pub fn choice_for_size(opt: &ItemOption, size: Size) -> Option<String> {
    let sized: Vec<(Size, &str)> = opt
        .choices
        .iter()
        .filter_map(|c| Some((choice_size(c)?, c.id.as_str())))
        .collect();
    if let Some((_, id)) = sized.iter().find(|(s, _)| *s == size) {
        return Some(id.to_string());
    }
    match size {
        Size::Small => sized
            .iter()
            .find(|(s, _)| *s == Size::Medium)
            .map(|(_, id)| id.to_string()),
        _ => None,
    }
}

/// The choice of `opt` named in `toks` and the tokens that named it.
fn find_choice_at(toks: &[Token], opt: &ItemOption) -> Option<(String, Vec<usize>)> {
    for ch in &opt.choices {
        for n in [&ch.name.fr, &ch.name.ar] {
            let words = text::phrase(n);
            if let Some(s) = (0..toks.len()).find(|&s| phrase_at(toks, s, &words, 4).is_some()) {
                return Some((ch.id.clone(), (s..s + words.len()).collect()));
            }
        }
    }
    for (i, t) in toks.iter().enumerate() {
        if let Some(id) = words::size_word(t).and_then(|s| choice_for_size(opt, s)) {
            return Some((id, vec![i]));
        }
    }
    let size_words = ["taille", "size", "حجم", "الحجم"].map(|w| text::fold(&text::normalize(w)));
    for (i, w) in toks.windows(2).enumerate() {
        if size_words.contains(&w[0].fold) {
            if let Some(ch) = opt
                .choices
                .iter()
                .find(|c| c.id.eq_ignore_ascii_case(&w[1].norm))
            {
                return Some((ch.id.clone(), vec![i, i + 1]));
            }
        }
    }
    None
}

/// A choice id written as a letter right after the item ("margherita L", "4 fromages M").
fn letter_choice(t: &Token, opt: &ItemOption) -> Option<String> {
    if t.norm.chars().count() > 2 {
        return None;
    }
    opt.choices
        .iter()
        .find(|c| c.id.eq_ignore_ascii_case(&t.norm))
        .map(|c| c.id.clone())
}

pub fn understand(raw: &str, src: &Sources<'_>) -> Understanding {
    let lx = src.lexicon;
    let prepared = prepare::prepare(
        raw,
        lx,
        |w| src.catalog.has_word(w),
        |w| src.catalog.knows_word(w),
    );
    let toks = prepared.tokens;
    let seg = prepared.seg;
    let mut taken = prepared.taken;
    let part = prepared.part;
    let qty = |t: &Token| lx.quantity(t).or_else(|| words::number_word(t));
    // A phrase never spans a comma: "لا، أريد 2 ماء" is no "لا أريد".
    let intent_hits: Vec<_> = lx
        .intents(&toks)
        .into_iter()
        .filter(|h| part[h.start] == part[h.start + h.len - 1])
        .collect();
    let place = place_named(src, &toks, &taken);
    if let Some(p) = place.filter(|p| p.taken) {
        (p.m.start..p.m.start + p.m.len).for_each(|i| taken[i] = true);
    }
    let mut item_hits = mentions(&toks, &mut taken, &src.catalog.items, |t| qty(t).is_some());
    grow_item_hits(src, &toks, &seg, &mut taken, &mut item_hits);
    let items: Vec<ItemMention> = item_hits
        .iter()
        .map(|(start, _, sku)| ItemMention {
            sku: sku.to_string(),
            qty: None,
            choices: Vec::new(),
            start: *start,
        })
        .collect();
    let spans: Vec<(usize, usize)> = item_hits.iter().map(|(s, l, _)| (*s, s + l)).collect();
    let mut items = items;
    options(src.menu, &toks, &seg, &spans, &mut taken, &mut items);
    bind_quantities(&toks, &seg, &spans, &mut taken, &mut items, &qty);
    bind_later_number(&toks, &spans, &mut taken, &mut items, &qty);
    let items = split_by_size(src.menu, &toks, &spans, &mut taken, items, &qty);
    let cat_hits = mentions(&toks, &mut taken, &src.catalog.categories, |t| {
        qty(t).is_some()
    });
    let mut categories = Vec::new();
    for (start, len, id) in cat_hits {
        let q = quantity_before(&toks, &seg, &taken, start, &qty).map(|(i, q)| {
            taken[i] = true;
            q
        });
        if !categories
            .iter()
            .any(|(c, _): &(String, Option<u32>)| c == id)
        {
            categories.push((id.to_string(), q));
        }
        let _ = len;
    }
    let number_alone = match toks.as_slice() {
        [t] => t.number.or_else(|| qty(t)),
        [a, t] if matches!(a.norm.as_str(), "n" | "no" | "numero" | "num" | "رقم") => t.number,
        _ => None,
    };
    let mut free_numbers = Vec::new();
    let mut free_size = None;
    // "ثلاثا بدلا من واحدة", "3 au lieu de 2": the number after "instead of" is the old one.
    let instead = toks.iter().position(words::is_instead);
    for (i, t) in toks.iter().enumerate() {
        if taken[i] {
            continue;
        }
        if instead.is_some_and(|k| i > k && !free_numbers.is_empty()) {
            break;
        }
        if let Some(q) = qty(t) {
            free_numbers.push(q);
        } else if let Some(s) = words::size_word(t) {
            free_size = Some(s);
        }
    }
    let first_only = ["non", "la", "لا"].map(|w| text::fold(&text::normalize(w)));
    let correction = toks
        .iter()
        .enumerate()
        .any(|(i, t)| words::is_correction(t) && (i == 0 || !first_only.contains(&t.fold)))
        || words::correction_phrase_in(&toks);
    // "mettez", "عطيني" only order; with a correction they say what to set, not to add.
    let more = toks
        .iter()
        .any(|t| words::is_more(t) && !(correction && words::is_weak_more(t)));
    let slots = slots(&toks, place);
    // Number words are quantities, not intents; drop intents that only matched words an item
    // or a category already explains ("commande" is no item, but "la carte" stays the menu).
    let intents: Vec<Intent> = intent_hits
        .iter()
        .filter(|h| !(h.start..h.start + h.len).all(|i| taken[i]))
        .map(|h| h.intent)
        .collect();
    let mut u = Understanding {
        intents,
        items,
        categories,
        number_alone,
        free_numbers,
        free_size,
        correction,
        replace: toks.iter().any(words::is_replace),
        more,
        slots,
        unmapped: Vec::new(),
        unknown_items: Vec::new(),
        tokens: Vec::new(),
    };
    unmapped::fill(&mut u, &toks, &seg, &taken, &intent_hits, src, &qty);
    u.tokens = toks;
    u
}

/// Item matches widened to the words around them that belong to them: the rest of the item's
/// own name, and a category word before it.
fn grow_item_hits(
    src: &Sources<'_>,
    toks: &[Token],
    seg: &[usize],
    taken: &mut [bool],
    item_hits: &mut [(usize, usize, &str)],
) {
    // The rest of the item's own name after a shorter name matched: "jus d orange" is the
    // juice, not "jus" and an unknown "orange".
    for (start, len, sku) in item_hits.iter_mut() {
        loop {
            let e = *start + *len;
            let free = |i: usize| i < toks.len() && !taken[i] && seg[i] == seg[*start];
            let own = |i: usize| free(i) && src.catalog.names_word_of(sku, &toks[i]);
            let step = if own(e) {
                1
            } else if free(e) && words::is_connective(&toks[e]) && own(e + 1) {
                2
            } else {
                break;
            };
            (e..e + step).for_each(|i| taken[i] = true);
            *len += step;
        }
    }
    // A category word just before an item (a size word may stand between: "بيتزا كبيرة
    // مارغريتا") belongs to it, so the quantity before the category word counts for it.
    for (start, len, sku) in item_hits.iter_mut() {
        let Some(cat) = src.menu.category_of(sku) else {
            continue;
        };
        let mut b = *start;
        // …or a small word: "pizza au thon", "بيتزا بالتونة".
        while b > 0
            && !taken[b - 1]
            && (words::size_word(&toks[b - 1]).is_some() || words::is_connective(&toks[b - 1]))
        {
            b -= 1;
        }
        if b > 0 && !taken[b - 1] && src.catalog.category_word(&toks[b - 1], &cat.id) {
            taken[b - 1] = true;
            *len += *start - (b - 1);
            *start = b - 1;
        }
    }
}

/// Options read around each item, within its segment and up to the neighbouring items.
fn options(
    menu: &Menu,
    toks: &[Token],
    seg: &[usize],
    spans: &[(usize, usize)],
    taken: &mut [bool],
    items: &mut [ItemMention],
) {
    for i in 0..items.len() {
        let Some(item) = menu.item(&items[i].sku) else {
            continue;
        };
        let (start, end) = spans[i];
        let from = if i == 0 { 0 } else { spans[i - 1].1 };
        let from = (from..start)
            .find(|&k| seg[k] == seg[start])
            .unwrap_or(start);
        let to = spans.get(i + 1).map(|s| s.0).unwrap_or(toks.len());
        let to = (end..to).find(|&k| seg[k] != seg[start]).unwrap_or(to);
        for (pos, opt) in item.options.iter().enumerate() {
            let idx: Vec<usize> = (from..to).filter(|&k| !taken[k]).collect();
            let sub: Vec<Token> = idx.iter().map(|&k| toks[k].clone()).collect();
            let found = find_choice_at(&sub, opt)
                .map(|(id, ks)| (id, ks.into_iter().map(|k| idx[k]).collect::<Vec<_>>()))
                .or_else(|| {
                    let k = end;
                    (k < toks.len() && !taken[k])
                        .then(|| letter_choice(&toks[k], opt))
                        .flatten()
                        .map(|id| (id, vec![k]))
                });
            if let Some((id, ks)) = found {
                ks.iter().for_each(|&k| taken[k] = true);
                items[i].choices.push((pos, id));
            }
        }
    }
}

/// Whether `item` still needs an option the message did not give.
pub fn needs_option(item: &Item, choices: &[(usize, String)]) -> bool {
    item.options
        .iter()
        .enumerate()
        .any(|(i, o)| o.required && !choices.iter().any(|(p, _)| *p == i))
}

#[cfg(test)]
mod tests;
