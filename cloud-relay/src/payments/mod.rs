//! Online payments through Chargily Pay v2 (CIB, EDAHABIA): the relay holds the gateway
//! key, creates the checkouts nodes ask for, hears the gateway's webhooks and re-checks what
//! they did not settle. Facts about the gateway and their sources: `docs/payments.md`.

pub mod chargily;
pub mod client;
pub mod config;
pub mod store;
pub mod worker;
