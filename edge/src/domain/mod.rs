//! Pure rules and reference data: languages and text normalisation, intent words, Algeria's
//! places and delivery zones, the menu's types and validation, opening hours, the order and
//! payment rules, the anti-abuse policy and the words customers are told.
//!
//! May import: nothing else in the crate. No SQL, no I/O, no clock: callers pass `now`.

pub mod consent;
pub mod faq;
pub mod hours;
pub mod identity;
pub mod lexicon;
pub mod menu;
pub mod order_notice;
pub mod orders;
pub mod payment;
pub mod payment_words;
pub mod places;
pub mod printer;
pub mod register;
pub mod revision;
pub mod text;
pub mod ticket;
pub mod trust_policy;
pub mod undelivered;
pub mod wording;
pub mod words;
