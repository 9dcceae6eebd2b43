//! v1 request signing between edge and relay (DESIGN §3):
//! `X-Resto-Signature: v1=<hex HMAC-SHA256(node_secret, METHOD "\n" PATH_AND_QUERY "\n"
//! TIMESTAMP "\n" hex(SHA256(body)))>`, with the timestamp within ±300 s of the verifier's clock.

use crate::hmac::{hmac_sha256_hex, verify_hmac_sha256_hex};
use sha2::{Digest, Sha256};

pub const HEADER_NODE: &str = "x-resto-node";
pub const HEADER_TIMESTAMP: &str = "x-resto-timestamp";
pub const HEADER_SIGNATURE: &str = "x-resto-signature";
/// How far a request's timestamp may be from the relay's clock.
pub const MAX_SKEW_SECS: i64 = 300;

fn canonical(method: &str, path_and_query: &str, timestamp: i64, body: &[u8]) -> String {
    format!(
        "{}\n{}\n{}\n{}",
        method.to_ascii_uppercase(),
        path_and_query,
        timestamp,
        hex::encode(Sha256::digest(body))
    )
}

/// The `X-Resto-Signature` value for a request.
pub fn sign_request(
    secret: &str,
    method: &str,
    path_and_query: &str,
    timestamp: i64,
    body: &[u8],
) -> String {
    let msg = canonical(method, path_and_query, timestamp, body);
    format!(
        "v1={}",
        hmac_sha256_hex(secret.as_bytes(), &[msg.as_bytes()])
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RequestAuthError {
    #[error("X-Resto-Timestamp is missing or not a number of seconds")]
    BadTimestamp,
    #[error("X-Resto-Timestamp is more than 300 s from the relay's clock: check the device's time (NTP)")]
    StaleTimestamp,
    #[error("X-Resto-Signature is missing or not of the form v1=<64 hex digits>")]
    MalformedSignature,
    #[error("X-Resto-Signature does not match: check the node id and secret written by `resto-edge enroll`")]
    Mismatch,
}

/// Verifies a signed request; `now` is the verifier's clock in unix seconds.
pub fn verify_request(
    secret: &str,
    method: &str,
    path_and_query: &str,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: i64,
) -> Result<(), RequestAuthError> {
    let ts: i64 = timestamp
        .and_then(|t| t.trim().parse().ok())
        .ok_or(RequestAuthError::BadTimestamp)?;
    if (now - ts).abs() > MAX_SKEW_SECS {
        return Err(RequestAuthError::StaleTimestamp);
    }
    let hex = signature
        .and_then(|s| s.trim().strip_prefix("v1="))
        .filter(|h| h.len() == 64)
        .ok_or(RequestAuthError::MalformedSignature)?;
    let msg = canonical(method, path_and_query, ts, body);
    if verify_hmac_sha256_hex(secret.as_bytes(), msg.as_bytes(), hex) {
        Ok(())
    } else {
        Err(RequestAuthError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_199_400;

    #[test]
    fn a_signed_request_verifies_and_any_change_breaks_it() {
        let sig = sign_request("s3", "GET", "/v1/sync/events?after=5&wait=25", NOW, b"");
        let ok = |m: &str, p: &str, ts: &str, body: &[u8], secret: &str| {
            verify_request(secret, m, p, Some(ts), Some(&sig), body, NOW)
        };
        let p = "/v1/sync/events?after=5&wait=25";
        let ts = NOW.to_string();
        assert_eq!(ok("GET", p, &ts, b"", "s3"), Ok(()));
        assert_eq!(
            ok("POST", p, &ts, b"", "s3"),
            Err(RequestAuthError::Mismatch)
        );
        assert_eq!(
            ok("GET", "/v1/sync/events?after=6&wait=25", &ts, b"", "s3"),
            Err(RequestAuthError::Mismatch)
        );
        assert_eq!(
            ok("GET", p, &ts, b"x", "s3"),
            Err(RequestAuthError::Mismatch)
        );
        assert_eq!(
            ok("GET", p, &ts, b"", "other"),
            Err(RequestAuthError::Mismatch)
        );
        assert_eq!(
            ok("GET", p, &(NOW + 1).to_string(), b"", "s3"),
            Err(RequestAuthError::Mismatch)
        );
    }

    #[test]
    fn timestamps_more_than_five_minutes_off_are_refused() {
        let body = br#"{"items":[]}"#;
        for ts in [NOW - 301, NOW + 301] {
            let sig = sign_request("s", "POST", "/v1/sync/outbox", ts, body);
            assert_eq!(
                verify_request(
                    "s",
                    "POST",
                    "/v1/sync/outbox",
                    Some(&ts.to_string()),
                    Some(&sig),
                    body,
                    NOW
                ),
                Err(RequestAuthError::StaleTimestamp)
            );
        }
        let ts = NOW - 300;
        let sig = sign_request("s", "POST", "/v1/sync/outbox", ts, body);
        assert_eq!(
            verify_request(
                "s",
                "POST",
                "/v1/sync/outbox",
                Some(&ts.to_string()),
                Some(&sig),
                body,
                NOW
            ),
            Ok(())
        );
        assert_eq!(
            verify_request("s", "POST", "/v1/sync/outbox", None, Some(&sig), body, NOW),
            Err(RequestAuthError::BadTimestamp)
        );
        assert_eq!(
            verify_request(
                "s",
                "POST",
                "/v1/sync/outbox",
                Some(&ts.to_string()),
                Some("v2=abc"),
                body,
                NOW
            ),
            Err(RequestAuthError::MalformedSignature)
        );
    }

    /// A fixed vector so other implementations (and future versions) can check themselves.
    #[test]
    fn matches_the_documented_vector() {
        let sig = sign_request(
            "node-secret",
            "post",
            "/v1/sync/outbox",
            1_795_199_400,
            b"{}",
        );
        let msg = "POST\n/v1/sync/outbox\n1795199400\n44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
        assert_eq!(
            sig,
            format!("v1={}", hmac_sha256_hex(b"node-secret", &[msg.as_bytes()]))
        );
    }
}
