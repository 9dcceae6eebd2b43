//! Use cases, one per file. Each runs inside the transaction its caller opened (the sync
//! worker's batch, a console request, a CLI command), so everything a use case writes —
//! order, conversation, outbox rows, transcript, security events — commits or rolls back
//! together.
//!
//! May import: `config`, `domain`, `engine`, `print`, `store`.

pub mod apply_events;
pub mod consent;
pub mod counter_order;
pub mod delivery;
pub mod handle_message;
pub mod handoff;
pub mod identity_change;
pub mod kitchen_tickets;
pub mod menu_edit;
pub mod move_order;
pub mod payments;
pub mod printer_setup;
pub mod qr;
pub mod record_unmapped;
pub mod revise_message;
pub mod teach_alias;
pub mod tell_customer;
pub mod undelivered;
pub mod unmapped_list;
pub mod vocabulary;
