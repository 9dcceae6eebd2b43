//! resto-edge: the restaurant's daemon — its store, the sync channel with the relay, the menu
//! and the ordering conversation. The binary (`main.rs`) is a thin command line over this.
#![forbid(unsafe_code)]

pub mod apply;
pub mod chat;
pub mod config;
pub mod console;
pub mod counter_order;
pub mod delivery;
pub mod engine;
pub mod faq;
pub mod funnel;
pub mod growth_cli;
pub mod handoff;
pub mod heartbeat;
pub mod lexicon;
pub mod maintenance;
pub mod menu;
pub mod menu_edit;
pub mod notice;
pub mod order_board;
pub mod order_notice;
pub mod orders;
pub mod payments;
pub mod places;
pub mod preflight;
pub mod qr;
pub mod retention;
pub mod staff;
pub mod status;
pub mod store;
pub mod sync_worker;
pub mod text;
pub mod transcript;
pub mod trust;
