//! resto-relay: the public door Meta calls. See `docs/relay.md` for the module map.
#![forbid(unsafe_code)]

pub mod cli;
pub mod config;
mod demo;
pub mod graph;
pub mod http;
pub mod intake;
pub mod maintenance;
pub mod meta;
pub mod metrics;
pub mod nodes;
pub mod payments;
pub mod preflight;
pub mod security;
pub mod sender_rate;
pub mod server;
pub mod store;
