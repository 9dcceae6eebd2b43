//! The spans of a message nothing mapped: reported to the owner's learning loop, and to the
//! customer when they stood where an item was expected ("2 coca" on a menu without coca).

use super::{Sources, Understanding};
use crate::domain::lexicon::IntentHit;
use crate::domain::text::{self, Token};
use crate::domain::words;

/// Words that are not the name of anything but still belong to the conversation: payment,
/// pickup/delivery, checkout words, place names found as a slot.
fn explained(t: &Token, u: &Understanding, src: &Sources<'_>) -> bool {
    let one = std::slice::from_ref(t);
    words::is_filler(t)
        || words::is_correction(t)
        || words::is_replace(t)
        || words::is_more(t)
        || words::is_container(t)
        || words::size_word(t).is_some()
        || words::pickup_in(one)
        || words::delivery_in(one)
        || words::checkout_in(one)
        || crate::domain::payment_words::payment_in(one).is_some()
        || crate::domain::payment_words::is_payment_word(t)
        || place_word(t, u, src)
        || t.norm.chars().count() < 2
}

fn place_word(t: &Token, u: &Understanding, src: &Sources<'_>) -> bool {
    let Some(crate::domain::places::Place::Commune(i)) = u.slots.place else {
        return false;
    };
    let c = &src.places.communes[i];
    std::iter::once(&c.name_fr)
        .chain([&c.name_ar])
        .chain(&c.aliases)
        .flat_map(|n| text::phrase(n))
        .any(|w| text::word_match(&t.fold, &w).is_some())
}

pub(super) fn fill(
    u: &mut Understanding,
    toks: &[Token],
    seg: &[usize],
    taken: &[bool],
    intents: &[IntentHit],
    src: &Sources<'_>,
    qty: &impl Fn(&Token) -> Option<u32>,
) {
    let in_intent = |i: usize| intents.iter().any(|h| h.start <= i && i < h.start + h.len);
    let free: Vec<bool> = (0..toks.len())
        .map(|i| {
            !taken[i] && !in_intent(i) && qty(&toks[i]).is_none() && !explained(&toks[i], u, src)
        })
        .collect();
    let ordering = !u.items.is_empty()
        || !u.categories.is_empty()
        || u.has(crate::domain::lexicon::Intent::OrderAdd);
    let mut i = 0;
    while i < toks.len() {
        if !free[i] {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < toks.len() && free[j] && seg[j] == seg[i] {
            j += 1;
        }
        let span: Vec<&str> = toks[i..j].iter().map(|t| t.norm.as_str()).collect();
        let span = span.join(" ");
        if span.chars().filter(|c| c.is_alphabetic()).count() >= 3 {
            // After an unclaimed number ("2 coca") or in an order, it stood for an item.
            let after_number = i > 0 && !taken[i - 1] && qty(&toks[i - 1]).is_some();
            if after_number || ordering {
                u.unknown_items.push(span.clone());
            }
            u.unmapped.push(span);
        }
        i = j;
    }
}
