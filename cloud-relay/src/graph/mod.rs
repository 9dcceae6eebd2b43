//! Sending to Meta's Graph API: pure rendering and answer classification here, the worker
//! that drains `outbox_items` in `sender`.

pub mod render;
pub mod sender;
