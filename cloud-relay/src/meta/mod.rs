//! Everything about Meta's webhooks: signatures, payload parsing, media URL policy. Pure:
//! no I/O, no clock, no state, so it is tested on bytes alone.
//!
//! May import: nothing else in this crate (`resto_sync` for the canonical types).

pub mod media;
pub mod parse;
pub mod signature;
