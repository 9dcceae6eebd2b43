//! From "that's all" to the order: the pickup/delivery question, payment (cash withdrawn by the
//! no-show rule), the summary, and the confirmed order the caller must create.

use super::Run;
use crate::domain::menu::PaymentMethod;
use crate::domain::trust_policy::CheckoutRule;
use crate::engine::say::Say;
use crate::engine::{
    delivery_fee, unit_price, Conversation, DraftLine, Effect, Fulfilment, OrderDraft, Stage,
};

impl Run<'_, '_> {
    pub(super) fn checkout(&mut self) {
        if self.conv.cart.is_empty() {
            self.conv.stage = Stage::Idle;
            return self.say(Say::CartEmpty);
        }
        if !self.open() {
            return self.closed();
        }
        if !self.w.menu.restaurant.pickup {
            return self.delivery(self.early_place());
        }
        // Said before the question: not asked again.
        if self.conv.early.pickup {
            return self.pickup();
        }
        if self.conv.early.delivery || self.conv.early.commune.is_some() {
            return self.delivery(self.early_place());
        }
        self.conv.stage = Stage::Fulfilment;
        self.say(Say::AskFulfilment);
    }

    /// Payment methods this customer may use: cash is withdrawn after too many no-shows
    /// when the owner asks for prepayment (and the restaurant takes cards).
    fn methods(&self) -> Vec<PaymentMethod> {
        let all = &self.w.menu.restaurant.payment_methods;
        if self.prepay() {
            all.iter()
                .copied()
                .filter(|p| *p != PaymentMethod::Cod)
                .collect()
        } else {
            all.clone()
        }
    }

    pub(super) fn prepay(&self) -> bool {
        self.customer.checkout_rule == CheckoutRule::Prepay
            && self
                .w
                .menu
                .restaurant
                .payment_methods
                .iter()
                .any(|p| *p != PaymentMethod::Cod)
    }

    fn ask_for_payment(&mut self) {
        self.conv.stage = Stage::Payment;
        self.say(if self.prepay() {
            Say::PrepayRequired
        } else {
            Say::AskPayment
        });
    }

    pub(super) fn ask_payment(&mut self) {
        if let [only] = self.methods().as_slice() {
            return self.pay(*only);
        }
        if let Some(p) = self
            .conv
            .early
            .payment
            .filter(|p| self.methods().contains(p))
        {
            return self.pay(p);
        }
        self.ask_for_payment();
    }

    pub(super) fn pay(&mut self, p: PaymentMethod) {
        if self.conv.cart.is_empty() {
            return self.review();
        }
        if self.conv.fulfilment.is_none() {
            return self.checkout();
        }
        if !self.methods().contains(&p) {
            return self.ask_for_payment();
        }
        self.conv.payment = Some(p);
        self.conv.stage = Stage::Confirming;
        self.say(Say::Summary);
    }

    pub(super) fn not_sent(&mut self) {
        if self.conv.cart.is_empty() {
            return self.review();
        }
        self.conv.stage = Stage::CartReview;
        self.say(Say::NotSent);
    }

    pub(super) fn confirm(&mut self) {
        if self.conv.stage != Stage::Confirming {
            return match self.conv.stage {
                Stage::CartReview => self.checkout(),
                _ => self.reprompt(),
            };
        }
        if self.conv.cart.is_empty() {
            return self.review();
        }
        if !self.open() {
            return self.closed();
        }
        let (Some(fulfilment), Some(payment)) = (self.conv.fulfilment.clone(), self.conv.payment)
        else {
            return self.checkout();
        };
        let lines = self.draft_lines();
        let sub: i64 = lines.iter().map(|l| l.unit_price * l.qty as i64).sum();
        let fee = delivery_fee(&self.conv);
        let (eta, pickup) = match &fulfilment {
            Fulfilment::Delivery(d) => (d.eta_minutes, false),
            Fulfilment::Pickup => (self.w.pickup_minutes, true),
        };
        self.effects.push(Effect::PlaceOrder(OrderDraft {
            lines,
            subtotal: sub,
            delivery_fee: fee,
            total: sub + fee,
            fulfilment,
            payment,
            eta_minutes: eta,
            lang: self.lang,
        }));
        self.conv = Conversation {
            register: self.conv.register,
            ..Conversation::default()
        };
        self.say(Say::OrderPlaced {
            number: self.w.next_order_number.to_string(),
            eta_minutes: eta,
            pickup,
        });
        // No-show rule without card payment: staff call before cooking.
        if self.customer.checkout_rule != CheckoutRule::None && payment == PaymentMethod::Cod {
            self.say(Say::PhoneConfirmation);
        }
    }

    /// The cart priced from the current menu, names in French for the kitchen; a line the
    /// menu can no longer price is left out.
    fn draft_lines(&self) -> Vec<DraftLine> {
        let menu = self.w.menu;
        self.conv
            .cart
            .iter()
            .filter_map(|l| {
                let item = menu.item(&l.sku)?;
                let options = item
                    .options
                    .iter()
                    .zip(&l.choices)
                    .filter_map(|(o, id)| {
                        o.choices
                            .iter()
                            .find(|c| &c.id == id)
                            .map(|c| c.name.fr.clone())
                    })
                    .collect();
                Some(DraftLine {
                    sku: l.sku.clone(),
                    name: item.name.fr.clone(),
                    qty: l.qty,
                    unit_price: unit_price(menu, l)?,
                    options,
                })
            })
            .collect()
    }
}
