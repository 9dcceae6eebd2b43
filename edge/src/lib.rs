//! resto-edge: the restaurant's daemon — its store, the sync channel with the relay, the menu
//! and the ordering conversation. The binary (`main.rs`) only wires the command line in `cli`.
//!
//! Layers, bottom to top; a module imports only from the layers below it (checked by
//! `resto_e2e::layout`, see `docs/edge.md` § Layout):
//! `config` and `domain` (pure rules and reference data) → `engine` (the pure conversation) and
//! `print` (kitchen tickets as ESC/POS raster bytes, pure) →
//! `store` (all SQL) → `app` (one use case per file, inside the caller's transaction) →
//! adapters: `relay_link` (sync with the relay), `printer_link` (kitchen printers), `upkeep`
//! (scheduled jobs), `console` (staff HTTP), `cli` (subcommands).
#![forbid(unsafe_code)]

pub mod app;
pub mod cli;
pub mod config;
pub mod console;
pub mod domain;
pub mod engine;
pub mod print;
pub mod printer_link;
pub mod relay_link;
pub mod store;
pub mod upkeep;
