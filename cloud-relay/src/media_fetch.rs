//! The worker that fetches customers' media from Meta soon after ingest, never on the
//! webhook's hot path (DESIGN §5, META_PROTOCOL §8): WhatsApp media by id (`GET /{media-id}`
//! with the route's token, then the short-lived URL with the same token), Instagram and
//! Messenger attachments by their CDN URL. Every download host is checked (`meta::media`),
//! DNS answers in private ranges are refused, redirects are re-checked, and size, type and
//! sha256 are verified before the file is kept under `<data_dir>/media/<id>`.
//!
//! May import: `config`, `meta`, `store`, `state`, `security`, `metrics`.

use crate::meta::media::{fetch_url_problem, ip_is_public, mime_fits, sha256_matches, size_limit};
use crate::security::{SecurityEvent, SecurityEventType};
use crate::state::AppState;
use crate::store::media::{DueMedia, FetchOutcome};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use resto_sync::Provider;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Media files live here, one per row id.
pub fn media_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("media")
}

pub fn media_path(data_dir: &Path, id: i64) -> PathBuf {
    media_dir(data_dir).join(id.to_string())
}

/// Why one attempt did not keep a file.
#[derive(Debug)]
enum Refusal {
    /// Worth another try (network, 5xx, 429, an expired URL, a bad digest).
    Transient(String),
    /// Trying again cannot help (too big, wrong type, unknown media id).
    Permanent(String),
    /// A host or address we must never fetch from: also a security event.
    Blocked(String),
}

pub async fn run(app: Arc<AppState>) {
    let client = match client(&app.config.media.extra_hosts) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "cannot build the media client; media will not be fetched");
            return;
        }
    };
    if let Err(e) = std::fs::create_dir_all(media_dir(&app.config.data_dir)) {
        tracing::error!(error = %e, "cannot create the media directory; media will not be fetched");
        return;
    }
    let mut last_purge = tokio::time::Instant::now();
    loop {
        if let Err(e) = app.store.scan_media().await {
            tracing::error!(error = %e, "cannot look for new media");
        }
        match app.store.due_media(8).await {
            Ok(due) => {
                let mut jobs = tokio::task::JoinSet::new();
                for m in due {
                    let (app, client) = (app.clone(), client.clone());
                    jobs.spawn(async move { fetch_one(&app, &client, m).await });
                }
                while jobs.join_next().await.is_some() {}
            }
            Err(e) => tracing::error!(error = %e, "cannot read due media"),
        }
        if last_purge.elapsed() > Duration::from_secs(300) {
            purge(&app).await;
            last_purge = tokio::time::Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

fn client(extra_hosts: &[String]) -> reqwest::Result<reqwest::Client> {
    let extra = extra_hosts.to_vec();
    let redirects = reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() >= 5 {
            attempt.error("more than 5 redirects")
        } else if let Some(why) = fetch_url_problem(attempt.url().as_str(), &extra) {
            attempt.error(format!("redirect refused: {why}"))
        } else {
            attempt.follow()
        }
    });
    reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .connect_timeout(Duration::from_secs(10))
        .redirect(redirects)
        .dns_resolver(Arc::new(PublicOnly {
            extra_hosts: extra_hosts.to_vec(),
        }))
        .build()
}

/// Resolves names like the system does, then drops private answers (a CDN name pointed at
/// 10.0.0.1 must not reach the relay's own network). `RELAY_MEDIA_HOSTS` names are exempt.
struct PublicOnly {
    extra_hosts: Vec<String>,
}

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_ascii_lowercase();
        let exempt = self
            .extra_hosts
            .iter()
            .any(|h| h == &host || h.split(':').next() == Some(host.as_str()));
        Box::pin(async move {
            let addrs: Vec<std::net::SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let kept: Vec<_> = addrs
                .into_iter()
                .filter(|a| exempt || ip_is_public(a.ip()))
                .collect();
            if kept.is_empty() {
                return Err(format!("{host} resolves only to private addresses").into());
            }
            let addrs: Addrs = Box::new(kept.into_iter());
            Ok(addrs)
        })
    }
}

