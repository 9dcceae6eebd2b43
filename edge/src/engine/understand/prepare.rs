//! The message as tokens ready for matching: split into segments at commas and "and"
//! ("مارغريتا عدد 2، برغر، وثلاث ليموناضة" is three segments, so each number stays with its
//! item), a conjunction glued to a number split off ("وثلاث"), Arabic duals split into a
//! 2 and their singular ("قازوزتين" → 2 قازوزة).

use crate::domain::lexicon::Lexicon;
use crate::domain::text::{self, Token};
use crate::domain::words;

pub(super) struct Prepared {
    pub tokens: Vec<Token>,
    /// Segment of each token.
    pub seg: Vec<usize>,
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

pub(super) fn prepare(raw: &str, lx: &Lexicon, knows: impl Fn(&str) -> bool) -> Prepared {
    let qty = |t: &Token| lx.quantity(t).or_else(|| words::number_word(t));
    let mut out = Prepared {
        tokens: Vec::new(),
        seg: Vec::new(),
        taken: Vec::new(),
    };
    let mut seg = 0;
    let push = |out: &mut Prepared, t: Token, seg: usize, taken: bool| {
        out.tokens.push(t);
        out.seg.push(seg);
        out.taken.push(taken);
    };
    for part in raw.split(SEPARATORS) {
        let toks = text::tokens(part);
        if toks.is_empty() {
            continue;
        }
        seg += 1;
        for t in toks {
            if CONJUNCTIONS.contains(&t.norm.as_str()) {
                seg += 1;
                push(&mut out, t, seg, true);
                continue;
            }
            if qty(&t).is_some() {
                push(&mut out, t, seg, false);
                continue;
            }
            // "وثلاث", "وزوج": the conjunction starts a new segment.
            if let Some(rest) = t.norm.strip_prefix('و') {
                let r = text::tokens(rest);
                if let [r] = r.as_slice() {
                    if qty(r).is_some() {
                        seg += 1;
                        push(&mut out, r.clone(), seg, false);
                        continue;
                    }
                }
            }
            let dual = words::dual_stem(&t)
                .or_else(|| words::masculine_dual_stem(&t))
                .and_then(|s| text::tokens(&s).pop())
                .filter(|s| (knows(&s.fold) || words::is_container(s)) && !knows(&t.fold));
            if let Some(stem) = dual {
                push(&mut out, number(2), seg, false);
                push(&mut out, stem, seg, false);
                continue;
            }
            push(&mut out, t, seg, false);
        }
    }
    out
}
