//! The relay's storage on PostgreSQL, for operators who run several relays on one database.
//! Selected by `RELAY_DATABASE_URL`; SQLite stays the default. Durable group-commit ingest,
//! dedupe by unique key, per-node seqs, reads after a cursor, acks, LISTEN/NOTIFY wake-ups
//! across relays, the master-key fingerprint, nodes and routes, away notices, the outbox with
//! claims across relays, media, retention (payments: `payments::store_pg`). Its methods have
//! the shapes of `store::Store`'s, so `store::EventStore` puts both behind one interface.
//!
//! Durability: a commit returns once PostgreSQL has flushed it (`synchronous_commit=on` is
//! forced per connection, `connect.rs`), so the 200 answered after `ingest` is a promise
//! kept across a crash of the relay or the server. How seqs stay dense and ordered across
//! relays is explained in `writer.rs`.
//!
//! May import: `security` (the event types it writes), and the rest of `store`.

pub mod admin;
mod away;
pub mod connect;
pub(crate) mod events;
mod funnel;
mod group;
pub mod inspect;
pub mod listen;
mod master_key;
mod media;
pub mod migrate;
mod outbox;
mod retention;
mod window;
mod writer;

pub use connect::PgTarget;
pub use listen::{AppendSink, Listener};
pub use master_key::MasterKeyCheck;
pub use writer::CHANNEL;

use super::{IngestBatch, IngestOutcome, StoreError};
use deadpool_postgres::Pool;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

#[derive(Clone)]
pub struct PgStore {
    inner: Arc<Inner>,
}

struct Inner {
    target: PgTarget,
    pool: Pool,
    writer: mpsc::Sender<writer::Job>,
    /// This relay's stable id (`RelayIdentity`), recorded on the leases it takes.
    instance: std::sync::OnceLock<String>,
}

impl PgStore {
    /// Parses the URL, applies pending migrations (under the advisory lock) and starts the
    /// group-commit writer. Needs a Tokio runtime.
    pub async fn open(url: &str) -> Result<PgStore, StoreError> {
        PgStore::open_target(PgTarget::parse(url)?, connect::DEFAULT_POOL_SIZE).await
    }

    pub async fn open_target(target: PgTarget, pool_size: usize) -> Result<PgStore, StoreError> {
        migrate::migrate(&target).await?;
        let pool = target.pool(pool_size)?;
        // Fail now, with the server's reason, rather than on the first webhook.
        drop(pool.get().await?);
        let writer = writer::spawn(pool.clone());
        Ok(PgStore {
            inner: Arc::new(Inner {
                target,
                pool,
                writer,
                instance: std::sync::OnceLock::new(),
            }),
        })
    }

    /// Commits the batch; resolves only once PostgreSQL has it durably.
    pub async fn ingest(&self, batch: IngestBatch) -> Result<IngestOutcome, StoreError> {
        let (tx, rx) = oneshot::channel();
        self.inner
            .writer
            .send(writer::Job { batch, reply: tx })
            .await
            .map_err(|_| StoreError::WriterGone)?;
        rx.await.map_err(|_| StoreError::WriterGone)?
    }

    /// The database answers and the writer is alive.
    pub async fn health(&self) -> Result<(), StoreError> {
        if self.inner.writer.is_closed() {
            return Err(StoreError::WriterGone);
        }
        let client = self.inner.pool.get().await?;
        client.execute("SELECT 1 FROM nodes LIMIT 1", &[]).await?;
        Ok(())
    }

    /// The connection pool, for the parts of the relay that keep their own transactions.
    pub fn pool(&self) -> &Pool {
        &self.inner.pool
    }

    /// Names this relay on the leases it takes (once, at start-up; `serve` reads it from
    /// `<data_dir>/relay.id`). Stores used without it (commands, tests) lease as "".
    pub fn set_instance(&self, id: &str) {
        let _ = self.inner.instance.set(id.to_string());
    }

    fn instance(&self) -> &str {
        self.inner.instance.get().map(String::as_str).unwrap_or("")
    }

    pub fn target(&self) -> &PgTarget {
        &self.inner.target
    }
}