async fn fetch_one(app: &Arc<AppState>, client: &reqwest::Client, m: DueMedia) {
    let outcome = match download(app, client, &m).await {
        Ok(Downloaded {
            mime_type,
            size,
            part,
        }) => {
            let path = media_path(&app.config.data_dir, m.id);
            let fetched = FetchOutcome::Fetched { mime_type, size };
            // Kept (file renamed, or bytes in the shared database) and recorded together.
            match app.store.keep_media(m.id, part, path, fetched).await {
                Ok(()) => {
                    app.metrics.media_fetch(&m.kind, "fetched");
                    tracing::info!(media = m.id, kind = %m.kind, size, "media fetched");
                }
                Err(e) => {
                    tracing::error!(media = m.id, error = %e, "cannot keep fetched media; fetched again later")
                }
            }
            return;
        }
        Err(Refusal::Transient(e)) if m.attempts + 1 < app.config.media.max_attempts => {
            app.metrics.media_fetch(&m.kind, "retry");
            tracing::warn!(media = m.id, kind = %m.kind, attempt = m.attempts + 1, error = %e, "media fetch failed; will retry");
            let delay = app
                .config
                .media
                .retry_base_ms
                .saturating_mul(1u64 << m.attempts.min(10))
                .min(600_000);
            let at = chrono::Utc::now() + chrono::Duration::milliseconds(delay as i64);
            FetchOutcome::Retry {
                error: e,
                at: at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            }
        }
        Err(r) => {
            let error = match r {
                Refusal::Blocked(e) => {
                    app.record(vec![SecurityEvent::new(
                        SecurityEventType::MediaUrlBlocked,
                        None,
                        format!("media {}: {e}", m.id),
                    )])
                    .await;
                    e
                }
                Refusal::Transient(e) | Refusal::Permanent(e) => e,
            };
            app.metrics.media_fetch(&m.kind, "failed");
            tracing::warn!(media = m.id, kind = %m.kind, error = %error, "MEDIA_FETCH_FAILED");
            FetchOutcome::Failed {
                error: format!("MEDIA_FETCH_FAILED: {error}"),
            }
        }
    };
    if let Err(e) = app.store.record_media(m.id, outcome).await {
        tracing::error!(media = m.id, error = %e, "cannot record a media fetch");
    }
}

/// What `GET /{media-id}` answers (META_PROTOCOL §8.1 step 2).
#[derive(serde::Deserialize)]
struct MediaInfo {
    url: String,
    mime_type: Option<String>,
    sha256: Option<String>,
    file_size: Option<u64>,
}

/// Fetches the bytes into the row's file; returns (mime type, size).
/// A verified download, fsynced in its part file, not yet kept.
struct Downloaded {
    mime_type: String,
    size: u64,
    part: std::path::PathBuf,
}

async fn download(
    app: &AppState,
    client: &reqwest::Client,
    m: &DueMedia,
) -> Result<Downloaded, Refusal> {
    let limit = size_limit(&m.kind);
    let (url, token, sha, mime) = match (&m.media_id, m.provider) {
        (Some(media_id), Provider::Wa) => {
            let token = app
                .store
                .access_token(m.provider, &m.account_id)
                .await
                .map_err(|e| Refusal::Transient(e.to_string()))?
                .ok_or_else(|| {
                    Refusal::Transient(format!(
                        "route wa/{} has no access token: add one with `resto-relay route add`",
                        m.account_id
                    ))
                })?;
            let info = media_info(app, client, media_id, &token).await?;
            if info.file_size.is_some_and(|n| n > limit) {
                return Err(Refusal::Permanent(format!(
                    "{} bytes is over the {limit}-byte limit for {}",
                    info.file_size.unwrap_or_default(),
                    m.kind
                )));
            }
            let sha = info.sha256.or_else(|| m.sha256.clone());
            (info.url, Some(token), sha, info.mime_type)
        }
        _ => match &m.url {
            Some(u) => (u.clone(), None, m.sha256.clone(), None),
            None => return Err(Refusal::Permanent("no media id and no URL".into())),
        },
    };
    if let Some(why) = fetch_url_problem(&url, &app.config.media.extra_hosts) {
        return Err(Refusal::Blocked(why));
    }
    let mut req = client.get(&url);
    if let Some(t) = &token {
        req = req.bearer_auth(t);
    }
    let mut resp = req.send().await.map_err(|e| classify_send_error(&e))?;
    let status = resp.status();
    if !status.is_success() {
        return Err(Refusal::Transient(format!("download answered {status}")));
    }
    if resp.content_length().is_some_and(|n| n > limit) {
        return Err(Refusal::Permanent(format!(
            "download is over the {limit}-byte limit for {}",
            m.kind
        )));
    }
    let served = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or(mime)
        .or_else(|| m.mime_type.clone())
        .unwrap_or_else(|| "application/octet-stream".into());
    if !mime_fits(&m.kind, &served) {
        return Err(Refusal::Permanent(format!(
            "served type {served} is not a {}",
            m.kind
        )));
    }
    let path = media_path(&app.config.data_dir, m.id);
    let part = path.with_extension("part");
    // Plain file writes: chunks are small and land in the page cache; the fsync, the one
    // slow call, runs off the async threads below.
    let mut file = std::fs::File::create(&part)
        .map_err(|e| Refusal::Transient(format!("cannot write {}: {e}", part.display())))?;
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| Refusal::Transient(format!("download cut: {e}")))?
    {
        size += chunk.len() as u64;
        if size > limit {
            drop(file);
            let _ = std::fs::remove_file(&part);
            return Err(Refusal::Permanent(format!(
                "download is over the {limit}-byte limit for {}",
                m.kind
            )));
        }
        hasher.update(&chunk);
        file.write_all(&chunk)
            .map_err(|e| Refusal::Transient(format!("cannot write media: {e}")))?;
    }
    let digest: [u8; 32] = hasher.finalize().into();
    if let Some(expected) = &sha {
        if !sha256_matches(expected, &digest) {
            let _ = std::fs::remove_file(&part);
            return Err(Refusal::Transient("sha256 does not match Meta's".into()));
        }
    }
    // Durable before the row says `fetched` (DESIGN §4).
    tokio::task::spawn_blocking(move || file.sync_all())
        .await
        .map_err(|e| Refusal::Transient(format!("cannot keep media: {e}")))?
        .map_err(|e| Refusal::Transient(format!("cannot keep media: {e}")))?;
    Ok(Downloaded {
        mime_type: served,
        size,
        part,
    })
}

