//! The edge's client for the two v1 endpoints: every call signed, every call with a timeout,
//! and every failure classified as worth retrying or not (DESIGN §3).

use crate::outbound::{OutboxItem, OutboxResponse};
use crate::signing::{sign_request, HEADER_NODE, HEADER_SIGNATURE, HEADER_TIMESTAMP};
use crate::wire::EventsPage;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// Network trouble, 5xx or 429: try again after a backoff.
    #[error("relay unreachable or busy: {0}")]
    Retryable(String),
    /// 400/401/403/404…: retrying the same request will not help; fix config or data.
    #[error("relay refused the request (HTTP {status}): {message}")]
    Permanent { status: u16, message: String },
}

impl SyncError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, SyncError::Retryable(_))
    }
}

#[derive(Clone)]
pub struct SyncClient {
    http: reqwest::Client,
    base: String,
    node_id: String,
    secret: String,
    timeout: Duration,
}

impl std::fmt::Debug for SyncClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncClient")
            .field("base", &self.base)
            .field("node_id", &self.node_id)
            .field("secret", &"<redacted>")
            .finish()
    }
}

impl SyncClient {
    /// `timeout` bounds every call except the long-poll, which gets its `wait` on top.
    pub fn new(
        base: &str,
        node_id: &str,
        secret: &str,
        timeout: Duration,
    ) -> Result<SyncClient, SyncError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| SyncError::Permanent {
                status: 0,
                message: format!("cannot build the HTTP client: {e}"),
            })?;
        Ok(SyncClient {
            http,
            base: base.trim_end_matches('/').to_string(),
            node_id: node_id.to_string(),
            secret: secret.to_string(),
            timeout,
        })
    }

    pub async fn poll_events(
        &self,
        after: u64,
        limit: u32,
        wait: u64,
    ) -> Result<EventsPage, SyncError> {
        let path = format!("/v1/sync/events?after={after}&limit={limit}&wait={wait}");
        self.call(
            "GET",
            &path,
            Vec::new(),
            self.timeout + Duration::from_secs(wait),
        )
        .await
    }

    pub async fn post_outbox(&self, items: &[OutboxItem]) -> Result<OutboxResponse, SyncError> {
        let body = serde_json::to_vec(&serde_json::json!({ "items": items })).map_err(|e| {
            SyncError::Permanent {
                status: 0,
                message: e.to_string(),
            }
        })?;
        self.call("POST", "/v1/sync/outbox", body, self.timeout)
            .await
    }

    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        body: Vec<u8>,
        timeout: Duration,
    ) -> Result<T, SyncError> {
        let ts = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        let sig = sign_request(&self.secret, method, path, ts, &body);
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap_or(reqwest::Method::GET);
        let resp = self
            .http
            .request(m, format!("{}{path}", self.base))
            .timeout(timeout)
            .header(HEADER_NODE, &self.node_id)
            .header(HEADER_TIMESTAMP, ts.to_string())
            .header(HEADER_SIGNATURE, sig)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| SyncError::Retryable(e.to_string()))?;
        let status = resp.status().as_u16();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| SyncError::Retryable(e.to_string()))?;
        match status {
            200..=299 => serde_json::from_slice(&bytes).map_err(|e| SyncError::Permanent {
                status,
                message: format!("unexpected answer: {e}"),
            }),
            429 | 500..=599 => Err(SyncError::Retryable(format!("HTTP {status}"))),
            _ => Err(SyncError::Permanent {
                status,
                message: String::from_utf8_lossy(&bytes).chars().take(300).collect(),
            }),
        }
    }
}

/// Exponential backoff with full jitter between `base` and `max`.
#[derive(Debug, Clone)]
pub struct Backoff {
    base: Duration,
    max: Duration,
    attempt: u32,
}

impl Backoff {
    pub fn new(base: Duration, max: Duration) -> Backoff {
        Backoff {
            base,
            max,
            attempt: 0,
        }
    }

    /// The delay before the next try: random in [ceiling/2, ceiling], ceiling doubling.
    pub fn next_delay(&mut self) -> Duration {
        let ceiling = self
            .base
            .saturating_mul(1u32 << self.attempt.min(16))
            .min(self.max);
        self.attempt = self.attempt.saturating_add(1);
        let half = ceiling / 2;
        half + half.mul_f64(rand::random::<f64>())
    }

    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_to_its_cap_with_jitter_and_resets() {
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_secs(2));
        let first = b.next_delay();
        assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
        let mut last = first;
        for _ in 0..10 {
            last = b.next_delay();
            assert!(last <= Duration::from_secs(2));
        }
        assert!(
            last >= Duration::from_secs(1),
            "capped ceiling reached: {last:?}"
        );
        b.reset();
        assert!(b.next_delay() <= Duration::from_millis(100));
    }

    #[test]
    fn the_secret_never_shows_in_debug() {
        let c = SyncClient::new(
            "http://127.0.0.1:1",
            "node_x",
            "s3cr3t",
            Duration::from_secs(1),
        )
        .unwrap();
        assert!(!format!("{c:?}").contains("s3cr3t"));
    }
}
