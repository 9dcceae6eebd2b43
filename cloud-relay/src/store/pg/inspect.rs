//! What `resto-relay preflight` reads from a PostgreSQL database without changing it.

use super::super::StoreError;
use super::connect::PgTarget;

/// The database as preflight sees it.
#[derive(Debug, Default)]
pub struct DatabaseFacts {
    /// Migrations this binary would apply.
    pub pending: Vec<String>,
    /// None when the schema is not there yet (nothing to count).
    pub nodes: Option<i64>,
    pub routes: Option<i64>,
    /// The deployment's master-key fingerprint, once a relay recorded it.
    pub master_key: Option<String>,
}

/// Connects once and reads; a database never migrated has nothing but pending migrations.
pub async fn inspect(target: &PgTarget) -> Result<DatabaseFacts, StoreError> {
    let pending = super::migrate::pending(target).await?;
    let client = target.connect_one(None).await?;
    let has_schema: bool = client
        .query_one("SELECT to_regclass('relay_master_key') IS NOT NULL", &[])
        .await?
        .get(0);
    if !has_schema {
        return Ok(DatabaseFacts {
            pending,
            ..Default::default()
        });
    }
    let row = client
        .query_one(
            "SELECT (SELECT count(*) FROM nodes), (SELECT count(*) FROM routes), \
                    (SELECT fingerprint FROM relay_master_key)",
            &[],
        )
        .await?;
    Ok(DatabaseFacts {
        pending,
        nodes: Some(row.get(0)),
        routes: Some(row.get(1)),
        master_key: row.get(2),
    })
}
