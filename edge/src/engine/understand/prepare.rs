//! The message as tokens ready for matching: split into segments at commas and "and"
//! ("مارغريتا عدد 2، برغر، وثلاث ليموناضة" is three segments, so each number stays with its
//! item), a conjunction glued to a number split off ("وثلاث"), Arabic duals split into a
//! 2 and their singular ("قازوزتين" → 2 قازوزة).

use crate::domain::lexicon::Lexicon;
use crate::domain::text::{self, Token};
use crate::domain::words;

pub(super) struct Prepared {
    pub tokens: Vec<Token>,
    /// Segment of each token (a new one at each separator and conjunction).
    pub seg: Vec<usize>,
    /// Part of each token between separators (punctuation only): no phrase spans two.
    pub part: Vec<usize>,
    /// Tokens already explained (conjunctions).
    pub taken: Vec<bool>,
}

const SEPARATORS: &[char] = &[',', '،', ';', '؛', '\n', '+', '/', '.', '!', '?', '؟', '&'];
const CONJUNCTIONS: &[&str] = &["et", "w", "و", "and", "ou", "ع", "avec", "m3a", "مع"];

fn number(n: u32) -> Token {
    Token {
        norm: n.to_string(),
        fold: n.to_string(),
        number: Some(n),
    }
}

/// `has` says whether a folded word is spelled exactly as a word of some item name, `knows`
/// whether it is close to one.
pub(super) fn prepare(
    raw: &str,
    lx: &Lexicon,
    has: impl Fn(&str) -> bool,
    knows: impl Fn(&str) -> bool,
) -> Prepared {
    let qty = |t: &Token| lx.quantity(t).or_else(|| words::number_word(t));
    let mut out = Prepared {
        tokens: Vec::new(),
        seg: Vec::new(),
        part: Vec::new(),
        taken: Vec::new(),
    };
    let mut part = 0;
    let mut seg = 0;
    let push = |out: &mut Prepared, t: Token, (seg, part): (usize, usize), taken: bool| {
        out.tokens.push(t);
        out.seg.push(seg);
        out.part.push(part);
        out.taken.push(taken);
    };
    for text_part in raw.split(SEPARATORS) {
        let toks = text::tokens(text_part);
        if toks.is_empty() {
            continue;
        }
        seg += 1;
        part += 1;
        let mut it = toks.into_iter().peekable();
        while let Some(t) = it.next() {
            let next = it.peek();
            if CONJUNCTIONS.contains(&t.norm.as_str()) {
                seg += 1;
                push(&mut out, t, (seg, part), true);
                continue;
            }
            // A stem counts when it is exactly a word of a name, or a bottle, a sandwich…
            let known = |t: &Token| has(&t.fold) || words::is_container(t);
            let whole_known =
                |t: &Token| has(&t.fold) || words::is_function_word(t) || qty(t).is_some();
            // "وثلاث", "وماء", "ونجي": the conjunction starts a new segment.
            let mut t = t;
            if let Some(rest) = t.norm.strip_prefix('و').filter(|_| !whole_known(&t)) {
                let r = text::tokens(rest);
                if let [r] = r.as_slice() {
                    let stem_known = |s: Option<String>| {
                        s.and_then(|s| text::tokens(&s).pop())
                            .is_some_and(|s| known(&s))
                    };
                    let analysed = words::plural_stems(r).iter().any(known)
                        || stem_known(words::dual_stem(r))
                        || stem_known(words::masculine_dual_stem(r))
                        || words::construct_dual_stem(r)
                            .into_iter()
                            .flatten()
                            .any(|s| stem_known(Some(s)));
                    if whole_known(r) || knows(&r.fold) || analysed {
                        seg += 1;
                        t = r.clone();
                    }
                }
            }
            if whole_known(&t) {
                push(&mut out, t, (seg, part), false);
                continue;
            }
            let dual = words::dual_stem(&t)
                .or_else(|| words::masculine_dual_stem(&t))
                .and_then(|s| text::tokens(&s).pop())
                .filter(known);
            if let Some(stem) = dual {
                push(&mut out, number(2), (seg, part), false);
                push(&mut out, stem, (seg, part), false);
                continue;
            }
            // "قارورتا ماء", "شطيرتي شاورما", "عصيري برتقال": a dual before the noun it
            // counts loses its ن.
            let before_noun = next.is_some_and(|n| has(&n.fold) || knows(&n.fold));
            let construct = words::construct_dual_stem(&t)
                .filter(|_| before_noun)
                .into_iter()
                .flatten()
                .filter_map(|s| text::tokens(&s).pop())
                .find(known);
            if let Some(stem) = construct {
                push(&mut out, number(2), (seg, part), false);
                push(&mut out, stem, (seg, part), false);
                continue;
            }
            // "قازوزات", "شطائر": a plural is its singular; its number comes with it.
            if let Some(stem) = words::plural_stems(&t).into_iter().find(known) {
                push(&mut out, stem, (seg, part), false);
                continue;
            }
            push(&mut out, t, (seg, part), false);
        }
    }
    out
}
