//! The payment state machine (docs/payments.md) as plain values: the status of an order's
//! payment, the status of each online checkout attempt, and the moves between them. The store
//! keeps the same strings (CHECK constraints in `migrations/edge/V5__payments.sql`).

use crate::domain::menu::PaymentMethod;
use resto_sync::payment::PaymentState;

/// `payments.status`, mirrored in `orders.payment_status` for the board.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaymentStatus {
    /// Cash, to be collected at the door or the counter.
    Pending,
    /// A card payment waiting for the gateway (link coming, sent, or being paid).
    AwaitingOnline,
    Paid,
    /// The online payment failed, expired or could not start: the customer chooses next.
    Failed,
    Collected,
    /// Cash refused at the door (counts as a no-show).
    Refused,
}

impl PaymentStatus {
    pub const ALL: [PaymentStatus; 6] = [
        PaymentStatus::Pending,
        PaymentStatus::AwaitingOnline,
        PaymentStatus::Paid,
        PaymentStatus::Failed,
        PaymentStatus::Collected,
        PaymentStatus::Refused,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Pending => "pending",
            PaymentStatus::AwaitingOnline => "awaiting_online",
            PaymentStatus::Paid => "paid",
            PaymentStatus::Failed => "failed",
            PaymentStatus::Collected => "collected",
            PaymentStatus::Refused => "refused",
        }
    }

    pub fn parse(s: &str) -> Option<PaymentStatus> {
        PaymentStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Where a just-confirmed order's payment starts.
    pub fn initial(method: PaymentMethod) -> PaymentStatus {
        if method == PaymentMethod::Cod {
            PaymentStatus::Pending
        } else {
            PaymentStatus::AwaitingOnline
        }
    }

    /// Where the relay's news about the current attempt moves the payment; `None` while the
    /// checkout is still under way.
    pub fn after(state: PaymentState) -> Option<PaymentStatus> {
        match state {
            PaymentState::Paid => Some(PaymentStatus::Paid),
            PaymentState::Failed
            | PaymentState::Canceled
            | PaymentState::Expired
            | PaymentState::Unavailable => Some(PaymentStatus::Failed),
            PaymentState::Link | PaymentState::Delayed | PaymentState::Processing => None,
        }
    }

    /// The moves the edge makes. Money that arrives is recorded whatever happened meanwhile
    /// (a switch to cash, a cancellation: the refund follows), so only a second `paid` is
    /// refused. A link that is late but still coming (`AwaitingOnline`) may not be replaced
    /// by another: that would only add a second checkout.
    pub fn can_move_to(self, to: PaymentStatus) -> bool {
        use PaymentStatus::*;
        match (self, to) {
            (Paid, Paid) => false,
            (_, Paid) => true,
            (Failed, AwaitingOnline) => true,
            (AwaitingOnline | Failed, Pending | Failed) => true,
            (Pending, Collected | Refused) => true,
            _ => false,
        }
    }
}

/// `payment_attempts.status`: one checkout asked of the relay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttemptStatus {
    Requested,
    Delayed,
    LinkSent,
    Processing,
    Paid,
    Failed,
    Canceled,
    Expired,
    Unavailable,
    /// The customer moved on (cash, a newer link, a cancelled order).
    Abandoned,
}

