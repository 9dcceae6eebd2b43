//! Calls to the gateway: `POST /checkouts` and `GET /checkouts/{id}` with the secret key as
//! a Bearer token.

use super::chargily::Checkout;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// Network trouble, timeout or a 5xx/429: worth retrying.
    #[error("payment gateway unreachable or failing: {0}")]
    Unavailable(String),
    /// The gateway refused the request (4xx): retrying the same request will not help.
    #[error("payment gateway refused the request ({status}): {body}")]
    Refused { status: u16, body: String },
}

#[derive(Clone)]
pub struct Gateway {
    http: reqwest::Client,
    base: String,
    secret_key: String,
}

impl Gateway {
    pub fn new(base: &str, secret_key: &str, timeout: Duration) -> Result<Gateway, GatewayError> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| GatewayError::Unavailable(e.to_string()))?;
        Ok(Gateway {
            http,
            base: base.trim_end_matches('/').to_string(),
            secret_key: secret_key.to_string(),
        })
    }

    pub async fn create_checkout(
        &self,
        body: &serde_json::Value,
    ) -> Result<Checkout, GatewayError> {
        let req = self
            .http
            .post(format!("{}/checkouts", self.base))
            .bearer_auth(&self.secret_key)
            .header("accept", "application/json")
            .json(body);
        answer(req).await
    }

    pub async fn checkout(&self, id: &str) -> Result<Checkout, GatewayError> {
        let req = self
            .http
            .get(format!("{}/checkouts/{}", self.base, id))
            .bearer_auth(&self.secret_key)
            .header("accept", "application/json");
        answer(req).await
    }
}

async fn answer(req: reqwest::RequestBuilder) -> Result<Checkout, GatewayError> {
    let resp = req
        .send()
        .await
        .map_err(|e| GatewayError::Unavailable(e.without_url().to_string()))?;
    let status = resp.status();
    let text = resp
        .text()
        .await
        .map_err(|e| GatewayError::Unavailable(e.to_string()))?;
    if status.is_server_error() || status.as_u16() == 429 {
        return Err(GatewayError::Unavailable(format!("HTTP {status}")));
    }
    if !status.is_success() {
        return Err(GatewayError::Refused {
            status: status.as_u16(),
            body: text.chars().take(300).collect(),
        });
    }
    serde_json::from_str(&text)
        .map_err(|e| GatewayError::Unavailable(format!("unreadable checkout object: {e}")))
}
