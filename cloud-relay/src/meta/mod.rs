//! Everything about Meta's webhooks: signatures, payload parsing, media URL policy.

pub mod media;
pub mod parse;
pub mod signature;
