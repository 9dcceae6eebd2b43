//! resto-edge: the restaurant's daemon — its store, the sync channel with the relay, the menu
//! and the ordering conversation. The binary (`main.rs`) is a thin command line over this.
#![forbid(unsafe_code)]

pub mod apply;
pub mod chat;
pub mod config;
pub mod engine;
pub mod faq;
pub mod funnel;
pub mod growth_cli;
pub mod lexicon;
pub mod menu;
pub mod orders;
pub mod places;
pub mod qr;
pub mod status;
pub mod store;
pub mod sync_worker;
pub mod text;
pub mod trust;
