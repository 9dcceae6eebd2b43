//! The contract between `resto-relay` and `resto-edge`: the canonical inbound message,
//! the v1 sync wire types and (later) request signing. Both programs depend on this crate
//! so that a change to the contract is a compile error on both sides, not a runtime surprise.
#![forbid(unsafe_code)]

pub mod client;
pub mod hmac;
pub mod inbound;
pub mod outbound;
pub mod payment;
pub mod signing;
pub mod wire;

pub use inbound::{
    Attachment, InboundMessage, Location, MessageKind, MessageStatus, OrderItem, Provider,
    StatusError,
};
pub use wire::{Event, EventKind, EventsPage};
