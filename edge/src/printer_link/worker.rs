//! Drains print jobs: one task per printer, so a printer that is off never holds back
//! another station. A printer's tickets go out oldest first; a failed ticket waits
//! (`domain::printer::retry_delay_secs`) and the ones behind it wait with it, so the kitchen
//! never reads them out of order. A job is marked printed only after `send` succeeded: a crash
//! between the two prints that ticket once more, never zero times.

use super::transport::send;
use crate::app::kitchen_tickets::job_ticket;
use crate::domain::printer::retry_delay_secs;
use crate::store::{fmt_ts, print_jobs, printers, Db};
use chrono::Utc;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How often a printer's queue is looked at: a new ticket prints within this.
const LOOK_EVERY: Duration = Duration::from_millis(500);

pub async fn run(db: Db) {
    let running: Arc<Mutex<HashSet<i64>>> = Arc::default();
    loop {
        let ids: Vec<i64> = with_db(&db, |c| {
            Ok(printers::list(c)?.into_iter().map(|p| p.id).collect())
        })
        .await
        .unwrap_or_default();
        for id in ids {
            if running.lock().unwrap_or_else(|p| p.into_inner()).insert(id) {
                let (db, running) = (db.clone(), running.clone());
                tokio::spawn(async move {
                    drain(db, id).await;
                    running
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .remove(&id);
                });
            }
        }
        tokio::time::sleep(LOOK_EVERY).await;
    }
}

/// Runs until the printer is removed.
async fn drain(db: Db, printer_id: i64) {
    loop {
        let now = fmt_ts(Utc::now());
        let step = with_db(&db, move |c| {
            let Some(p) = printers::by_id(c, printer_id)? else {
                return Ok(None);
            };
            let Some(job) = print_jobs::due(c, printer_id, &now)? else {
                return Ok(Some((p, None)));
            };
            let ticket = job_ticket(c, &job)?;
            Ok(Some((p, Some((job, ticket)))))
        })
        .await;
        let (printer, job) = match step {
            Ok(Some(s)) => s,
            Ok(None) => return,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the print queue");
                tokio::time::sleep(LOOK_EVERY).await;
                continue;
            }
        };
        let Some((job, ticket)) = job else {
            tokio::time::sleep(LOOK_EVERY).await;
            continue;
        };
        let name = printer.settings.name.clone();
        let outcome: Result<(), String> = match ticket {
            // The order is gone (retention): nothing to print, the job is done.
            None => Ok(()),
            Some(t) => match tokio::task::spawn_blocking(move || t.bytes()).await {
                Ok(bytes) => send(&printer.settings.target, &bytes)
                    .await
                    .map_err(|e| e.to_string()),
                // Never mark an unrendered ticket printed.
                Err(e) => Err(format!(
                    "the ticket could not be drawn ({e}); report it to RestoBot support"
                )),
            },
        };
        let at = Utc::now();
        let recorded = match &outcome {
            Ok(()) => {
                tracing::info!(printer = %name, job = job.id, order_id = job.order_id, kind = job.kind.as_str(), "ticket printed");
                with_db(&db, move |c| {
                    print_jobs::mark_printed(c, job.id, &fmt_ts(at))
                })
                .await
            }
            Err(e) => {
                let attempts = job.attempts + 1;
                tracing::warn!(printer = %name, job = job.id, attempts, error = %e, "ticket not printed; will retry");
                let next = at + chrono::Duration::seconds(retry_delay_secs(attempts) as i64);
                let error = e.clone();
                with_db(&db, move |c| {
                    print_jobs::mark_failed(c, job.id, &error, &fmt_ts(next))
                })
                .await
            }
        };
        if let Err(e) = recorded {
            tracing::error!(error = %e, job = job.id, "cannot record the print outcome");
            tokio::time::sleep(LOOK_EVERY).await;
        }
    }
}

async fn with_db<T: Send + 'static>(
    db: &Db,
    f: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T> + Send + 'static,
) -> rusqlite::Result<T> {
    let db = db.clone();
    tokio::task::spawn_blocking(move || {
        let c = db.lock().unwrap_or_else(|p| p.into_inner());
        f(&c)
    })
    .await
    // A panic in the closure: surface it as an error, the loop goes on.
    .unwrap_or(Err(rusqlite::Error::InvalidQuery))
}
