//! Schema migrations on PostgreSQL (`migrations/relay-pg/`, refinery), applied under a
//! session advisory lock: several relays starting at once (or `migrate` while one starts)
//! take turns, the first applies what is pending, the others find nothing left to do.

use super::super::StoreError;
use super::connect::PgTarget;
use std::time::Duration;

mod embedded {
    refinery::embed_migrations!("../migrations/relay-pg");
}

/// The advisory lock key of the relay's migrations ("restorel" in ASCII): one number every
/// relay of every version agrees on.
const MIGRATION_LOCK: i64 = 0x7265_7374_6f72_656c;

/// How long a relay waits for another one's migrations before giving up.
const LOCK_WAIT: Duration = Duration::from_secs(120);

/// Applies every pending migration; returns the names of those applied now (empty when the
/// database was current).
pub async fn migrate(target: &PgTarget) -> Result<Vec<String>, StoreError> {
    // A session of its own: the advisory lock belongs to the session, and ends with it even if
    // this relay dies half-way.
    let mut client = target.connect_one(None).await?;
    tokio::time::timeout(
        LOCK_WAIT,
        client.execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK]),
    )
    .await
    .map_err(|_| {
        StoreError::Invalid(format!(
            "waited {}s for another relay's database migrations (advisory lock {MIGRATION_LOCK}); \
             look for a stuck `resto-relay` in pg_stat_activity",
            LOCK_WAIT.as_secs()
        ))
    })??;
    let report = embedded::migrations::runner().run_async(&mut client).await;
    // Released explicitly for a pool-less caller that keeps the process; dropping the
    // session would release it too.
    client
        .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
        .await?;
    let report = report?;
    let applied: Vec<String> = report
        .applied_migrations()
        .iter()
        .map(|m| m.to_string())
        .collect();
    if !applied.is_empty() {
        tracing::info!(applied = ?applied, "PostgreSQL migrations applied");
    }
    Ok(applied)
}

/// Migrations embedded in this binary that the database has not applied yet.
pub async fn pending(target: &PgTarget) -> Result<Vec<String>, StoreError> {
    let mut client = target.connect_one(None).await?;
    let runner = embedded::migrations::runner();
    // A database never migrated has no history table, and everything is pending.
    let has_history: bool = client
        .query_one(
            "SELECT to_regclass('refinery_schema_history') IS NOT NULL",
            &[],
        )
        .await?
        .get(0);
    let applied: Vec<i32> = if has_history {
        let applied = runner.get_applied_migrations_async(&mut client).await?;
        applied.iter().map(|m| m.version()).collect()
    } else {
        Vec::new()
    };
    Ok(runner
        .get_migrations()
        .iter()
        .filter(|m| !applied.contains(&m.version()))
        .map(|m| m.to_string())
        .collect())
}
