//! The relay's storage, behind one narrow interface (DESIGN §4) so a PostgreSQL backend can
//! be added later: SQLite in WAL mode with `synchronous=FULL`, one writer thread doing group
//! commit, readers on their own connections. Payment tables are `payments::store`'s.
//!
//! May import: `security` (the event types it writes).

pub mod admin;
pub mod away;
mod backend;
pub mod dedupe;
pub mod events;
pub mod funnel;
pub mod media;
pub mod outbox;
pub mod pg;
pub mod retention;
pub mod window;
mod writer;
pub(crate) use writer::append_to_node;

use crate::security::SecurityEvent;
use resto_sync::{EventKind, Provider};
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot};

pub use backend::EventStore;
pub use writer::{EventFate, IngestOutcome};

mod embedded {
    refinery::embed_migrations!("../migrations/relay");
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("cannot apply database migrations: {0}")]
    Migration(#[from] refinery::Error),
    #[error(
        "cannot create data directory {path}: {source}. Check RELAY_DATA_DIR and its permissions."
    )]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot take the migration lock next to {path}: {source}. Check RELAY_DATA_DIR and its permissions.")]
    MigrationLock {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the database writer has stopped; restart the relay")]
    WriterGone,
    #[error("{0}")]
    Invalid(String),
    /// From the PostgreSQL backend (`store::pg`): the server's message, with its detail.
    #[error("PostgreSQL: {0}")]
    Postgres(String),
    #[error("no PostgreSQL connection: {0}. Check RELAY_DATABASE_URL and that the server is up.")]
    Pool(#[from] deadpool_postgres::PoolError),
    #[error(
        "this database was first used with another master key (fingerprint {recorded}…, this relay's is {ours}…): \
         every relay of a deployment must use the same master.key, or no node could authenticate. \
         Copy master.key from the relay that first used this database."
    )]
    MasterKeyMismatch { recorded: String, ours: String },
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> Self {
        // tokio-postgres's own Display says only "db error"; the server's message is inside.
        // The causes too: "error performing TLS handshake" alone does not say that the
        // certificate's issuer is unknown.
        StoreError::Postgres(match e.as_db_error() {
            Some(db) => db.to_string(),
            None => {
                let mut text = e.to_string();
                let mut cause = std::error::Error::source(&e);
                while let Some(c) = cause {
                    text.push_str(&format!(": {c}"));
                    cause = c.source();
                }
                text
            }
        })
    }
}

/// Opens a connection with the pragmas every relay connection needs. `FULL` makes each WAL
/// commit reach the disk before it returns: the 200 we send Meta is a promise.
pub fn open_connection(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(conn)
}

fn open_reader(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(conn)
}

/// Creates the data directory and file if needed and applies every pending migration.
/// Returns the names of the migrations applied now (empty when already current).
pub fn migrate(path: &Path) -> Result<Vec<String>, StoreError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::DataDir {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    // `serve` starting and a CLI command (`route add`) may migrate the same file at once.
    // Locked before opening: two connections switching a new file to WAL get BUSY at once.
    let _serial =
        resto_ops::lock::MigrationLock::wait(path).map_err(|source| StoreError::MigrationLock {
            path: path.to_path_buf(),
            source,
        })?;
    let mut conn = open_connection(path)?;
    let report = embedded::migrations::runner().run(&mut conn)?;
    Ok(report
        .applied_migrations()
        .iter()
        .map(|m| m.to_string())
        .collect())
}

/// Migrations embedded in this binary that the database at `path` has not applied yet.
pub fn pending_migrations(path: &Path) -> Result<Vec<String>, StoreError> {
    let mut conn = open_connection(path)?;
    let applied = embedded::migrations::runner().get_applied_migrations(&mut conn)?;
    let applied: Vec<i32> = applied.iter().map(|m| m.version()).collect();
    Ok(embedded::migrations::runner()
        .get_migrations()
        .iter()
        .filter(|m| !applied.contains(&m.version()))
        .map(|m| m.to_string())
        .collect())
}

#[derive(Debug, Clone)]
pub struct NodeGauge {
    pub node_id: String,
    pub backlog: u64,
    pub oldest_unacked_at: Option<String>,
    pub last_seen_at: Option<String>,
}

/// An event to append: routed to a node's log, or parked as unrouted.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub provider: Provider,
    pub account_id: String,
    /// The provider's message id (for statuses: of our outbound message).
    pub msg_id: String,
    /// Provider-unique key for dedupe (`msg_id`, or `status:<wamid>:<status>`).
    pub dedupe_key: String,
    /// Message kind or status name, for metrics and logs.
    pub label: String,
    pub kind: EventKind,
    /// Canonical JSON.
    pub payload: String,
    /// Customer messages whose route wants away notices: what to say if the node is away.
    pub away: Option<away::AwayNotice>,
}

