//! The order state machine and order numbers, as plain functions.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    New,
    Accepted,
    Rejected,
    Preparing,
    Ready,
    OutForDelivery,
    Delivered,
    Cancelled,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 8] = [
        OrderStatus::New,
        OrderStatus::Accepted,
        OrderStatus::Rejected,
        OrderStatus::Preparing,
        OrderStatus::Ready,
        OrderStatus::OutForDelivery,
        OrderStatus::Delivered,
        OrderStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::New => "new",
            OrderStatus::Accepted => "accepted",
            OrderStatus::Rejected => "rejected",
            OrderStatus::Preparing => "preparing",
            OrderStatus::Ready => "ready",
            OrderStatus::OutForDelivery => "out_for_delivery",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<OrderStatus> {
        OrderStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Finished orders: nothing more happens to them.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            OrderStatus::Rejected | OrderStatus::Delivered | OrderStatus::Cancelled
        )
    }

    /// A customer may cancel on their own only until the restaurant accepted the order.
    pub fn customer_may_cancel(self) -> bool {
        self == OrderStatus::New
    }

    /// The moves staff may make (new → accepted/rejected → preparing → ready →
    /// out_for_delivery → delivered; cancel while not finished). Pickup orders go from
    /// ready straight to delivered (handed over at the counter).
    pub fn can_move_to(self, to: OrderStatus) -> bool {
        use OrderStatus::*;
        match (self, to) {
            (New, Accepted | Rejected) => true,
            (Accepted, Preparing)
            | (Preparing, Ready)
            | (Ready, OutForDelivery | Delivered)
            | (OutForDelivery, Delivered) => true,
            (from, Cancelled) => !from.is_final(),
            _ => false,
        }
    }
}

/// "A-042": a letter and a three-digit counter that restarts every day, easy to say over the
/// counter. After 999 orders in a day the letter moves on (B-001).
pub fn order_number(daily_seq: u32) -> String {
    let n = daily_seq.max(1) - 1;
    let letter = (b'A' + ((n / 999) % 26) as u8) as char;
    format!("{letter}-{:03}", n % 999 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_numbers_are_short_and_roll_over_to_the_next_letter() {
        assert_eq!(order_number(1), "A-001");
        assert_eq!(order_number(42), "A-042");
        assert_eq!(order_number(999), "A-999");
        assert_eq!(order_number(1000), "B-001");
    }

    #[test]
    fn only_the_documented_moves_are_allowed() {
        use OrderStatus::*;
        assert!(New.can_move_to(Accepted));
        assert!(!New.can_move_to(Delivered));
        assert!(Ready.can_move_to(OutForDelivery));
        assert!(Preparing.can_move_to(Cancelled));
        assert!(!Delivered.can_move_to(Cancelled));
        assert!(!Cancelled.can_move_to(New));
        for s in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(s.as_str()), Some(s));
        }
    }
}
