//! Online payments through Chargily Pay v2 (CIB, EDAHABIA): the relay holds the gateway
//! key, creates the checkouts nodes ask for, hears the gateway's webhooks and re-checks what
//! they did not settle. Facts about the gateway and their sources: `docs/payments.md`.
//!
//! Its settings live in `config` (`PaymentsConfig`); its HTTP handlers in `http::payments`.
//!
//! May import: `config`, `security`, `store`, `state`.

pub mod chargily;
pub mod client;
pub mod ledger;
pub mod store;
mod store_pg;
pub mod worker;
