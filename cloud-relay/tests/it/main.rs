//! The relay's integration tests on real SQLite files and real PostgreSQL clusters. One module per area.

mod concurrent_migration;
mod parse_props;
mod pg;
mod query_plans;

/// The throwaway PostgreSQL clusters of the e2e harness, included rather than depended on:
/// a dev-dependency on resto-e2e would build a second resto-relay and all of resto-edge.
#[path = "../../../tests/src/pg.rs"]
#[allow(dead_code)]
mod pg_cluster;
