//! Security event types: the CHECK list of the `security_events` table, in one place.
//!
//! May import: nothing else in this crate.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SecurityEventType {
    AuthDeny,
    SignatureMissing,
    SignatureInvalid,
    VerifyTokenInvalid,
    PayloadInvalid,
    PayloadTooLarge,
    AudioUrlBlocked,
    MediaUrlBlocked,
    QueryTokenRefused,
    PaymentSignatureMissing,
    PaymentSignatureInvalid,
    /// A sender over the relay's per-minute rate (recorded; messages still delivered).
    SenderRate,
}

impl SecurityEventType {
    pub const ALL: [SecurityEventType; 12] = [
        SecurityEventType::AuthDeny,
        SecurityEventType::SignatureMissing,
        SecurityEventType::SignatureInvalid,
        SecurityEventType::VerifyTokenInvalid,
        SecurityEventType::PayloadInvalid,
        SecurityEventType::PayloadTooLarge,
        SecurityEventType::AudioUrlBlocked,
        SecurityEventType::MediaUrlBlocked,
        SecurityEventType::QueryTokenRefused,
        SecurityEventType::SenderRate,
        SecurityEventType::PaymentSignatureMissing,
        SecurityEventType::PaymentSignatureInvalid,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SecurityEventType::AuthDeny => "AUTH_DENY",
            SecurityEventType::SignatureMissing => "SIGNATURE_MISSING",
            SecurityEventType::SignatureInvalid => "SIGNATURE_INVALID",
            SecurityEventType::VerifyTokenInvalid => "VERIFY_TOKEN_INVALID",
            SecurityEventType::PayloadInvalid => "PAYLOAD_INVALID",
            SecurityEventType::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            SecurityEventType::AudioUrlBlocked => "AUDIO_URL_BLOCKED",
            SecurityEventType::MediaUrlBlocked => "MEDIA_URL_BLOCKED",
            SecurityEventType::QueryTokenRefused => "QUERY_TOKEN_REFUSED",
            SecurityEventType::SenderRate => "SENDER_RATE",
            SecurityEventType::PaymentSignatureMissing => "PAYMENT_SIGNATURE_MISSING",
            SecurityEventType::PaymentSignatureInvalid => "PAYMENT_SIGNATURE_INVALID",
        }
    }
}

/// One recorded security event, before it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityEvent {
    pub kind: SecurityEventType,
    /// Peer address of the request.
    pub source: Option<String>,
    /// Short, body-free explanation.
    pub reason: String,
}

impl SecurityEvent {
    pub fn new(kind: SecurityEventType, source: Option<String>, reason: impl Into<String>) -> Self {
        SecurityEvent {
            kind,
            source,
            reason: reason.into(),
        }
    }
}
