//! WhatsApp media as the Graph API serves it (META_PROTOCOL §8.1), inside the Graph
//! stand-in: `GET /{version}/{media-id}` with the bearer token answers
//! `{messaging_product, url, mime_type, sha256 (hex), file_size, id}`, and the URL it gives
//! answers the bytes only with the same bearer token ("If you omit your token, the request
//! will fail").

use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// One item and how the stand-in misbehaves with it.
#[derive(Debug, Clone, Default)]
pub struct Media {
    pub bytes: Vec<u8>,
    pub mime_type: String,
    /// Overrides the declared `file_size` (an oversize file Meta announces honestly).
    pub declared_size: Option<u64>,
    /// Overrides the download URL (a host the relay must refuse).
    pub url: Option<String>,
    /// The token both calls require, e.g. "Bearer TOKEN".
    pub bearer: String,
}

impl Media {
    pub fn voice_note(bytes: Vec<u8>, token: &str) -> Media {
        Media {
            bytes,
            mime_type: "audio/ogg; codecs=opus".into(),
            bearer: format!("Bearer {token}"),
            ..Media::default()
        }
    }
}

#[derive(Default)]
pub struct Shelf {
    items: HashMap<String, Media>,
    pub requests: Vec<(String, Option<String>)>,
    /// `http://127.0.0.1:PORT` of the stand-in: download URLs point back at it.
    pub base: String,
}

impl Shelf {
    pub fn add(&mut self, id: &str, m: Media) {
        self.items.insert(id.to_string(), m);
    }

    /// The raw HTTP answer to `GET path`.
    pub fn answer(&mut self, path: &str, auth: Option<&str>) -> Vec<u8> {
        self.requests
            .push((path.to_string(), auth.map(str::to_string)));
        if let Some(id) = path.strip_prefix("/media-download/") {
            return match self.items.get(id) {
                Some(m) if auth == Some(m.bearer.as_str()) => raw(200, &m.mime_type, &m.bytes),
                Some(_) => json_error(401, 190, "Invalid OAuth access token"),
                None => json_error(404, 100, "Unsupported get request"),
            };
        }
        let id = path
            .rsplit('/')
            .next()
            .unwrap_or("")
            .split('?')
            .next()
            .unwrap_or("");
        match self.items.get(id) {
            Some(m) if auth == Some(m.bearer.as_str()) => {
                let sha: String = Sha256::digest(&m.bytes)
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                let url = m
                    .url
                    .clone()
                    .unwrap_or_else(|| format!("{}/media-download/{id}", self.base));
                let body = serde_json::json!({
                    "messaging_product": "whatsapp",
                    "url": url,
                    "mime_type": m.mime_type,
                    "sha256": sha,
                    "file_size": m.declared_size.unwrap_or(m.bytes.len() as u64),
                    "id": id,
                });
                raw(200, "application/json", body.to_string().as_bytes())
            }
            Some(_) => json_error(401, 190, "Invalid OAuth access token"),
            None => json_error(
                400,
                100,
                "Unsupported get request. Object with ID does not exist",
            ),
        }
    }
}

fn raw(status: u16, mime: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: {mime}\r\ncontent-length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

fn json_error(status: u16, code: i64, message: &str) -> Vec<u8> {
    let body = serde_json::json!({"error": {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "Afake"}});
    raw(status, "application/json", body.to_string().as_bytes())
}
