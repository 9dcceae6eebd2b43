//! Online payments between the edge and the relay (docs/payments.md): the edge asks for a
//! checkout with an outbox item of kind `create_checkout`; the relay, which holds the gateway
//! key, answers with `payment_update` events. The outbox item id is the attempt's
//! idempotency key: posting it twice creates one checkout.

use serde::{Deserialize, Serialize};

/// Outbox item kind asking the relay for a checkout.
pub const CREATE_CHECKOUT: &str = "create_checkout";

/// Payload of a `create_checkout` outbox item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateCheckout {
    /// The order's reference on the node (shown to staff and put in the gateway's metadata).
    pub order_ref: String,
    /// Whole dinars.
    pub amount: i64,
    /// `cib` or `edahabia`.
    pub method: String,
    /// Language of the checkout page: `fr`, `ar` or `en`.
    pub locale: String,
}

impl CreateCheckout {
    /// Checks what the gateway would refuse, so a bad request is rejected at the outbox
    /// instead of failing later out of sight.
    pub fn from_payload(v: &serde_json::Value) -> Result<CreateCheckout, String> {
        let c: CreateCheckout = serde_json::from_value(v.clone())
            .map_err(|e| format!("create_checkout payload: {e}"))?;
        if c.order_ref.is_empty() || c.order_ref.len() > 64 {
            return Err("order_ref must be 1 to 64 characters".into());
        }
        if !(1..=10_000_000).contains(&c.amount) {
            return Err(format!(
                "amount {} is not a payable number of dinars",
                c.amount
            ));
        }
        if !matches!(c.method.as_str(), "cib" | "edahabia") {
            return Err(format!("method {:?} must be cib or edahabia", c.method));
        }
        if !matches!(c.locale.as_str(), "fr" | "ar" | "en") {
            return Err(format!("locale {:?} must be fr, ar or en", c.locale));
        }
        Ok(c)
    }
}

/// Where a checkout stands, as the relay tells the node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentState {
    /// The checkout exists; `checkout_url` is the page the customer opens.
    Link,
    /// The gateway could not be reached yet; the relay keeps trying.
    Delayed,
    /// The relay gave up creating the checkout (gateway down too long, or it refused).
    Unavailable,
    Processing,
    Paid,
    Failed,
    Canceled,
    /// Not paid within the checkout's lifetime.
    Expired,
}

impl PaymentState {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentState::Link => "link",
            PaymentState::Delayed => "delayed",
            PaymentState::Unavailable => "unavailable",
            PaymentState::Processing => "processing",
            PaymentState::Paid => "paid",
            PaymentState::Failed => "failed",
            PaymentState::Canceled => "canceled",
            PaymentState::Expired => "expired",
        }
    }
}

/// Payload of a `payment_update` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentUpdate {
    /// The `create_checkout` outbox item id.
    pub attempt_id: String,
    pub order_ref: String,
    pub state: PaymentState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkout_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkout_url: Option<String>,
    /// Whole dinars, as the gateway reports them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    /// When the link stops working (RFC 3339), for `link`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_checkout_request_is_refused_with_the_reason() {
        let ok = json!({"order_ref": "A-042", "amount": 2300, "method": "cib", "locale": "ar"});
        assert!(CreateCheckout::from_payload(&ok).is_ok());
        for (bad, why) in [
            (
                json!({"order_ref": "", "amount": 1, "method": "cib", "locale": "fr"}),
                "order_ref",
            ),
            (
                json!({"order_ref": "A", "amount": 0, "method": "cib", "locale": "fr"}),
                "amount",
            ),
            (
                json!({"order_ref": "A", "amount": 5, "method": "visa", "locale": "fr"}),
                "method",
            ),
            (
                json!({"order_ref": "A", "amount": 5, "method": "cib", "locale": "de"}),
                "locale",
            ),
            (
                json!({"order_ref": "A", "amount": 5, "method": "cib"}),
                "locale",
            ),
        ] {
            let e = CreateCheckout::from_payload(&bad).unwrap_err();
            assert!(e.contains(why), "{e}");
        }
    }

    #[test]
    fn payment_updates_round_trip_with_snake_case_states() {
        let u = PaymentUpdate {
            attempt_id: "01J".into(),
            order_ref: "A-001".into(),
            state: PaymentState::Link,
            checkout_id: Some("01hj".into()),
            checkout_url: Some("https://pay.example/01hj/pay".into()),
            amount: None,
            expires_at: None,
        };
        let v = serde_json::to_value(&u).unwrap();
        assert_eq!(v["state"], "link");
        assert!(v.get("amount").is_none());
        assert_eq!(serde_json::from_value::<PaymentUpdate>(v).unwrap(), u);
    }
}