impl AttemptStatus {
    pub const ALL: [AttemptStatus; 10] = [
        AttemptStatus::Requested,
        AttemptStatus::Delayed,
        AttemptStatus::LinkSent,
        AttemptStatus::Processing,
        AttemptStatus::Paid,
        AttemptStatus::Failed,
        AttemptStatus::Canceled,
        AttemptStatus::Expired,
        AttemptStatus::Unavailable,
        AttemptStatus::Abandoned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AttemptStatus::Requested => "requested",
            AttemptStatus::Delayed => "delayed",
            AttemptStatus::LinkSent => "link_sent",
            AttemptStatus::Processing => "processing",
            AttemptStatus::Paid => "paid",
            AttemptStatus::Failed => "failed",
            AttemptStatus::Canceled => "canceled",
            AttemptStatus::Expired => "expired",
            AttemptStatus::Unavailable => "unavailable",
            AttemptStatus::Abandoned => "abandoned",
        }
    }

    pub fn parse(s: &str) -> Option<AttemptStatus> {
        AttemptStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// The attempt's status once the relay reported `state`.
    pub fn reported(state: PaymentState) -> AttemptStatus {
        match state {
            PaymentState::Link => AttemptStatus::LinkSent,
            PaymentState::Delayed => AttemptStatus::Delayed,
            PaymentState::Unavailable => AttemptStatus::Unavailable,
            PaymentState::Processing => AttemptStatus::Processing,
            PaymentState::Paid => AttemptStatus::Paid,
            PaymentState::Failed => AttemptStatus::Failed,
            PaymentState::Canceled => AttemptStatus::Canceled,
            PaymentState::Expired => AttemptStatus::Expired,
        }
    }

    /// Still able to move: neither paid nor given up (the store abandons exactly these).
    pub fn is_open(self) -> bool {
        !matches!(self, AttemptStatus::Paid | AttemptStatus::Abandoned)
    }
}

/// What the relay's news about one attempt changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptMove {
    pub attempt: AttemptStatus,
    /// The order's payment moves here; `None` while the checkout is under way.
    pub payment: Option<PaymentStatus>,
    /// Paid on an attempt the customer had given up (after switching to cash or to a newer
    /// link): the other open attempts are given up in turn.
    pub abandon_others: bool,
}

