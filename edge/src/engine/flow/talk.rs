//! The conversation around the order: the welcome, asking for a person, and what happens to a
//! message nothing understood (FAQ, one retry, then the menu or a person).

use super::Run;
use crate::domain::hours::next_opening;
use crate::domain::lexicon::phrase_at;
use crate::domain::menu::Menu;
use crate::domain::text::{self, Token};
use crate::engine::say::Say;
use crate::engine::understand::Understanding;
use crate::engine::{Effect, FaqLookup, Stage};

impl Run<'_, '_> {
    pub(super) fn welcome(&mut self) {
        let open = self.open();
        let next = if open {
            None
        } else {
            next_opening(&self.w.menu.restaurant, self.w.now)
        };
        self.say(Say::Welcome { open, next });
    }

    pub(super) fn human(&mut self) {
        self.effects.push(Effect::RequestHuman);
        self.say(Say::HumanComing);
    }

    pub(super) fn not_understood(&mut self, u: &Understanding) {
        let faq = match self.customer.faq {
            FaqLookup::NotSearched => faq_match(self.w.menu, &u.tokens).map(FaqLookup::Found),
            other => Some(other),
        };
        match faq {
            Some(FaqLookup::Found(i)) => return self.say(Say::Faq { index: i }),
            // Better a person than a wrong answer.
            Some(FaqLookup::Unsure) => return self.say(Say::OfferHelp),
            _ => {}
        }
        self.conv.misunderstood = self.missed.saturating_add(1);
        if self.conv.misunderstood >= 2 {
            self.say(Say::OfferHelp);
        } else {
            self.say(Say::NotUnderstood);
            if self.conv.stage != Stage::Idle {
                self.reprompt();
            }
        }
    }
}

/// The FAQ entry whose keywords the message hits most (at least one), ties to the first.
fn faq_match(menu: &Menu, toks: &[Token]) -> Option<usize> {
    let mut best: Option<(usize, usize)> = None;
    for (i, f) in menu.faq.iter().enumerate() {
        let hits = f
            .keywords
            .iter()
            .filter(|k| {
                let kw = text::phrase(k);
                (0..toks.len()).any(|s| phrase_at(toks, s, &kw, 5).is_some())
            })
            .count();
        if hits > 0 && best.map(|(_, b)| hits > b).unwrap_or(true) {
            best = Some((i, hits));
        }
    }
    best.map(|(i, _)| i)
}
