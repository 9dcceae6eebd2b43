//! The relay's integration tests on real SQLite files. One module per area.

mod concurrent_migration;
mod parse_props;
mod query_plans;
