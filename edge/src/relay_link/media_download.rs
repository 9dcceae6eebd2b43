//! Brings customers' media (voice notes, photos, documents) from the relay onto the device,
//! so the console plays them on the LAN, also when the internet is down later. A download
//! cut halfway resumes from the bytes already on disk (`<data_dir>/media/<id>.part`).

use crate::store::{fmt_ts, media, Db};
use resto_sync::client::{MediaAnswer, SyncClient, SyncError};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How often the wanted list is looked at when nothing is due.
const LOOK_EVERY: Duration = Duration::from_secs(2);

pub async fn run(db: Db, client: SyncClient, data_dir: PathBuf) {
    let dir = data_dir.join("media");
    if let Err(e) = std::fs::create_dir_all(&dir) {
        tracing::error!(error = %e, dir = %dir.display(), "cannot create the media directory; voice notes and photos will not be kept");
        return;
    }
    loop {
        let wanted = {
            let db = db.clone();
            tokio::task::spawn_blocking(move || {
                let c = db.lock().unwrap_or_else(|p| p.into_inner());
                media::wanted(&c, 8)
            })
            .await
        };
        let wanted = match wanted {
            Ok(Ok(w)) => w,
            _ => Vec::new(),
        };
        for w in wanted {
            let step = fetch(&client, &dir, &w).await;
            let have = matches!(step, Step::Have { .. });
            let (msg_id, idx) = (w.msg_id.clone(), w.idx);
            let db = db.clone();
            let recorded = tokio::task::spawn_blocking(move || {
                let c = db.lock().unwrap_or_else(|p| p.into_inner());
                record(&c, &w, step)
            })
            .await;
            // Only once the device's own row says `have` may the relay drop its copy.
            if have && matches!(recorded, Ok(Ok(()))) {
                if let Err(e) = client.media_taken(&msg_id, idx).await {
                    // The relay drops its copy after its own retention anyway.
                    tracing::warn!(error = %e, "could not tell the relay we have the media");
                }
            }
        }
        tokio::time::sleep(LOOK_EVERY).await;
    }
}

/// What one try came to.
enum Step {
    Have {
        path: String,
        mime: Option<String>,
        size: u64,
    },
    Later(Option<String>),
    Failed(String),
}

fn record(c: &rusqlite::Connection, w: &media::WantedMedia, step: Step) -> rusqlite::Result<()> {
    match step {
        Step::Have { path, mime, size } => media::have(c, w.id, &path, mime.as_deref(), size),
        Step::Later(error) => {
            // 2 s, 4 s … capped at 5 min: the relay fetches within seconds when Meta answers.
            let wait = 2u64.saturating_mul(1 << w.attempts.min(8)).min(300);
            let next = fmt_ts(chrono::Utc::now() + chrono::Duration::seconds(wait as i64));
            media::later(c, w.id, &next, error.as_deref())
        }
        Step::Failed(error) => media::failed(c, w.id, &error),
    }
}

async fn fetch(client: &SyncClient, dir: &Path, w: &media::WantedMedia) -> Step {
    let path = dir.join(w.id.to_string());
    let part = path.with_extension("part");
    let have = std::fs::metadata(&part).map(|m| m.len()).unwrap_or(0);
    match client.fetch_media(&w.msg_id, w.idx, have).await {
        Ok(MediaAnswer::Bytes { from, bytes, mime }) => match keep(&part, &path, from, &bytes) {
            Ok(size) => {
                tracing::info!(media = w.id, size, "media kept on the device");
                Step::Have {
                    path: path.display().to_string(),
                    mime,
                    size,
                }
            }
            Err(e) => {
                tracing::error!(media = w.id, error = %e, "cannot write media; check the data directory's free space");
                Step::Later(Some(format!("cannot write media: {e}")))
            }
        },
        Ok(MediaAnswer::NotYet) => Step::Later(None),
        Ok(MediaAnswer::Gone(why)) => {
            tracing::warn!(media = w.id, reason = %why, "the relay could not fetch this media");
            Step::Failed(why)
        }
        Err(SyncError::Retryable(e)) => Step::Later(Some(e)),
        Err(e @ SyncError::Permanent { .. }) => Step::Later(Some(e.to_string())),
    }
}

/// Appends `bytes` at `from` to the partial file, then makes it the kept file (fsynced).
fn keep(part: &Path, path: &Path, from: u64, bytes: &[u8]) -> std::io::Result<u64> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(false)
        .open(part)?;
    f.set_len(from)?;
    use std::io::Seek;
    f.seek(std::io::SeekFrom::Start(from))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    let size = f.metadata()?.len();
    drop(f);
    std::fs::rename(part, path)?;
    Ok(size)
}
