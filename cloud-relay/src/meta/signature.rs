//! `X-Hub-Signature-256` verification over the raw body bytes (META_PROTOCOL §2): never over
//! re-serialised JSON, which breaks on `é`, Arabic, emoji and `\/`.

use resto_ops::Secret;
use resto_sync::hmac::verify_hmac_sha256_hex;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("X-Hub-Signature-256 header is missing")]
    Missing,
    #[error("X-Hub-Signature-256 is not of the form sha256=<64 hex digits>")]
    Malformed,
    #[error("X-Hub-Signature-256 does not match the body for any configured app secret")]
    Mismatch,
    #[error("no Meta app secret is configured, so no signature can be checked")]
    NoSecret,
}

/// Checks `header` (`sha256=<hex>`) against HMAC-SHA256(secret, body) for each configured
/// secret; several because Instagram-Login apps sign with their own secret.
pub fn verify_meta_signature(
    secrets: &[Secret],
    body: &[u8],
    header: Option<&str>,
) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let hex = header
        .trim()
        .strip_prefix("sha256=")
        .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or(SignatureError::Malformed)?;
    if secrets.is_empty() {
        return Err(SignatureError::NoSecret);
    }
    // Check every secret even after a match would be found, so timing says nothing about which.
    let mut ok = false;
    for s in secrets {
        ok |= verify_hmac_sha256_hex(s.expose().as_bytes(), body, hex);
    }
    if ok {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// `sha256=<hex>` for a body: what Meta sends, and what tests and the demo sender compute.
pub fn meta_signature_header(secret: &str, body: &[u8]) -> String {
    format!(
        "sha256={}",
        resto_sync::hmac::hmac_sha256_hex(secret.as_bytes(), &[body])
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use serde_json::Value;

    fn vectors() -> Vec<Value> {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/fixtures/meta/signature_vectors.json"
        );
        let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        v["vectors"].as_array().unwrap().clone()
    }

    #[test]
    fn every_shared_signature_vector_verifies_as_documented() {
        let vectors = vectors();
        assert!(vectors.len() >= 5);
        for v in vectors {
            let name = v["name"].as_str().unwrap();
            let body = base64::engine::general_purpose::STANDARD
                .decode(v["raw_body_base64"].as_str().unwrap())
                .unwrap();
            let secret = Secret::new(v["app_secret"].as_str().unwrap());
            let got = verify_meta_signature(
                std::slice::from_ref(&secret),
                &body,
                v["header_to_check"].as_str(),
            );
            assert_eq!(got.is_ok(), v["must_verify"].as_bool().unwrap(), "{name}");
            let correct = v["correct_header_for_this_body"].as_str().unwrap();
            assert_eq!(
                meta_signature_header(secret.expose(), &body),
                correct,
                "{name}"
            );
        }
    }

    #[test]
    fn a_second_secret_is_accepted_for_instagram_login_apps() {
        let body = br#"{"object":"instagram","entry":[]}"#;
        let header = meta_signature_header("ig-secret", body);
        let secrets = [Secret::new("meta-secret"), Secret::new("ig-secret")];
        assert_eq!(verify_meta_signature(&secrets, body, Some(&header)), Ok(()));
        assert_eq!(
            verify_meta_signature(&secrets[..1], body, Some(&header)),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn missing_malformed_and_legacy_sha1_headers_are_refused() {
        let s = [Secret::new("k")];
        assert_eq!(
            verify_meta_signature(&s, b"{}", None),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            verify_meta_signature(
                &s,
                b"{}",
                Some("sha1=f3c4891eb9c99c18be09ec101258a5c28441d722")
            ),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify_meta_signature(&s, b"{}", Some("sha256=abc")),
            Err(SignatureError::Malformed)
        );
    }
}