/// Applies the relay's `state` to an attempt now `current`. `None` when nothing changes: a
/// paid attempt is final, and one the customer gave up on stays quiet, unless the money
/// arrives anyway (it is real).
pub fn on_relay_update(current: AttemptStatus, state: PaymentState) -> Option<AttemptMove> {
    let abandoned = current == AttemptStatus::Abandoned;
    if current == AttemptStatus::Paid || (abandoned && state != PaymentState::Paid) {
        return None;
    }
    Some(AttemptMove {
        attempt: AttemptStatus::reported(state),
        payment: PaymentStatus::after(state),
        abandon_others: abandoned,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATES: [PaymentState; 8] = [
        PaymentState::Link,
        PaymentState::Delayed,
        PaymentState::Unavailable,
        PaymentState::Processing,
        PaymentState::Paid,
        PaymentState::Failed,
        PaymentState::Canceled,
        PaymentState::Expired,
    ];

    #[test]
    fn statuses_round_trip_the_strings_the_database_checks() {
        let payments = "pending awaiting_online paid failed collected refused";
        let attempts = "requested delayed link_sent processing paid failed canceled expired unavailable abandoned";
        for s in PaymentStatus::ALL {
            assert_eq!(PaymentStatus::parse(s.as_str()), Some(s));
        }
        for s in AttemptStatus::ALL {
            assert_eq!(AttemptStatus::parse(s.as_str()), Some(s));
        }
        let names = |v: Vec<&str>| v.join(" ");
        assert_eq!(
            names(PaymentStatus::ALL.map(PaymentStatus::as_str).to_vec()),
            payments
        );
        assert_eq!(
            names(AttemptStatus::ALL.map(AttemptStatus::as_str).to_vec()),
            attempts
        );
        assert_eq!(PaymentStatus::parse("cancelled"), None);
        assert_eq!(AttemptStatus::parse("cancelled"), None);
    }

    #[test]
    fn cash_starts_pending_and_cards_wait_for_the_gateway() {
        assert_eq!(
            PaymentStatus::initial(PaymentMethod::Cod),
            PaymentStatus::Pending
        );
        for m in [PaymentMethod::Cib, PaymentMethod::Edahabia] {
            assert_eq!(PaymentStatus::initial(m), PaymentStatus::AwaitingOnline);
        }
    }

    #[test]
    fn cash_is_collected_or_refused_only_while_pending() {
        use PaymentStatus::*;
        for to in [Collected, Refused] {
            for from in PaymentStatus::ALL {
                assert_eq!(from.can_move_to(to), from == Pending, "{from:?} -> {to:?}");
            }
        }
    }

    #[test]
    fn after_a_failure_the_customer_may_pick_cash_or_a_new_link() {
        use PaymentStatus::*;
        assert!(Failed.can_move_to(Pending));
        assert!(Failed.can_move_to(AwaitingOnline));
        // While a late link is still coming, only cash.
        assert!(AwaitingOnline.can_move_to(Pending));
        assert!(!AwaitingOnline.can_move_to(AwaitingOnline));
        for from in [Pending, Paid, Collected, Refused] {
            assert!(!from.can_move_to(AwaitingOnline), "{from:?}");
        }
    }

    #[test]
    fn a_payment_fails_only_while_online_and_is_paid_once() {
        use PaymentStatus::*;
        for from in PaymentStatus::ALL {
            assert_eq!(
                from.can_move_to(Failed),
                matches!(from, AwaitingOnline | Failed),
                "{from:?}"
            );
            assert_eq!(from.can_move_to(Paid), from != Paid, "{from:?}");
        }
        // Paid is final; a refund is a row of its own.
        for to in PaymentStatus::ALL {
            assert!(!Paid.can_move_to(to), "{to:?}");
        }
    }

    #[test]
    fn the_relay_news_maps_onto_attempt_and_payment() {
        assert_eq!(
            AttemptStatus::reported(PaymentState::Link),
            AttemptStatus::LinkSent
        );
        assert_eq!(
            PaymentStatus::after(PaymentState::Paid),
            Some(PaymentStatus::Paid)
        );
        for s in [
            PaymentState::Failed,
            PaymentState::Canceled,
            PaymentState::Expired,
            PaymentState::Unavailable,
        ] {
            assert_eq!(PaymentStatus::after(s), Some(PaymentStatus::Failed));
        }
        for s in [
            PaymentState::Link,
            PaymentState::Delayed,
            PaymentState::Processing,
        ] {
            assert_eq!(PaymentStatus::after(s), None);
        }
        for s in STATES {
            assert_eq!(
                AttemptStatus::reported(s).is_open(),
                s != PaymentState::Paid
            );
        }
    }

    #[test]
    fn a_paid_attempt_is_final() {
        for s in STATES {
            assert_eq!(on_relay_update(AttemptStatus::Paid, s), None);
        }
    }

    #[test]
    fn an_abandoned_attempt_stays_quiet_unless_the_money_arrives() {
        for s in STATES {
            let m = on_relay_update(AttemptStatus::Abandoned, s);
            if s == PaymentState::Paid {
                assert_eq!(
                    m,
                    Some(AttemptMove {
                        attempt: AttemptStatus::Paid,
                        payment: Some(PaymentStatus::Paid),
                        abandon_others: true,
                    })
                );
            } else {
                assert_eq!(m, None, "{s:?}");
            }
        }
    }

    #[test]
    fn an_open_attempt_follows_the_relay() {
        let m = on_relay_update(AttemptStatus::Failed, PaymentState::Paid).unwrap();
        assert_eq!(m.attempt, AttemptStatus::Paid);
        assert_eq!(m.payment, Some(PaymentStatus::Paid));
        assert!(!m.abandon_others);
        let m = on_relay_update(AttemptStatus::Requested, PaymentState::Delayed).unwrap();
        assert_eq!(
            m,
            AttemptMove {
                attempt: AttemptStatus::Delayed,
                payment: None,
                abandon_others: false,
            }
        );
        for s in STATES {
            for from in AttemptStatus::ALL.into_iter().filter(|a| a.is_open()) {
                assert!(on_relay_update(from, s).is_some(), "{from:?} {s:?}");
            }
        }
    }
}
