//! HMAC-SHA256, the one primitive behind Meta's webhook signature, the v1 node signature and
//! the payment gateway's webhook signature. Verification is constant-time.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

fn mac(key: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length, so this cannot fail.
    <HmacSha256 as KeyInit>::new_from_slice(key).expect("HMAC takes keys of any length")
}

/// Lowercase hex of HMAC-SHA256(key, parts concatenated).
pub fn hmac_sha256_hex(key: &[u8], parts: &[&[u8]]) -> String {
    let mut m = mac(key);
    for p in parts {
        m.update(p);
    }
    hex::encode(m.finalize().into_bytes())
}

/// True when `expected_hex` (any case) is HMAC-SHA256(key, message). Compares the decoded
/// bytes in constant time; malformed hex is simply a mismatch.
pub fn verify_hmac_sha256_hex(key: &[u8], message: &[u8], expected_hex: &str) -> bool {
    let Ok(tag) = hex::decode(expected_hex.trim()) else {
        return false;
    };
    let mut m = mac(key);
    m.update(message);
    m.verify_slice(&tag).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 4231 test case 2.
    #[test]
    fn matches_rfc_4231_vector() {
        let tag = hmac_sha256_hex(b"Jefe", &[b"what do ya want ", b"for nothing?"]);
        assert_eq!(
            tag,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert!(verify_hmac_sha256_hex(
            b"Jefe",
            b"what do ya want for nothing?",
            &tag
        ));
        assert!(verify_hmac_sha256_hex(
            b"Jefe",
            b"what do ya want for nothing?",
            &tag.to_uppercase()
        ));
    }

    #[test]
    fn rejects_wrong_key_truncated_tag_and_bad_hex() {
        let tag = hmac_sha256_hex(b"k", &[b"m"]);
        assert!(!verify_hmac_sha256_hex(b"other", b"m", &tag));
        assert!(!verify_hmac_sha256_hex(b"k", b"m", &tag[..62]));
        assert!(!verify_hmac_sha256_hex(b"k", b"m", "zz"));
        assert!(!verify_hmac_sha256_hex(b"k", b"m", ""));
    }
}
