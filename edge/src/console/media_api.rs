//! `GET /api/media/{id}`: a customer's voice note, photo or document, from the device's own
//! copy, with byte ranges (browsers seek in audio with `Range`).

use super::auth::{require, ApiError, Change};
use super::Console;
use crate::store::staff::Scope;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;

pub async fn media_file(
    State(c): State<Console>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    require(&c, &headers, Scope::Service, Change::Read).await?;
    let file = c
        .with_db(move |db| crate::store::media::file(db, id))
        .await
        .map_err(ApiError::db)?
        .ok_or_else(|| {
            ApiError(
                StatusCode::NOT_FOUND,
                "this media is not on the device (yet); it appears once the relay has sent it"
                    .into(),
            )
        })?;
    let range = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let path = file.path.clone();
    let read = tokio::task::spawn_blocking(move || read_range(&path, range.as_deref()))
        .await
        .map_err(ApiError::db)?;
    let (status, bytes, content_range) = read.map_err(|e| {
        tracing::error!(media = id, error = %e, "media file unreadable");
        ApiError(
            StatusCode::GONE,
            "the media file is missing on the device; ask the customer to send it again".into(),
        )
    })?;
    let mut r = Response::new(Body::from(bytes));
    *r.status_mut() = status;
    let h = r.headers_mut();
    let mime = file
        .mime_type
        .as_deref()
        .unwrap_or("application/octet-stream");
    if let Ok(v) = HeaderValue::from_str(mime) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=86400"),
    );
    // Never let a customer's file run as a page on the console's origin.
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Some(cr) = content_range.and_then(|v| HeaderValue::from_str(&v).ok()) {
        h.insert(header::CONTENT_RANGE, cr);
    }
    Ok(r)
}

/// The whole file, or `bytes=a-b` / `bytes=a-` of it.
fn read_range(
    path: &str,
    range: Option<&str>,
) -> std::io::Result<(StatusCode, Vec<u8>, Option<String>)> {
    use std::io::{Read, Seek};
    let mut f = std::fs::File::open(path)?;
    let len = f.metadata()?.len();
    let wanted = range
        .and_then(|r| r.trim().strip_prefix("bytes="))
        .and_then(|r| r.split_once('-'))
        .and_then(|(a, b)| {
            let start: u64 = a.parse().ok()?;
            let end: u64 = if b.is_empty() {
                len.checked_sub(1)?
            } else {
                b.parse::<u64>().ok()?.min(len.checked_sub(1)?)
            };
            (start <= end).then_some((start, end))
        });
    match wanted {
        Some((start, end)) => {
            f.seek(std::io::SeekFrom::Start(start))?;
            let mut bytes = vec![0; (end - start + 1) as usize];
            f.read_exact(&mut bytes)?;
            Ok((
                StatusCode::PARTIAL_CONTENT,
                bytes,
                Some(format!("bytes {start}-{end}/{len}")),
            ))
        }
        None => {
            let mut bytes = Vec::with_capacity(len as usize);
            f.read_to_end(&mut bytes)?;
            Ok((StatusCode::OK, bytes, None))
        }
    }
}
