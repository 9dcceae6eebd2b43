//! Typed words, placed in the order of precedence after the buttons: the answer the current
//! stage waits for, then requests valid anywhere, items and categories, general questions.

use super::cart::next_missing;
use super::fulfilment::PlaceFound;
use super::Run;
use crate::domain::lexicon::Intent;
use crate::domain::payment_words::payment_in;
use crate::domain::places::Place;
use crate::domain::text::Token;
use crate::engine::say::Say;
use crate::engine::understand::reading::{cart_ops, CartOp, Context};
use crate::engine::understand::{find_choice, Understanding};
use crate::engine::{Effect, FaqLookup, Stage};

use crate::domain::words::{checkout_in, delivery_in, pickup_in};

impl Run<'_, '_> {
    /// Steps 1–4 of the module's order of precedence; the first that takes the message ends it.
    pub(super) fn text(&mut self, u: Understanding) {
        self.remember_early(&u);
        let ctx = Context {
            menu: self.w.menu,
            cart: &self.conv.cart,
            focus: self.conv.focus.as_deref(),
            priced: self.conv.priced,
        };
        let ops = cart_ops(&u, &ctx);
        self.conv.priced = false;
        // A correction or an order of the item just priced applies whatever was asked last,
        // except while an address or a commune is typed (their words are free text).
        let free_text = matches!(
            self.conv.stage,
            Stage::DeliveryAddress | Stage::DeliveryPlace | Stage::ChoosingOption
        );
        let contextual = u.items.is_empty() && !ops.is_empty();
        if !free_text && (ops.iter().any(CartOp::corrects) || contextual) {
            self.apply(ops);
            return self.unknown(&u);
        }
        let before = self.conv.stage;
        if self.stage_answer(&u) || self.anywhere(&u) {
            // An address or a commune typed whole is no unknown phrase.
            if matches!(before, Stage::DeliveryAddress | Stage::DeliveryPlace) {
                self.unmapped.clear();
            }
            return;
        }
        if self.items(&u, ops) {
            self.unknown(&u);
        } else {
            self.general(&u);
        }
    }

    /// Slots given before their question are kept for when it comes.
    fn remember_early(&mut self, u: &Understanding) {
        if matches!(
            self.conv.stage,
            Stage::DeliveryAddress
                | Stage::DeliveryPlace
                | Stage::Confirming
                | Stage::Fulfilment
                | Stage::Payment
        ) {
            return;
        }
        let s = &u.slots;
        let e = &mut self.conv.early;
        if s.pickup {
            e.pickup = true;
            e.delivery = false;
            e.commune = None;
        }
        if s.delivery {
            e.delivery = true;
            e.pickup = false;
        }
        if let Some(Place::Commune(i)) = s.place {
            e.commune = Some(self.w.places.communes[i].code.clone());
        }
        if s.payment.is_some() {
            e.payment = s.payment;
        }
    }

    /// Names that stood where an item was expected and matched nothing: said, with the
    /// closest items to tap.
    fn unknown(&mut self, u: &Understanding) {
        if u.unknown_items.is_empty() {
            return;
        }
        let mut suggestions: Vec<String> = Vec::new();
        for span in &u.unknown_items {
            for sku in self.w.catalog.closest(span) {
                if !suggestions.contains(&sku) && !u.items.iter().any(|m| m.sku == sku) {
                    suggestions.push(sku);
                }
            }
        }
        suggestions.truncate(3);
        self.say(Say::NotFound {
            spans: u.unknown_items.clone(),
            suggestions,
        });
    }

    /// 1. What the current stage is waiting for. False when the message is not that answer.
    fn stage_answer(&mut self, u: &Understanding) -> bool {
        let toks = &u.tokens;
        let stage = self.conv.stage;
        match stage {
            Stage::Confirming if u.has(Intent::Confirm) && !u.has(Intent::Decline) => {
                self.confirm()
            }
            Stage::Confirming
                if u.has(Intent::Decline)
                    || u.has(Intent::Cancel)
                    || u.has(Intent::ModifyOrder) =>
            {
                self.not_sent()
            }
            Stage::Payment => match payment_in(toks) {
                Some(p) => self.pay(p),
                None => return false,
            },
            Stage::Fulfilment | Stage::CartReview if u.items.is_empty() => {
                return self.fulfilment_answer(u)
            }
            Stage::DeliveryPlace if u.items.is_empty() && pickup_in(toks) => self.pickup(),
            Stage::DeliveryPlace if u.items.is_empty() => match self.place_in(toks) {
                Some(PlaceFound::One(p)) => self.set_place(p),
                Some(PlaceFound::Several(list)) => self.choose_place(list),
                None => return false,
            },
            Stage::DeliveryAddress
                if u.items.is_empty()
                    && !u.has(Intent::Cancel)
                    && !u.has(Intent::HumanHandoff)
                    && !u.has(Intent::OrderStatus)
                    && self.raw.chars().filter(|c| c.is_alphanumeric()).count() >= 3 =>
            {
                self.set_address(self.raw.clone())
            }
            Stage::ChoosingOption if u.items.is_empty() => match self.choice_named(toks) {
                Some(id) => self.choose_option(Some(id)),
                None => return false,
            },
            _ => return false,
        }
        true
    }

