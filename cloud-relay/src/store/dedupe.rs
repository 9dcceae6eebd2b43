//! Dedupe keys of Meta's retries, decided in memory and kept durably in arrival order.
//!
//! Every key is written to `seen_messages` in the same transaction as its event, but that
//! table is a rowid table in arrival order: keys land on its last page, so a group commit
//! dirties a page or two instead of one random B-tree leaf per webhook (measured: 8.5 of the
//! 12.9 KB written per webhook). The lookup is this in-memory index, filled from the table
//! at start, so a retry of a message stored before a crash or restart is still a duplicate.
//! Only the writer thread looks keys up and adds them; retention prunes both sides.

use super::StoreError;
use chrono::{DateTime, Utc};
use resto_sync::Provider;
use rusqlite::{params, Connection};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};

/// 16 bytes of SHA-256 over provider and key: collisions are out of reach (2^64 work even
/// for someone choosing keys, and only Meta's signed webhooks reach this), and the index
/// costs a fixed size per key whatever the length of Meta's ids.
pub type KeyHash = [u8; 16];

pub fn key_hash(provider: Provider, key: &str) -> KeyHash {
    let mut h = Sha256::new();
    h.update(provider.as_str().as_bytes());
    h.update([0u8]);
    h.update(key.as_bytes());
    let digest = h.finalize();
    let mut out = [0u8; 16];
    out.copy_from_slice(&digest[..16]);
    out
}

/// Seconds since the Unix epoch, enough to prune by (u32 lasts until 2106).
fn epoch_secs(t: DateTime<Utc>) -> u32 {
    t.timestamp().clamp(0, u32::MAX as i64) as u32
}

#[derive(Debug, Default)]
pub struct DedupeIndex {
    /// Key → when it was first seen.
    keys: HashMap<KeyHash, u32>,
    /// Highest `seen_messages.id` this index holds: rows above it were written by another
    /// connection since (none in normal operation) and are read before the next decision.
    last_id: i64,
}

impl DedupeIndex {
    /// Reads every kept key. Called once when the store opens.
    pub fn load(conn: &Connection) -> Result<DedupeIndex, StoreError> {
        let mut index = DedupeIndex::default();
        index.catch_up(conn)?;
        Ok(index)
    }

    /// Adds the keys committed by other connections since this index last looked. Cheap
    /// (one seek on the rowid) when there are none; call it inside the write transaction.
    pub fn catch_up(&mut self, conn: &Connection) -> Result<(), StoreError> {
        let mut st = conn.prepare_cached(
            "SELECT id, provider, msg_id, seen_at FROM seen_messages WHERE id > ?1 ORDER BY id",
        )?;
        let mut rows = st.query(params![self.last_id])?;
        let now = epoch_secs(Utc::now());
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            let provider: String = r.get(1)?;
            let key: String = r.get(2)?;
            let seen_at: String = r.get(3)?;
            let provider = Provider::parse(&provider).ok_or_else(|| {
                StoreError::Invalid(format!(
                    "seen_messages row {id}: unknown provider {provider:?}"
                ))
            })?;
            // An unreadable timestamp keeps the key as if seen now: too long, never too short.
            let seen = DateTime::parse_from_rfc3339(&seen_at)
                .map(|t| epoch_secs(t.with_timezone(&Utc)))
                .unwrap_or(now);
            self.keys.entry(key_hash(provider, &key)).or_insert(seen);
            self.last_id = self.last_id.max(id);
        }
        Ok(())
    }

    pub fn contains(&self, key: &KeyHash) -> bool {
        self.keys.contains_key(key)
    }

    /// Makes a committed group's keys visible; `last_id` is the highest row it wrote.
    pub fn committed(&mut self, staged: &HashSet<KeyHash>, seen: DateTime<Utc>, last_id: i64) {
        let seen = epoch_secs(seen);
        self.keys.reserve(staged.len());
        for k in staged {
            self.keys.entry(*k).or_insert(seen);
        }
        self.last_id = self.last_id.max(last_id);
    }

    /// Forgets keys first seen before `cutoff`, as retention removes their rows.
    pub fn prune(&mut self, cutoff: DateTime<Utc>) -> usize {
        let cutoff = epoch_secs(cutoff);
        let before = self.keys.len();
        self.keys.retain(|_, seen| *seen >= cutoff);
        if self.keys.capacity() > 4 * self.keys.len().max(1024) {
            self.keys.shrink_to_fit();
        }
        before - self.keys.len()
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_id_on_two_providers_is_two_keys() {
        assert_ne!(key_hash(Provider::Wa, "m1"), key_hash(Provider::Ig, "m1"));
        assert_eq!(key_hash(Provider::Wa, "m1"), key_hash(Provider::Wa, "m1"));
    }

    #[test]
    fn pruning_forgets_only_keys_older_than_the_cutoff() {
        let mut index = DedupeIndex::default();
        let t0 = Utc::now();
        let old: HashSet<KeyHash> = [key_hash(Provider::Wa, "old")].into();
        let new: HashSet<KeyHash> = [key_hash(Provider::Wa, "new")].into();
        index.committed(&old, t0 - chrono::Duration::days(9), 1);
        index.committed(&new, t0, 2);
        assert_eq!(index.prune(t0 - chrono::Duration::days(8)), 1);
        assert!(!index.contains(&key_hash(Provider::Wa, "old")));
        assert!(index.contains(&key_hash(Provider::Wa, "new")));
    }
}
