//! resto-relay: the public door Meta calls. See `docs/relay.md` for the layer map.
//!
//! The modules below are declared bottom layer first: each may import only modules declared
//! before it, so there are no import cycles and nothing low down depends on the HTTP layer
//! or the CLI. `resto_e2e::layout` checks this on every `cargo test` (`RELAY_LAYERS` there lists
//! the same order; the blank lines stop rustfmt from sorting this one).
#![forbid(unsafe_code)]

pub mod config;

pub mod secrets;

pub mod security;

pub mod sender_rate;

pub mod nodes;

pub mod meta;

pub mod store;

pub mod metrics;

pub mod state;

pub mod intake;

pub mod away;

pub mod graph;

pub mod media_fetch;

pub mod payments;

pub mod maintenance;

pub mod http;

pub mod server;

pub mod preflight;

mod demo;

pub mod cli;