    /// Checkout, pickup or delivery words while the cart or the pickup/delivery question is
    /// shown.
    fn fulfilment_answer(&mut self, u: &Understanding) -> bool {
        let toks = &u.tokens;
        let stage = self.conv.stage;
        if stage == Stage::CartReview
            && checkout_in(toks)
            && !u.has(Intent::Cancel)
            && !u.has(Intent::OrderStatus)
        {
            self.checkout();
        } else if pickup_in(toks) {
            self.pickup();
        } else if delivery_in(toks)
            && (stage == Stage::Fulfilment
                || !u.has(Intent::DeliveryQuestion)
                || u.has(Intent::OrderAdd))
        {
            let place = self.place_in(toks);
            self.delivery(place);
        } else {
            return false;
        }
        true
    }

    /// The choice a message names for the option the first pending item still needs.
    fn choice_named(&self, toks: &[Token]) -> Option<String> {
        let p = self.conv.pending.first()?;
        let item = p.sku.as_deref().and_then(|s| self.w.menu.item(s))?;
        let opt = next_missing(item, &p.choices).map(|i| &item.options[i])?;
        find_choice(toks, opt)
    }

    /// 2. Requests that work anywhere.
    fn anywhere(&mut self, u: &Understanding) -> bool {
        if u.has(Intent::HumanHandoff) {
            self.human();
        } else if u.has(Intent::Complaint) && u.items.is_empty() {
            self.effects.push(Effect::RequestHuman);
            self.say(Say::Sorry);
        } else if u.has(Intent::Cancel)
            && !u.has(Intent::RemoveItem)
            && (u.items.is_empty() || self.conv.cart.is_empty())
        {
            self.cancel();
        } else if u.has(Intent::OrderStatus) && u.items.is_empty() {
            self.status();
        } else {
            return false;
        }
        true
    }

    /// 3. Items and categories.
    fn items(&mut self, u: &Understanding, ops: Vec<CartOp>) -> bool {
        if !u.items.is_empty() {
            if u.has(Intent::PriceQuestion)
                && !u.has(Intent::OrderAdd)
                && !u.has(Intent::RemoveItem)
            {
                for m in &u.items {
                    self.say(Say::ItemPrice { sku: m.sku.clone() });
                }
                self.conv.focus = u.items.last().map(|m| m.sku.clone());
                self.conv.priced = true;
            } else if u.has(Intent::RemoveItem)
                && !ops.iter().any(|o| matches!(o, CartOp::Remove { .. }))
            {
                // "sans X" / "bla X" about items not in the cart: nothing to take out.
                for m in &u.items {
                    self.say(Say::NotInCart { sku: m.sku.clone() });
                }
            } else {
                self.apply(ops);
            }
            return true;
        }
        if let Some((cat, qty)) = u.categories.first().cloned() {
            if !(u.has(Intent::DeliveryQuestion)
                || u.has(Intent::OpeningHours)
                || u.has(Intent::PaymentQuestion))
                || u.has(Intent::OrderAdd)
            {
                self.show_category(&cat, 0, qty);
                return true;
            }
        }
        false
    }

    /// 4. Everything else: general questions and small talk, else "not understood".
    fn general(&mut self, u: &Understanding) {
        let stage = self.conv.stage;
        // "je veux un coca": the name is what was not understood.
        let only_order = u
            .intents
            .iter()
            .all(|i| matches!(i, Intent::OrderAdd | Intent::Greeting | Intent::ShowMenu));
        if !u.unknown_items.is_empty() && only_order && u.categories.is_empty() {
            return self.unknown(u);
        }
        if u.has(Intent::ShowMenu) && !(stage == Stage::Payment && u.has(Intent::PaymentQuestion)) {
            return self.show_menu();
        }
        if u.has(Intent::OrderAdd) {
            return if stage == Stage::CartReview && u.has(Intent::Confirm) {
                self.checkout()
            } else {
                self.show_menu()
            };
        }
        if u.has(Intent::RemoveItem) || u.has(Intent::ModifyOrder) {
            return if self.conv.cart.is_empty() {
                self.say(Say::CartEmpty)
            } else {
                self.review()
            };
        }
        // The owner's own answer beats the generic hours/delivery/payment replies.
        if let (FaqLookup::Found(i), Stage::Idle | Stage::Browsing) = (self.customer.faq, stage) {
            return self.say(Say::Faq { index: i });
        }
        if u.has(Intent::OpeningHours) {
            return self.say(Say::OpeningHours);
        }
        if u.has(Intent::DeliveryQuestion) {
            return self.say(Say::DeliveryInfo);
        }
        if u.has(Intent::PaymentQuestion) {
            return self.say(Say::PaymentInfo);
        }
        if u.has(Intent::PriceQuestion) {
            return if self.conv.cart.is_empty() {
                self.show_menu()
            } else {
                self.review()
            };
        }
        if u.has(Intent::Confirm) {
            return match stage {
                Stage::CartReview => self.checkout(),
                Stage::Idle | Stage::Browsing => self.show_menu(),
                _ => self.reprompt(),
            };
        }
        if u.has(Intent::Greeting) {
            self.welcome();
            if self.conv.stage != Stage::Idle {
                self.reprompt();
            }
            return;
        }
        if u.has(Intent::Thanks) {
            return self.say(Say::YoureWelcome);
        }
        if u.has(Intent::Bye) {
            self.conv.stage = if self.conv.cart.is_empty() {
                Stage::Idle
            } else {
                Stage::CartReview
            };
            return self.say(Say::Goodbye);
        }
        if u.has(Intent::Decline) {
            return match stage {
                Stage::Idle | Stage::Browsing => self.say(Say::YoureWelcome),
                _ => self.reprompt(),
            };
        }
        if u.has(Intent::AddressLocation) && matches!(stage, Stage::Idle | Stage::Browsing) {
            return self.say(Say::DeliveryInfo);
        }
        self.not_understood(u);
    }
}