/// Everything one request writes, committed together.
#[derive(Debug, Default)]
pub struct IngestBatch {
    pub events: Vec<NewEvent>,
    pub security: Vec<SecurityEvent>,
    /// A node polled with `after = seq`: everything up to seq is acknowledged, and the node
    /// was seen now.
    pub ack: Option<(String, u64)>,
    /// Outbox items posted by a node, queued for sending.
    pub outbox: Vec<NewOutboxItem>,
    /// Progress of the sender on queued items.
    pub outbox_updates: Vec<outbox::OutboxUpdate>,
}

#[derive(Debug, Clone)]
pub struct NewOutboxItem {
    pub node_id: String,
    pub id: String,
    pub kind: String,
    pub created_at: String,
    /// Canonical JSON.
    pub payload: String,
}

#[derive(Clone)]
pub struct Store {
    inner: Arc<StoreInner>,
}

struct StoreInner {
    path: PathBuf,
    writer: mpsc::Sender<writer::Job>,
    readers: Mutex<Vec<Connection>>,
    /// Shared with the writer thread, which alone adds to it; retention prunes it.
    dedupe: Arc<Mutex<dedupe::DedupeIndex>>,
    /// Dropping it stops the checkpointer thread.
    _checkpointer: std::sync::mpsc::Sender<()>,
}

