//! Chargily Pay v2 as documented (docs/payments.md): the checkout we create, the checkout
//! object it returns, the webhook event it posts and how that event is signed. Pure.

use resto_sync::payment::{CreateCheckout, PaymentState};
use serde::Deserialize;
use serde_json::{json, Value};

/// A checkout object (`POST /checkouts` response, `GET /checkouts/{id}`, webhook `data`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Checkout {
    pub id: String,
    pub status: String,
    pub amount: i64,
    #[serde(default)]
    pub checkout_url: Option<String>,
    /// Unix seconds.
    #[serde(default)]
    pub created_at: Option<i64>,
}

/// A webhook event: `{"id", "entity":"event", "type":"checkout.paid", "data":{checkout}}`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct WebhookEvent {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub data: Checkout,
}

/// Our view of a checkout's lifecycle (the `state` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckoutState {
    Requested,
    Pending,
    Processing,
    Paid,
    Failed,
    Canceled,
    Expired,
    Unavailable,
}

impl CheckoutState {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckoutState::Requested => "requested",
            CheckoutState::Pending => "pending",
            CheckoutState::Processing => "processing",
            CheckoutState::Paid => "paid",
            CheckoutState::Failed => "failed",
            CheckoutState::Canceled => "canceled",
            CheckoutState::Expired => "expired",
            CheckoutState::Unavailable => "unavailable",
        }
    }

    pub fn parse(s: &str) -> Option<CheckoutState> {
        Some(match s {
            "requested" => CheckoutState::Requested,
            "pending" => CheckoutState::Pending,
            "processing" => CheckoutState::Processing,
            "paid" => CheckoutState::Paid,
            "failed" => CheckoutState::Failed,
            "canceled" => CheckoutState::Canceled,
            "expired" => CheckoutState::Expired,
            "unavailable" => CheckoutState::Unavailable,
            _ => return None,
        })
    }

    /// Ended: only a payment can still change it (a late `paid` beats `failed`/`expired`).
    pub fn is_final(self) -> bool {
        matches!(
            self,
            CheckoutState::Paid
                | CheckoutState::Failed
                | CheckoutState::Canceled
                | CheckoutState::Expired
                | CheckoutState::Unavailable
        )
    }

    /// What the node is told when a checkout reaches this state.
    pub fn for_node(self) -> Option<PaymentState> {
        Some(match self {
            CheckoutState::Processing => PaymentState::Processing,
            CheckoutState::Paid => PaymentState::Paid,
            CheckoutState::Failed => PaymentState::Failed,
            CheckoutState::Canceled => PaymentState::Canceled,
            CheckoutState::Expired => PaymentState::Expired,
            CheckoutState::Unavailable => PaymentState::Unavailable,
            CheckoutState::Requested | CheckoutState::Pending => return None,
        })
    }
}

/// The gateway's status word (`pending|processing|paid|failed|canceled`) as our state.
pub fn reported_state(status: &str) -> Option<CheckoutState> {
    match status {
        "pending" => Some(CheckoutState::Pending),
        "processing" => Some(CheckoutState::Processing),
        "paid" => Some(CheckoutState::Paid),
        "failed" => Some(CheckoutState::Failed),
        "canceled" | "cancelled" => Some(CheckoutState::Canceled),
        _ => None,
    }
}

/// Whether a report moves a checkout. Webhooks can arrive late, twice or out of order, and
/// polling races them: `paid` is final, and nothing moves an ended checkout backwards.
pub fn next_state(current: CheckoutState, reported: CheckoutState) -> Option<CheckoutState> {
    if current == reported || current == CheckoutState::Paid {
        return None;
    }
    if reported == CheckoutState::Paid {
        return Some(reported);
    }
    if current.is_final() {
        return None;
    }
    if current == CheckoutState::Processing && reported == CheckoutState::Pending {
        return None;
    }
    Some(reported)
}

/// Why a webhook's signature was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureProblem {
    Missing,
    Invalid,
}

/// `signature` header = hex HMAC-SHA256 of the raw body keyed with the API secret key;
/// compared in constant time.
pub fn verify_signature(
    secret_key: &str,
    body: &[u8],
    header: Option<&str>,
) -> Result<(), SignatureProblem> {
    let sig = header
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or(SignatureProblem::Missing)?;
    if resto_sync::hmac::verify_hmac_sha256_hex(secret_key.as_bytes(), body, sig) {
        Ok(())
    } else {
        Err(SignatureProblem::Invalid)
    }
}

