//! Sending to Meta's Graph API: pure rendering and answer classification in `render`, the
//! pure rule of which replies may start now (per-customer order, concurrency, pace) in
//! `schedule`, the worker that drains `outbox_items` in `sender`.
//!
//! May import: `config`, `store`, `state`.

pub mod read_receipt;
pub mod render;
pub mod schedule;
pub mod sender;
pub mod window;
