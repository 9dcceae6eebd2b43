//! The deployment's master key, as the database knows it: node secrets derive from
//! `master.key`, so every relay of a deployment must hold the same one. The first relay to
//! start records the key's fingerprint; a relay with another key refuses to start instead of
//! refusing every node.

use super::super::StoreError;
use super::PgStore;
use chrono::Utc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MasterKeyCheck {
    /// This relay is the first: its key is now the deployment's.
    Recorded,
    /// The database already knew this key.
    Matches,
}

/// How much of a fingerprint error messages show: enough to tell two keys apart.
const SHOWN: usize = 12;

impl PgStore {
    /// Records `fingerprint` (`nodes::MasterKey::fingerprint`) if the database has none yet,
    /// else checks it is the recorded one.
    pub async fn check_master_key(&self, fingerprint: &str) -> Result<MasterKeyCheck, StoreError> {
        let client = self.pool().get().await?;
        // Two first relays starting at once: one insert wins, the other compares with it.
        let inserted = client
            .execute(
                "INSERT INTO relay_master_key (fingerprint, recorded_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                &[&fingerprint, &Utc::now()],
            )
            .await?;
        if inserted == 1 {
            tracing::info!("master key fingerprint recorded in the database");
            return Ok(MasterKeyCheck::Recorded);
        }
        let recorded: String = client
            .query_one("SELECT fingerprint FROM relay_master_key", &[])
            .await?
            .get(0);
        if recorded == fingerprint {
            return Ok(MasterKeyCheck::Matches);
        }
        Err(StoreError::MasterKeyMismatch {
            recorded: recorded.chars().take(SHOWN).collect(),
            ours: fingerprint.chars().take(SHOWN).collect(),
        })
    }
}
