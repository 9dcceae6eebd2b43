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

    /// Downloads the bytes of attachment `index` of message `msg_id` from byte `from` on
    /// (`Range: bytes=from-`, so a cut download resumes where it stopped).
    pub async fn fetch_media(
        &self,
        msg_id: &str,
        index: u32,
        from: u64,
    ) -> Result<MediaAnswer, SyncError> {
        let path = media_path(msg_id, index);
        let resp = self
            .signed("GET", &path, Vec::new())
            .header("range", format!("bytes={from}-"))
            .timeout(self.timeout + Duration::from_secs(120))
            .send()
            .await
            .map_err(|e| SyncError::Retryable(e.to_string()))?;
        let status = resp.status().as_u16();
        let mime = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| SyncError::Retryable(e.to_string()))?;
        match status {
            200 | 206 => Ok(MediaAnswer::Bytes {
                from: if status == 206 { from } else { 0 },
                bytes: bytes.to_vec(),
                mime,
            }),
            202 => Ok(MediaAnswer::NotYet),
            404 => Ok(MediaAnswer::NotYet),
            410 => Ok(MediaAnswer::Gone(error_text(&bytes))),
            429 | 500..=599 => Err(SyncError::Retryable(format!("HTTP {status}"))),
            _ => Err(SyncError::Permanent {
                status,
                message: error_text(&bytes),
            }),
        }
    }

    /// Tells the relay the device has every byte, so it may drop its copy.
    pub async fn media_taken(&self, msg_id: &str, index: u32) -> Result<(), SyncError> {
        let path = media_path(msg_id, index);
        let resp = self
            .signed("DELETE", &path, Vec::new())
            .timeout(self.timeout)
            .send()
            .await
            .map_err(|e| SyncError::Retryable(e.to_string()))?;
        match resp.status().as_u16() {
            200..=299 => Ok(()),
            429 | 500..=599 => Err(SyncError::Retryable(format!("HTTP {}", resp.status()))),
            status => Err(SyncError::Permanent {
                status,
                message: format!("HTTP {status}"),
            }),
        }
    }

    /// A request with the node's signature headers (DESIGN §3).
    fn signed(&self, method: &str, path: &str, body: Vec<u8>) -> reqwest::RequestBuilder {
        let ts = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        let sig = sign_request(&self.secret, method, path, ts, &body);
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap_or(reqwest::Method::GET);
        self.http
            .request(m, format!("{}{path}", self.base))
            .header(HEADER_NODE, &self.node_id)
            .header(HEADER_TIMESTAMP, ts.to_string())
            .header(HEADER_SIGNATURE, sig)
            .body(body)
    }

    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        body: Vec<u8>,
        timeout: Duration,
    ) -> Result<T, SyncError> {
        let resp = self
            .signed(method, path, body)
            .timeout(timeout)
            .header("content-type", "application/json")
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

/// What the relay answered for a media download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaAnswer {
    /// The bytes from `from` to the end of the file.
    Bytes {
        from: u64,
        bytes: Vec<u8>,
        mime: Option<String>,
    },
    /// The relay has not fetched it from Meta yet: ask again later.
    NotYet,
    /// The relay could not fetch it and will not try again (the reason says why).
    Gone(String),
}

fn media_path(msg_id: &str, index: u32) -> String {
    format!(
        "/v1/sync/media?msg_id={}&index={index}",
        percent_encode(msg_id)
    )
}

/// Query-string encoding of everything but unreserved characters (RFC 3986 §2.3).
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn error_text(bytes: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(bytes)
        .ok()
        .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_string))
        .unwrap_or_else(|| String::from_utf8_lossy(bytes).chars().take(300).collect())
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
