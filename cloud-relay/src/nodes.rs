//! Node credentials. A node's secret is derived from the relay's master key, the node id and
//! a generation number, so the database never holds a usable device credential (DESIGN §5):
//! a copy of `relay.db` alone cannot impersonate a restaurant.
//!
//! May import: `secrets`.

use crate::secrets::write_private;
use resto_sync::hmac::hmac_sha256_hex;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum MasterKeyError {
    #[error("cannot read the master key {path}: {source}. Restore it from backup; without it every device must be re-enrolled.")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "cannot create the master key {path}: {source}. Check that RELAY_DATA_DIR is writable."
    )]
    Create {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "the master key {path} is damaged (expected 64 hex characters). Restore it from backup."
    )]
    Damaged { path: String },
}

pub struct MasterKey([u8; 32]);

impl MasterKey {
    /// Loads the key, creating it (0600) on first use.
    pub fn load_or_create(path: &Path) -> Result<MasterKey, MasterKeyError> {
        let shown = path.display().to_string();
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let bytes = hex::decode(text.trim()).map_err(|_| MasterKeyError::Damaged {
                    path: shown.clone(),
                })?;
                let key: [u8; 32] = bytes
                    .try_into()
                    .map_err(|_| MasterKeyError::Damaged { path: shown })?;
                Ok(MasterKey(key))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key: [u8; 32] = rand::random();
                write_private(path, hex::encode(key).as_bytes()).map_err(|source| {
                    MasterKeyError::Create {
                        path: shown,
                        source,
                    }
                })?;
                Ok(MasterKey(key))
            }
            Err(source) => Err(MasterKeyError::Read {
                path: shown,
                source,
            }),
        }
    }

    pub fn node_secret(&self, node_id: &str, generation: u32) -> String {
        hmac_sha256_hex(
            &self.0,
            &[
                b"resto-node-secret/v1/",
                node_id.as_bytes(),
                b"/",
                generation.to_string().as_bytes(),
            ],
        )
    }

    /// Names the key without revealing it (an HMAC under the key itself): recorded in a
    /// shared PostgreSQL database so relays with different keys refuse to start
    /// (`store::pg::PgStore::check_master_key`).
    pub fn fingerprint(&self) -> String {
        hmac_sha256_hex(&self.0, &[b"resto-master-key-fingerprint/v1"])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn the_key_is_private_stable_and_gives_distinct_node_secrets() {
        let dir = std::env::temp_dir().join(format!("relay-key-{}", ulid::Ulid::new()));
        let path = dir.join("master.key");
        let k1 = MasterKey::load_or_create(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let k2 = MasterKey::load_or_create(&path).unwrap();
        assert_eq!(k1.node_secret("node_a", 1), k2.node_secret("node_a", 1));
        assert_ne!(k1.node_secret("node_a", 1), k1.node_secret("node_b", 1));
        assert_ne!(k1.node_secret("node_a", 1), k1.node_secret("node_a", 2));
        assert_eq!(k1.fingerprint(), k2.fingerprint());
        let other = MasterKey::load_or_create(&dir.join("other.key")).unwrap();
        assert_ne!(k1.fingerprint(), other.fingerprint());
        assert!(!k1.fingerprint().contains(&hex::encode(k1.0)));
        std::fs::remove_dir_all(dir).ok();
    }
}