/// The `POST /checkouts` body for a node's request.
pub fn checkout_body(
    req: &CreateCheckout,
    node_id: &str,
    attempt_id: &str,
    success_url: &str,
    failure_url: &str,
    webhook_url: &str,
) -> Value {
    json!({
        "amount": req.amount,
        "currency": "dzd",
        "payment_method": req.method,
        "success_url": success_url,
        "failure_url": failure_url,
        "webhook_endpoint": webhook_url,
        "locale": req.locale,
        "description": format!("Commande {}", req.order_ref),
        "metadata": {"node_id": node_id, "attempt_id": attempt_id, "order_ref": req.order_ref},
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use CheckoutState::*;

    /// The documented example (dev.chargily.com/pay-v2/webhooks), as the gateway sends it.
    const DOC_EVENT: &str = r#"{"id":"01hjjjzf7wbc454te45mwx35fe","entity":"event","livemode":"false","type":"checkout.paid","data":{"id":"01hjjj9aymmrwe664nbzrv84sg","entity":"checkout","fees":1250,"amount":50000,"locale":"ar","status":"paid","metadata":null,"created_at":1703577693,"invoice_id":null,"updated_at":1703578418,"customer_id":"01hjjjzf07chnbkcjax2vs58fv","description":null,"failure_url":null,"success_url":"https://your-cool-website.com/payments/success","payment_method":null,"payment_link_id":null,"pass_fees_to_customer":null,"chargily_pay_fees_allocation":"customer","shipping_address":null,"collect_shipping_address":1,"discount":null,"amount_without_discount":null,"url":"https://pay.chargily.dz/test/checkouts/01hjjj9aymmrwe664nbzrv84sg/pay"},"created_at":1703578418,"updated_at":1703578418}"#;

    #[test]
    fn the_documented_webhook_event_parses() {
        let e: WebhookEvent = serde_json::from_str(DOC_EVENT).unwrap();
        assert_eq!(e.kind, "checkout.paid");
        assert_eq!(e.data.id, "01hjjj9aymmrwe664nbzrv84sg");
        assert_eq!(reported_state(&e.data.status), Some(Paid));
        assert_eq!(e.data.amount, 50000);
    }

    #[test]
    fn the_signature_is_the_hex_hmac_of_the_raw_body_with_the_secret_key() {
        let key = "test_sk_abc";
        let sig = resto_sync::hmac::hmac_sha256_hex(key.as_bytes(), &[DOC_EVENT.as_bytes()]);
        assert_eq!(
            verify_signature(key, DOC_EVENT.as_bytes(), Some(&sig)),
            Ok(())
        );
        assert_eq!(
            verify_signature("other", DOC_EVENT.as_bytes(), Some(&sig)),
            Err(SignatureProblem::Invalid)
        );
        let mut tampered = DOC_EVENT.as_bytes().to_vec();
        tampered[10] ^= 1;
        assert_eq!(
            verify_signature(key, &tampered, Some(&sig)),
            Err(SignatureProblem::Invalid)
        );
        assert_eq!(
            verify_signature(key, DOC_EVENT.as_bytes(), None),
            Err(SignatureProblem::Missing)
        );
        assert_eq!(
            verify_signature(key, DOC_EVENT.as_bytes(), Some(" ")),
            Err(SignatureProblem::Missing)
        );
    }

    #[test]
    fn paid_is_final_and_ended_checkouts_never_go_back() {
        assert_eq!(next_state(Pending, Paid), Some(Paid));
        assert_eq!(
            next_state(Paid, Failed),
            None,
            "paid then failed stays paid"
        );
        assert_eq!(next_state(Paid, Paid), None, "a duplicate changes nothing");
        assert_eq!(
            next_state(Failed, Paid),
            Some(Paid),
            "a late payment still counts"
        );
        assert_eq!(next_state(Expired, Paid), Some(Paid));
        assert_eq!(next_state(Failed, Pending), None);
        assert_eq!(next_state(Processing, Pending), None);
        assert_eq!(next_state(Pending, Processing), Some(Processing));
        assert_eq!(next_state(Pending, Failed), Some(Failed));
        assert_eq!(next_state(Canceled, Failed), None);
    }

    #[test]
    fn the_checkout_body_has_what_the_gateway_requires() {
        let req = CreateCheckout {
            order_ref: "A-042".into(),
            amount: 2300,
            method: "edahabia".into(),
            locale: "ar".into(),
        };
        let b = checkout_body(
            &req,
            "node1",
            "att1",
            "https://r/ok",
            "https://r/ko",
            "https://r/wh",
        );
        assert_eq!(b["amount"], 2300);
        assert_eq!(b["currency"], "dzd");
        assert_eq!(b["payment_method"], "edahabia");
        assert_eq!(b["webhook_endpoint"], "https://r/wh");
        assert_eq!(b["locale"], "ar");
        assert_eq!(b["metadata"]["attempt_id"], "att1");
    }
}
