//! The edge's integration tests: real SQLite files through the library, the conversation
//! transcripts (`transcripts/*.txt`) and property tests. One module per area.

mod concurrent_migration;
mod engine_props;
mod faq_search;
mod learning;
mod query_plans;
mod reference_data;
mod restore_migrates;
mod transcripts;
mod trust_chat;
