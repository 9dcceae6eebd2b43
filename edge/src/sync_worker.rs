//! The edge's two loops: the long-poll that applies relay events, and the outbox drain.
//! Both back off while the relay is unreachable and resume by themselves.

use crate::apply::{apply_batch, cursor};
use crate::store::now;
use crate::store::Cached;
use resto_sync::client::{Backoff, SyncClient, SyncError};
use resto_sync::outbound::OutboxItem;
use rusqlite::{params, Connection};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

pub type Db = Arc<Mutex<Connection>>;

/// Unix time of each loop's latest turn, read by the watchdog heartbeat (`heartbeat.rs`):
/// a loop that stops turning stops the systemd watchdog pings.
pub static POLL_TURNED_AT: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);
pub static DRAIN_TURNED_AT: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);

fn turned(at: &std::sync::atomic::AtomicI64) {
    at.store(
        chrono::Utc::now().timestamp(),
        std::sync::atomic::Ordering::Relaxed,
    );
}

fn with_db<T>(
    db: &Db,
    f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    let mut c = db.lock().unwrap_or_else(|p| p.into_inner());
    f(&mut c)
}

fn mark_offline(db: &Db) {
    let _ = with_db(db, |c| {
        c.run(
            "UPDATE sync_state SET offline_since = ?1 WHERE id = 1 AND offline_since IS NULL",
            params![now()],
        )
    });
}

/// `outbox_ready` wakes the drain loop as soon as applied events queued replies.
pub async fn poll_loop(db: Db, client: SyncClient, wait: u64, outbox_ready: Arc<Notify>) {
    let mut backoff = Backoff::new(Duration::from_millis(200), Duration::from_secs(30));
    loop {
        turned(&POLL_TURNED_AT);
        let after = {
            let db = db.clone();
            tokio::task::spawn_blocking(move || with_db(&db, |c| cursor(c))).await
        };
        let after = match after {
            Ok(Ok(a)) => a,
            _ => {
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        match client.poll_events(after, 100, wait).await {
            Ok(page) => {
                backoff.reset();
                let db = db.clone();
                let n = page.events.len();
                let res = tokio::task::spawn_blocking(move || {
                    with_db(&db, |c| {
                        apply_batch(c, &page.events, page.next_after, chrono::Utc::now())
                    })
                })
                .await;
                match res {
                    Ok(Ok(a)) if n > 0 => {
                        outbox_ready.notify_one();
                        tracing::info!(
                            applied = a.applied,
                            duplicates = a.skipped_duplicates,
                            "events applied"
                        )
                    }
                    Ok(Ok(_)) => {}
                    other => {
                        tracing::error!(result = ?other.map(|r| r.map(|_| ())), "could not apply events; will fetch them again");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
            Err(e) => {
                mark_offline(&db);
                log_failure("poll", &e);
                tokio::time::sleep(backoff.next_delay()).await;
            }
        }
    }
}

fn log_failure(what: &str, e: &SyncError) {
    if e.is_retryable() {
        tracing::warn!(error = %e, "{what}: relay unreachable; working offline and retrying");
    } else {
        tracing::error!(error = %e, "{what}: relay refused; check enrollment (node id, secret) and the device clock");
    }
}

pub async fn drain_loop(db: Db, client: SyncClient, outbox_ready: Arc<Notify>) {
    let mut backoff = Backoff::new(Duration::from_millis(200), Duration::from_secs(30));
    loop {
        turned(&DRAIN_TURNED_AT);
        let batch = {
            let db = db.clone();
            tokio::task::spawn_blocking(move || with_db(&db, read_outbox)).await
        };
        let items = match batch {
            Ok(Ok(items)) => items,
            _ => Vec::new(),
        };
        if items.is_empty() {
            // Woken by the poll loop; the timeout picks up rows written by other processes
            // (the console, the CLI).
            tokio::select! {
                _ = outbox_ready.notified() => {}
                _ = tokio::time::sleep(Duration::from_millis(500)) => {}
            }
            continue;
        }
        match client.post_outbox(&items).await {
            Ok(r) => {
                backoff.reset();
                let done: Vec<String> = r.accepted.into_iter().chain(r.duplicates).collect();
                for rej in &r.rejected {
                    tracing::error!(outbox_id = %rej.id, error = %rej.error, "relay rejected an outbox item; it stays for staff to see");
                }
                let db = db.clone();
                let _ = tokio::task::spawn_blocking(move || {
                    with_db(&db, |c| {
                        let tx = c.transaction()?;
                        for id in &done {
                            tx.run("DELETE FROM outbox WHERE id = ?1", params![id])?;
                        }
                        tx.commit()
                    })
                })
                .await;
                if !r.rejected.is_empty() {
                    tokio::time::sleep(backoff.next_delay()).await;
                }
            }
            Err(e) => {
                mark_offline(&db);
                log_failure("outbox", &e);
                tokio::time::sleep(backoff.next_delay()).await;
            }
        }
    }
}

/// Oldest first, in creation order.
fn read_outbox(c: &mut Connection) -> rusqlite::Result<Vec<OutboxItem>> {
    let mut st = c.prepare_cached(
        "SELECT id, kind, created_at, payload FROM outbox ORDER BY seq LIMIT 100",
    )?;
    let rows = st.query_map([], |r| {
        let payload: String = r.get(3)?;
        Ok(OutboxItem {
            id: r.get(0)?,
            kind: r.get(1)?,
            created_at: r.get(2)?,
            payload: serde_json::from_str(&payload).unwrap_or_default(),
        })
    })?;
    rows.collect()
}
