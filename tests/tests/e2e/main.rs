//! The end-to-end suite: the real `resto-relay` and `resto-edge` programs on 127.0.0.1, built
//! once per `cargo test` run (`resto_e2e::program`), with stand-ins only for Meta's Graph API
//! and the payment gateway. One module per area.

mod away;
mod backup_restore;
mod console_browser;
mod console_growth;
mod console_http;
mod console_learning;
mod console_printers;
mod console_trust;
mod conversation_corpus;
mod daemon_lifecycle;
mod demo_chat;
mod edge_conversation;
mod edge_delivery;
mod edge_menu_cli;
mod edge_order;
mod edge_reconnect;
mod edge_sync;
mod faults;
mod kitchen_printing;
mod kitchen_ticket;
mod media;
mod media_console;
mod meta_conformance;
mod payments;
mod provision;
mod read_receipts;
mod relay_cli;
mod relay_pair;
mod relay_postgres;
mod relay_send;
mod reply_order;
mod sync_client;
mod sync_events;
mod sync_outbox;
mod trust;
mod webhook_bad_input;
mod webhook_durability;
mod webhook_fixtures;
