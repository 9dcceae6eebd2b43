//! Quantities bound to items: a marked number after an item, a number before it, a number
//! closing its segment, a later "give me 3", a quantity shared among sizes.

use super::{choice_for_size, choice_size, ItemMention};
use crate::domain::menu::Menu;
use crate::domain::text::Token;
use crate::domain::words;

/// A quantity before token `start` in its segment, over words that may stand between a
/// number and a name ("2 bouteilles d'eau", "زوج حبات").
pub(super) fn quantity_before(
    toks: &[Token],
    seg: &[usize],
    taken: &[bool],
    start: usize,
    qty: &impl Fn(&Token) -> Option<u32>,
) -> Option<(usize, u32)> {
    let mut b = start;
    while b > 0 && seg[b - 1] == seg[start] {
        b -= 1;
        let t = &toks[b];
        if taken[b] {
            // An option word taken for this item ("une grande 4 fromages") is passed over.
            if words::size_word(t).is_some() {
                continue;
            }
            return None;
        }
        if let Some(q) = qty(t) {
            return Some((b, q));
        }
        let between = words::is_container(t)
            || matches!(
                t.fold.as_str(),
                "de" | "d" | "x" | "des" | "les" | "حبه" | "حبات" | "piece" | "من"
            );
        if !between {
            return None;
        }
    }
    None
}

/// Binds quantities to items: a marked number after an item first ("x2", "عدد 2"), then a
/// number before it, then a number closing its segment ("tacos 2, coca 3").
pub(super) fn bind_quantities(
    toks: &[Token],
    seg: &[usize],
    spans: &[(usize, usize)],
    taken: &mut [bool],
    items: &mut [ItemMention],
    qty: &impl Fn(&Token) -> Option<u32>,
) {
    let marker = |t: &Token| {
        matches!(
            t.norm.as_str(),
            "x" | "fois" | "عدد" | "nombre" | "fwa" | "مرات"
        )
    };
    let after = |taken: &[bool], end: usize| {
        let mut a = end;
        while a < toks.len() && taken[a] && words::size_word(&toks[a]).is_some() {
            a += 1;
        }
        a
    };
    for (i, (_, end)) in spans.iter().enumerate() {
        let a = after(taken, *end);
        if a >= toks.len() || taken[a] || seg[a] != seg[*end - 1] {
            continue;
        }
        let t = &toks[a];
        if t.number.is_some() && t.norm.contains('x') {
            taken[a] = true;
            items[i].qty = t.number;
        } else if marker(t) && a + 1 < toks.len() && !taken[a + 1] {
            if let Some(q) = qty(&toks[a + 1]) {
                taken[a] = true;
                taken[a + 1] = true;
                items[i].qty = Some(q);
            }
        } else if let Some(q) = qty(t) {
            if a + 1 < toks.len() && marker(&toks[a + 1]) {
                taken[a] = true;
                taken[a + 1] = true;
                items[i].qty = Some(q);
            }
        }
    }
    for (i, (start, _)) in spans.iter().enumerate() {
        if items[i].qty.is_some() {
            continue;
        }
        if let Some((b, q)) = quantity_before(toks, seg, taken, *start, qty) {
            taken[b] = true;
            items[i].qty = Some(q);
        }
    }
    for (i, (_, end)) in spans.iter().enumerate() {
        if items[i].qty.is_some() {
            continue;
        }
        let a = after(taken, *end);
        let closes = a + 1 >= toks.len() || seg[a + 1] != seg[a];
        if a < toks.len() && !taken[a] && seg[a] == seg[*end - 1] && closes {
            if let Some(q) = toks[a].number.or_else(|| qty(&toks[a])) {
                taken[a] = true;
                items[i].qty = Some(q);
            }
        }
    }
}

/// "3andkom chawarma ? 3tini 3": the one item without a quantity takes the only number of
/// a later part that says nothing else ("give me 3", "je veux 3").
pub(super) fn bind_later_number(
    toks: &[Token],
    spans: &[(usize, usize)],
    taken: &mut [bool],
    items: &mut [ItemMention],
    qty: &impl Fn(&Token) -> Option<u32>,
) {
    let Some((last, before)) = items.split_last_mut() else {
        return;
    };
    // Another item without a quantity: the number is not clearly the last one's.
    if last.qty.is_some() || before.iter().any(|m| m.qty.is_none()) {
        return;
    }
    let Some(&(_, end)) = spans.last() else {
        return;
    };
    let mut number = None;
    for i in end..toks.len() {
        if taken[i] {
            continue;
        }
        match qty(&toks[i]) {
            Some(q) if number.is_none() => number = Some((i, q)),
            Some(_) => return,
            None if words::is_filler(&toks[i]) || words::is_more(&toks[i]) => {}
            None => return,
        }
    }
    if let Some((i, q)) = number {
        taken[i] = true;
        last.qty = Some(q);
    }
}

/// "2 pizzas margherita, une grande et une moyenne", "زوج مارغريتا وحدة كبيرة ووحدة
/// متوسطة": a quantity shared among sizes after the item becomes one line per size, when the
/// parts add up to it.
pub(super) fn split_by_size(
    menu: &Menu,
    toks: &[Token],
    spans: &[(usize, usize)],
    taken: &mut [bool],
    items: Vec<ItemMention>,
    qty: &impl Fn(&Token) -> Option<u32>,
) -> Vec<ItemMention> {
    let mut out = Vec::new();
    for (i, m) in items.into_iter().enumerate() {
        let sized = menu.item(&m.sku).and_then(|it| {
            it.options
                .iter()
                .enumerate()
                .find(|(_, o)| o.choices.iter().any(|c| choice_size(c).is_some()))
        });
        let (Some((pos, opt)), Some(n), Some(&(_, end))) = (sized, m.qty, spans.get(i)) else {
            out.push(m);
            continue;
        };
        let to = spans.get(i + 1).map(|s| s.0).unwrap_or(toks.len());
        let mut parts: Vec<(u32, String, [usize; 2])> = Vec::new();
        for k in end..to.saturating_sub(1) {
            if let (Some(q), Some(size)) = (qty(&toks[k]), words::size_word(&toks[k + 1])) {
                if let Some(id) = choice_for_size(opt, size) {
                    parts.push((q, id, [k, k + 1]));
                }
            }
        }
        if parts.len() < 2 || parts.iter().map(|p| p.0).sum::<u32>() != n {
            out.push(m);
            continue;
        }
        for (q, id, ks) in parts {
            ks.iter().for_each(|&k| taken[k] = true);
            let mut choices: Vec<(usize, String)> = m
                .choices
                .iter()
                .filter(|(p, _)| *p != pos)
                .cloned()
                .collect();
            choices.push((pos, id));
            out.push(ItemMention {
                sku: m.sku.clone(),
                qty: Some(q),
                choices,
                start: m.start,
            });
        }
    }
    out
}
