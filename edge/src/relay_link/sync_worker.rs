//! The edge's two loops: the long-poll that applies relay events, and the outbox drain.
//! Both back off while the relay is unreachable (`reconnect`: capped near 5 s) and resume by
//! themselves; the next attempt is recorded for `resto-edge status`.

use super::reconnect;
use crate::app::apply_events::{apply_batch, cursor};
use crate::store::{now, outbox, sync_status, Db};
use resto_sync::client::{Backoff, SyncClient, SyncError};
use rusqlite::Connection;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

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

/// Records the outage and when the next try is, then waits for it.
async fn retry_later(db: &Db, backoff: &mut Backoff) {
    let delay = backoff.next_delay();
    let next = reconnect::next_attempt_at(chrono::Utc::now(), delay);
    let _ = with_db(db, |c| sync_status::mark_offline(c, &now(), &next));
    tokio::time::sleep(delay).await;
}

/// `outbox_ready` wakes the drain loop as soon as applied events queued replies.
/// `retry_max`: the cap of the wait between two tries after a failure.
pub async fn poll_loop(
    db: Db,
    client: SyncClient,
    wait: u64,
    retry_max: Duration,
    outbox_ready: Arc<Notify>,
) {
    let mut backoff = reconnect::schedule(retry_max);
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
                        );
                        if a.away_told > 0 {
                            tracing::warn!(
                                customers = a.away_told,
                                "while this device was away the relay told these customers their message is saved; answer them first"
                            );
                        }
                    }
                    Ok(Ok(_)) => {}
                    other => {
                        tracing::error!(result = ?other.map(|r| r.map(|_| ())), "could not apply events; will fetch them again");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
            Err(e) => {
                log_failure("poll", &e);
                retry_later(&db, &mut backoff).await;
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

pub async fn drain_loop(
    db: Db,
    client: SyncClient,
    retry_max: Duration,
    outbox_ready: Arc<Notify>,
) {
    let mut backoff = reconnect::schedule(retry_max);
    loop {
        turned(&DRAIN_TURNED_AT);
        let batch = {
            let db = db.clone();
            tokio::task::spawn_blocking(move || with_db(&db, |c| outbox::oldest(c, 100))).await
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
                        outbox::delete_sent(&tx, &done)?;
                        tx.commit()
                    })
                })
                .await;
                if !r.rejected.is_empty() {
                    tokio::time::sleep(backoff.next_delay()).await;
                }
            }
            Err(e) => {
                log_failure("outbox", &e);
                retry_later(&db, &mut backoff).await;
            }
        }
    }
}
