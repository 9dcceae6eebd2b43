//! The customer's placed order: where it is, and cancelling it while the restaurant allows.

use super::Run;
use crate::engine::say::Say;
use crate::engine::{Conversation, Effect, Stage};

impl Run<'_, '_> {
    pub(super) fn status(&mut self) {
        match &self.customer.latest_order {
            Some(o) => self.say(Say::OrderStatus {
                number: o.number.clone(),
                status: o.status,
                eta: o.eta.clone(),
            }),
            None => self.say(Say::NoOrder),
        }
    }

    pub(super) fn cancel(&mut self) {
        if !self.conv.cart.is_empty() {
            self.conv = Conversation::default();
            return self.say(Say::CartCleared);
        }
        match &self.customer.latest_order {
            Some(o) if o.status.customer_may_cancel() => {
                self.effects.push(Effect::CancelOrder { order_id: o.id });
                self.say(Say::OrderCancelled {
                    number: o.number.clone(),
                });
            }
            Some(o) if !o.status.is_final() => self.say(Say::CannotCancel {
                number: o.number.clone(),
                status: o.status,
            }),
            _ => self.say(Say::NoOrder),
        }
        self.conv.stage = Stage::Idle;
    }
}