async fn media_info(
    app: &AppState,
    client: &reqwest::Client,
    media_id: &str,
    token: &str,
) -> Result<MediaInfo, Refusal> {
    let url = format!(
        "{}/{}",
        app.config.meta.graph_url.trim_end_matches('/'),
        media_id
    );
    let resp = client
        .get(&url)
        .bearer_auth(token)
        .send()
        .await
        .map_err(|e| classify_send_error(&e))?;
    let status = resp.status();
    if status.as_u16() == 429 || status.is_server_error() {
        return Err(Refusal::Transient(format!(
            "GET /{{media-id}} answered {status}"
        )));
    }
    if !status.is_success() {
        return Err(Refusal::Permanent(format!(
            "GET /{{media-id}} answered {status}: the media id is unknown or expired (ids last 7 days)"
        )));
    }
    resp.json::<MediaInfo>()
        .await
        .map_err(|e| Refusal::Transient(format!("GET /{{media-id}} answer unreadable: {e}")))
}

fn classify_send_error(e: &reqwest::Error) -> Refusal {
    let text = format!("{e:#}");
    let mut source: Option<&dyn std::error::Error> = Some(e);
    let mut chain = String::new();
    while let Some(s) = source {
        chain.push_str(&s.to_string());
        chain.push(' ');
        source = s.source();
    }
    if e.is_redirect() || chain.contains("redirect refused") || chain.contains("private addresses")
    {
        Refusal::Blocked(chain.trim().to_string())
    } else {
        Refusal::Transient(text)
    }
}

/// Deletes files the node has had for longer than the grace period.
async fn purge(app: &AppState) {
    let keep = chrono::Duration::hours(app.config.media.keep_after_delivery_hours as i64);
    let before = (chrono::Utc::now() - keep).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    match app.store.purge_delivered_media(before).await {
        Ok(ids) => {
            for id in ids {
                let _ = std::fs::remove_file(media_path(&app.config.data_dir, id));
            }
        }
        Err(e) => tracing::error!(error = %e, "cannot purge delivered media"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_name_that_resolves_to_a_private_address_is_refused_unless_listed_for_tests() {
        let strict = PublicOnly {
            extra_hosts: Vec::new(),
        };
        let name: Name = "localhost".parse().unwrap();
        let err = strict.resolve(name).await.err().expect("refused");
        assert!(err.to_string().contains("private"), "{err}");
        let listed = PublicOnly {
            extra_hosts: vec!["localhost:9000".into()],
        };
        let addrs: Vec<_> = listed
            .resolve("localhost".parse().unwrap())
            .await
            .expect("allowed for tests")
            .collect();
        assert!(addrs.iter().all(|a| a.ip().is_loopback()), "{addrs:?}");
    }
}