impl Store {
    /// Migrates and starts the writer thread.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        migrate(path)?;
        let conn = open_connection(path)?;
        // The checkpointer thread backfills the WAL in the background; the writer's own
        // checkpoint, at 8,000 pages, only finishes the little that is left and lets the WAL
        // restart from the beginning instead of growing without bound.
        conn.pragma_update(None, "wal_autocheckpoint", 8000)?;
        conn.pragma_update(None, "journal_size_limit", 64 * 1024 * 1024)?;
        let index = dedupe::DedupeIndex::load(&conn)?;
        tracing::info!(dedupe_keys = index.len(), "dedupe keys loaded");
        let dedupe = Arc::new(Mutex::new(index));
        let writer = writer::spawn(conn, dedupe.clone())?;
        let checkpointer = spawn_checkpointer(open_connection(path)?)?;
        Ok(Store {
            inner: Arc::new(StoreInner {
                path: path.to_path_buf(),
                writer,
                readers: Mutex::new(Vec::new()),
                dedupe,
                _checkpointer: checkpointer,
            }),
        })
    }

    /// Commits (and fsyncs) the batch; resolves only once it is on disk.
    pub async fn ingest(&self, batch: IngestBatch) -> Result<IngestOutcome, StoreError> {
        let (tx, rx) = oneshot::channel();
        self.inner
            .writer
            .send(writer::Job { batch, reply: tx })
            .await
            .map_err(|_| StoreError::WriterGone)?;
        rx.await.map_err(|_| StoreError::WriterGone)?
    }

    /// Runs a read on a pooled read-only connection, off the async threads.
    pub async fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let conn = match inner.readers.lock().ok().and_then(|mut p| p.pop()) {
                Some(c) => c,
                None => open_reader(&inner.path)?,
            };
            let out = f(&conn);
            if let Ok(mut pool) = inner.readers.lock() {
                if pool.len() < 8 {
                    pool.push(conn);
                }
            }
            out
        })
        .await
        .map_err(|e| StoreError::Invalid(format!("read task failed: {e}")))?
    }

    /// The database answers and the writer is alive.
    pub async fn health(&self) -> Result<(), StoreError> {
        if self.inner.writer.is_closed() {
            return Err(StoreError::WriterGone);
        }
        self.read(|c| Ok(c.query_row("SELECT count(*) FROM nodes", [], |_| Ok(()))?))
            .await
    }

    /// Runs one retention pass on its own connection (short per-node transactions).
    pub async fn purge(
        &self,
        policy: retention::RetentionPolicy,
    ) -> Result<retention::PurgeReport, StoreError> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = open_connection(&inner.path)?;
            let now = chrono::Utc::now();
            let report = retention::purge(&mut conn, now, &policy)?;
            // After the rows: a key is never missing from memory while its row is kept.
            if let Ok(mut index) = inner.dedupe.lock() {
                index.prune(now - policy.keep_dedupe_keys);
            }
            Ok(report)
        })
        .await
        .map_err(|e| StoreError::Invalid(format!("purge task failed: {e}")))?
    }

    /// Runs `f` on a connection of its own, off the async threads, for the low-volume
    /// writers that keep their own transactions (payments); the group-commit writer stays
    /// the path for webhooks.
    pub async fn with_connection<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let path = self.inner.path.clone();
        tokio::task::spawn_blocking(move || f(&mut open_connection(&path)?))
            .await
            .map_err(|e| StoreError::Invalid(format!("database task failed: {e}")))?
    }

    /// Purges old security events and sent replies on its own connection.
    pub async fn housekeeping(
        &self,
        policy: retention::HousekeepingPolicy,
    ) -> Result<retention::HousekeepingReport, StoreError> {
        let path = self.inner.path.clone();
        tokio::task::spawn_blocking(move || {
            let conn = open_connection(&path)?;
            retention::housekeeping(&conn, chrono::Utc::now(), &policy)
        })
        .await
        .map_err(|e| StoreError::Invalid(format!("housekeeping task failed: {e}")))?
    }

    /// Per-node health for the metrics page.
    pub async fn node_gauges(&self) -> Result<Vec<NodeGauge>, StoreError> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT n.id, n.last_seq - n.acked_seq, \
                        (SELECT e.received_at FROM events e WHERE e.node_id = n.id AND e.seq > n.acked_seq ORDER BY e.seq LIMIT 1), \
                        n.last_seen_at FROM nodes n",
            )?;
            let rows = st.query_map([], |r| {
                Ok(NodeGauge {
                    node_id: r.get(0)?,
                    backlog: r.get::<_, i64>(1)?.max(0) as u64,
                    oldest_unacked_at: r.get(2)?,
                    last_seen_at: r.get(3)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    pub async fn unrouted_count(&self) -> Result<u64, StoreError> {
        self.read(|c| {
            Ok(
                c.query_row("SELECT count(*) FROM unrouted_events", [], |r| {
                    r.get::<_, i64>(0)
                })? as u64,
            )
        })
        .await
    }
}

/// Copies the WAL back into the database every 100 ms without blocking the writer (PASSIVE),
/// so the WAL stays small and readers stay fast. Stops when the store is dropped.
fn spawn_checkpointer(conn: Connection) -> Result<std::sync::mpsc::Sender<()>, StoreError> {
    let (stop, rx) = std::sync::mpsc::channel::<()>();
    std::thread::Builder::new()
        .name("relay-db-checkpoint".into())
        .spawn(move || {
            while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                rx.recv_timeout(std::time::Duration::from_millis(100))
            {
                if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                    tracing::warn!(error = %e, "WAL checkpoint failed; will retry");
                }
            }
        })
        .map_err(|e| StoreError::Invalid(format!("cannot start the checkpointer: {e}")))?;
    Ok(stop)
}

pub fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub fn new_event_id() -> String {
    format!("evt_{}", ulid::Ulid::new().to_string().to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// DESIGN §4: WAL with synchronous=FULL, or a power cut can drop acknowledged webhooks.
    #[test]
    fn every_write_connection_is_wal_with_full_sync() {
        let dir = std::env::temp_dir().join(format!("relay-store-{}", ulid::Ulid::new()));
        let path = dir.join("relay.db");
        migrate(&path).unwrap();
        let c = open_connection(&path).unwrap();
        let mode: String = c
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        let sync: i64 = c.query_row("PRAGMA synchronous", [], |r| r.get(0)).unwrap();
        let fk: i64 = c
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        assert_eq!((mode.as_str(), sync, fk), ("wal", 2, 1));
        std::fs::remove_dir_all(dir).ok();
    }

    #[tokio::test]
    async fn concurrent_ingests_share_commits_and_get_distinct_increasing_seqs() {
        let dir = std::env::temp_dir().join(format!("relay-store-{}", ulid::Ulid::new()));
        let path = dir.join("relay.db");
        migrate(&path).unwrap();
        let node = {
            let mut c = open_connection(&path).unwrap();
            let n = admin::add_node(&mut c, "n").unwrap();
            admin::add_route(&mut c, Provider::Wa, "1", &n.id, None).unwrap();
            n.id
        };
        let store = Store::open(&path).unwrap();
        let tasks: Vec<_> = (0..50)
            .map(|i| {
                let store = store.clone();
                tokio::spawn(async move {
                    let ev = |k: &str| NewEvent {
                        provider: Provider::Wa,
                        account_id: "1".into(),
                        msg_id: k.into(),
                        dedupe_key: k.into(),
                        label: "text".into(),
                        kind: EventKind::InboundMessage,
                        payload: "{}".into(),
                        away: None,
                    };
                    let batch = IngestBatch {
                        events: vec![ev(&format!("m{i}")), ev(&format!("m{i}"))],
                        ..Default::default()
                    };
                    store.ingest(batch).await.unwrap()
                })
            })
            .collect();
        let mut seqs = Vec::new();
        for t in tasks {
            let out = t.await.unwrap();
            assert_eq!(
                out.fates[1],
                EventFate::Duplicate,
                "same key twice in one batch"
            );
            match &out.fates[0] {
                EventFate::Appended { node_id, seq } => {
                    assert_eq!(node_id, &node);
                    seqs.push(*seq);
                }
                other => panic!("{other:?}"),
            }
        }
        seqs.sort();
        assert_eq!(seqs, (1..=50).collect::<Vec<u64>>());
        std::fs::remove_dir_all(dir).ok();
    }

    fn one_message(key: &str) -> IngestBatch {
        IngestBatch {
            events: vec![NewEvent {
                provider: Provider::Wa,
                account_id: "1".into(),
                msg_id: key.into(),
                dedupe_key: key.into(),
                label: "text".into(),
                kind: EventKind::InboundMessage,
                payload: "{}".into(),
                away: None,
            }],
            ..Default::default()
        }
    }

    /// Upgrading a relay must not forget the keys of messages Meta may still retry.
    #[tokio::test]
    async fn keys_stored_before_the_upgrade_to_the_dedupe_log_still_catch_retries() {
        let dir = std::env::temp_dir().join(format!("relay-store-{}", ulid::Ulid::new()));
        let path = dir.join("relay.db");
        std::fs::create_dir_all(&dir).unwrap();
        {
            let mut c = open_connection(&path).unwrap();
            embedded::migrations::runner()
                .set_target(refinery::Target::Version(6))
                .run(&mut c)
                .unwrap();
            c.execute(
                "INSERT INTO seen_messages (provider, msg_id, seen_at) VALUES ('wa', 'wamid.before', ?1)",
                [now_rfc3339()],
            )
            .unwrap();
        }
        let store = Store::open(&path).unwrap();
        let retry = store.ingest(one_message("wamid.before")).await.unwrap();
        assert_eq!(retry.fates, vec![EventFate::Duplicate]);
        let fresh = store.ingest(one_message("wamid.after")).await.unwrap();
        assert_eq!(fresh.fates, vec![EventFate::Unrouted]);
        std::fs::remove_dir_all(dir).ok();
    }

    /// The in-memory index must not hide keys another connection committed (a second
    /// process on the same file, however unusual).
    #[tokio::test]
    async fn a_key_committed_through_another_store_is_a_duplicate_here() {
        let dir = std::env::temp_dir().join(format!("relay-store-{}", ulid::Ulid::new()));
        let path = dir.join("relay.db");
        let first = Store::open(&path).unwrap();
        let second = Store::open(&path).unwrap();
        let a = first.ingest(one_message("wamid.shared")).await.unwrap();
        assert_eq!(a.fates, vec![EventFate::Unrouted]);
        let b = second.ingest(one_message("wamid.shared")).await.unwrap();
        assert_eq!(b.fates, vec![EventFate::Duplicate]);
        std::fs::remove_dir_all(dir).ok();
    }

    /// Retention forgets old keys in the table and in memory alike, and keeps recent ones.
    #[tokio::test]
    async fn purged_keys_are_forgotten_and_recent_ones_kept() {
        let dir = std::env::temp_dir().join(format!("relay-store-{}", ulid::Ulid::new()));
        let path = dir.join("relay.db");
        let store = Store::open(&path).unwrap();
        store.ingest(one_message("wamid.recent")).await.unwrap();
        store.ingest(one_message("wamid.newest")).await.unwrap();
        // Purge everything older than a minute from now: both keys are "old", but the
        // newest row is kept so row ids are never reused.
        let policy = retention::RetentionPolicy {
            keep_dedupe_keys: chrono::Duration::seconds(-60),
            ..Default::default()
        };
        let report = store.purge(policy).await.unwrap();
        assert_eq!(report.dedupe_keys_purged, 1);
        let again = store.ingest(one_message("wamid.recent")).await.unwrap();
        assert_eq!(
            again.fates,
            vec![EventFate::Unrouted],
            "a purged key is new again"
        );
        let kept = store.ingest(one_message("wamid.other")).await.unwrap();
        assert_eq!(kept.fates, vec![EventFate::Unrouted]);
        let recent = store
            .purge(retention::RetentionPolicy::default())
            .await
            .unwrap();
        assert_eq!(recent.dedupe_keys_purged, 0);
        let retry = store.ingest(one_message("wamid.other")).await.unwrap();
        assert_eq!(
            retry.fates,
            vec![EventFate::Duplicate],
            "a recent key is kept"
        );
        std::fs::remove_dir_all(dir).ok();
    }
}
