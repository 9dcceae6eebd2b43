//! The commune a message names, and the slots it fills on the way (pickup or delivery,
//! commune, payment).

use super::{Slots, Sources};
use crate::domain::lexicon::Fit;
use crate::domain::places::{Place, PlaceMatch};
use crate::domain::text::{self, Token};
use crate::domain::words;

/// A commune named in a message, and whether it is surely one.
#[derive(Debug, Clone, Copy)]
pub(super) struct Named {
    pub m: PlaceMatch,
    /// Spelled as in the data (up to articles and spaces) or after "à", "l", "في"…: its words
    /// are the place, not item names or unknown words.
    pub taken: bool,
    /// After a preposition of place: a delivery there is meant even without "livraison".
    pub after_preposition: bool,
}

/// Words that put a commune name after them: "à Kouba", "l bab ezzouar", "في الحراش".
const PLACE_PREPOSITIONS: &[&str] = &[
    "a", "au", "vers", "sur", "l", "f", "fi", "fel", "lel", "ila", "ل", "الى", "إلى", "في", "ف",
    "لـ",
];

pub(super) fn place_named(src: &Sources<'_>, toks: &[Token], taken: &[bool]) -> Option<Named> {
    let fits: Vec<Fit> = toks
        .iter()
        .zip(taken)
        .map(|(t, taken)| {
            if *taken || src.catalog.has_word(&t.fold) {
                Fit::Never
            } else if words::is_function_word(t) {
                Fit::Exact
            } else {
                Fit::Fuzzy
            }
        })
        .collect();
    let fit = |i: usize| fits[i];
    let found = src
        .places
        .find_matches(toks, fit, &[&src.menu.restaurant.wilaya_code]);
    // Several communes of that name far away: the question will list them.
    let m = *found.first()?;
    if !matches!(m.place, Place::Commune(_)) {
        return None;
    }
    let prepositions: Vec<String> = PLACE_PREPOSITIONS
        .iter()
        .map(|w| text::fold(&text::normalize(w)))
        .collect();
    let before = m.start.checked_sub(1).map(|b| &toks[b]);
    let after_preposition = before.is_some_and(|t| prepositions.contains(&t.fold));
    let after_delivery = before.is_some_and(|t| words::delivery_in(std::slice::from_ref(t)));
    let letters: usize = toks[m.start..m.start + m.len]
        .iter()
        .map(|t| t.fold.chars().count())
        .sum();
    // A commune spelled like a known word ("seb3a" is 7 and Sebaa, "souma" the price and
    // Soumaa) is that word unless a preposition or a delivery word says it is a place.
    let known = (m.start..m.start + m.len).all(|i| fits[i] == Fit::Exact);
    let sure = m.edits == 0 && letters >= 4 && !known;
    Some(Named {
        m,
        taken: sure || ((after_preposition || after_delivery) && m.edits <= 1),
        after_preposition,
    })
}

/// Pickup/delivery, commune and payment named in the message.
pub(super) fn slots(toks: &[Token], place: Option<Named>) -> Slots {
    let pickup = words::pickup_in(toks);
    let named = place.filter(|p| p.taken && p.after_preposition && p.m.edits == 0);
    let delivery = words::delivery_in(toks) || (named.is_some() && !pickup);
    let place = if delivery && !pickup {
        place.filter(|p| p.taken).map(|p| p.m.place)
    } else {
        None
    };
    Slots {
        pickup: pickup && !delivery,
        delivery: delivery && !pickup,
        place,
        payment: crate::domain::payment_words::early_payment(toks),
    }
}
