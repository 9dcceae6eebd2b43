//! Customers' media on either backend. On SQLite the bytes are a file in the relay's data
//! dir (`<data_dir>/media/<id>`); on PostgreSQL they are in the shared database, so every
//! relay of a deployment can serve what one of them fetched.

use super::EventStore;
use crate::store::media::{DueMedia, FetchOutcome, MediaRow};
use crate::store::StoreError;
use std::path::{Path, PathBuf};

impl EventStore {
    pub async fn scan_media(&self) -> Result<usize, StoreError> {
        match self {
            EventStore::Sqlite(s) => s.scan_media().await,
            EventStore::Postgres(s) => s.scan_media().await,
        }
    }

    /// Attachments whose fetch is due (claimed for a while on PostgreSQL).
    pub async fn due_media(&self, limit: u32) -> Result<Vec<DueMedia>, StoreError> {
        match self {
            EventStore::Sqlite(s) => s.due_media(limit).await,
            EventStore::Postgres(s) => s.due_media(limit).await,
        }
    }

    /// Keeps a downloaded, verified and fsynced `part` file as attachment `id` and records it
    /// fetched: renamed to `path` on SQLite, stored in the database (then the part file
    /// removed) on PostgreSQL. Only then is the row `fetched` (DESIGN §4).
    pub async fn keep_media(
        &self,
        id: i64,
        part: PathBuf,
        path: PathBuf,
        outcome: FetchOutcome,
    ) -> Result<(), StoreError> {
        let io = |e: std::io::Error| StoreError::Invalid(format!("cannot keep media {id}: {e}"));
        match self {
            EventStore::Sqlite(s) => {
                tokio::task::spawn_blocking(move || std::fs::rename(&part, &path))
                    .await
                    .map_err(|e| StoreError::Invalid(e.to_string()))?
                    .map_err(io)?;
                s.record_media(id, outcome).await
            }
            EventStore::Postgres(s) => {
                let read = part.clone();
                let body = tokio::task::spawn_blocking(move || std::fs::read(&read))
                    .await
                    .map_err(|e| StoreError::Invalid(e.to_string()))?
                    .map_err(io)?;
                s.record_media(id, outcome, Some(body)).await?;
                let _ = std::fs::remove_file(&part);
                Ok(())
            }
        }
    }

    /// A fetch attempt that kept nothing (retry later, or failed for good).
    pub async fn record_media(&self, id: i64, outcome: FetchOutcome) -> Result<(), StoreError> {
        match self {
            EventStore::Sqlite(s) => s.record_media(id, outcome).await,
            EventStore::Postgres(s) => s.record_media(id, outcome, None).await,
        }
    }

    pub async fn media_for_node(
        &self,
        node_id: &str,
        msg_id: &str,
        idx: u32,
    ) -> Result<Option<MediaRow>, StoreError> {
        match self {
            EventStore::Sqlite(s) => s.media_for_node(node_id, msg_id, idx).await,
            EventStore::Postgres(s) => s.media_for_node(node_id, msg_id, idx).await,
        }
    }

    /// Attachment `id`'s bytes from `from` on, with its whole length; None when they are
    /// gone. `file` is where SQLite keeps them.
    pub async fn media_bytes(
        &self,
        id: i64,
        file: &Path,
        from: u64,
    ) -> Result<Option<(u64, Vec<u8>)>, StoreError> {
        match self {
            EventStore::Sqlite(_) => {
                let path = file.to_path_buf();
                // At most 100 MB, read by one device at a time: the rest at once.
                let read =
                    tokio::task::spawn_blocking(move || -> std::io::Result<(u64, Vec<u8>)> {
                        use std::io::{Read, Seek};
                        let mut file = std::fs::File::open(&path)?;
                        let len = file.metadata()?.len();
                        if from > len {
                            return Ok((len, Vec::new()));
                        }
                        file.seek(std::io::SeekFrom::Start(from))?;
                        let mut bytes = Vec::with_capacity((len - from) as usize);
                        file.read_to_end(&mut bytes)?;
                        Ok((len, bytes))
                    })
                    .await
                    .map_err(|e| StoreError::Invalid(e.to_string()))?;
                Ok(read.ok())
            }
            EventStore::Postgres(s) => s.media_bytes(id, from).await,
        }
    }

    pub async fn media_delivered(&self, id: i64) -> Result<(), StoreError> {
        match self {
            EventStore::Sqlite(s) => s.media_delivered(id).await,
            EventStore::Postgres(s) => s.media_delivered(id).await,
        }
    }

    /// Marks media delivered before `before` purged and forgets its bytes in the database;
    /// returns the ids, whose files (SQLite) the caller deletes.
    pub async fn purge_delivered_media(&self, before: String) -> Result<Vec<i64>, StoreError> {
        match self {
            EventStore::Sqlite(s) => s.purge_delivered_media(before).await,
            EventStore::Postgres(s) => s.purge_delivered_media(before).await,
        }
    }
}
