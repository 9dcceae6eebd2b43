//! Which media URLs from a payload may be kept (META_PROTOCOL §8.3, DESIGN §5). A URL that
//! is not https on a Meta CDN host is stripped before the event is stored, so nothing
//! downstream can ever be tricked into fetching it (SSRF).

use resto_sync::InboundMessage;
use url::{Host, Url};

/// Meta's media hosts, from Meta's media docs and real captures (META_PROTOCOL §8.3).
/// Exact hosts first, then the two CDN suffixes; nothing else.
pub const META_MEDIA_HOSTS: &[&str] = &["lookaside.fbsbx.com", "cdn.fbsbx.com"];
pub const META_MEDIA_HOST_SUFFIXES: &[&str] = &[".fbcdn.net", ".cdninstagram.com"];

/// Why a URL was refused; shown in the security event, never the URL's query (it is signed).
pub fn media_url_problem(raw: &str) -> Option<String> {
    let url = match Url::parse(raw) {
        Ok(u) => u,
        Err(e) => return Some(format!("not a URL ({e})")),
    };
    if url.scheme() != "https" {
        return Some(format!("scheme {} is not https", url.scheme()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Some("URL carries credentials".into());
    }
    if url.port().is_some_and(|p| p != 443) {
        return Some(format!(
            "port {} is not 443",
            url.port().unwrap_or_default()
        ));
    }
    match url.host() {
        Some(Host::Domain(d)) => {
            let d = d.to_ascii_lowercase();
            let allowed = META_MEDIA_HOSTS.contains(&d.as_str())
                || META_MEDIA_HOST_SUFFIXES
                    .iter()
                    .any(|s| d.ends_with(s) && d.len() > s.len());
            if allowed {
                None
            } else {
                Some(format!("host {d} is not a Meta CDN host"))
            }
        }
        Some(Host::Ipv4(_)) | Some(Host::Ipv6(_)) => Some("host is an IP literal".into()),
        None => Some("URL has no host".into()),
    }
}

/// A URL removed from a message, for the security log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockedMedia {
    pub audio: bool,
    pub reason: String,
}

/// Removes every disallowed attachment URL from `msg` (the attachment itself, with its media
/// id, stays so staff still see that something was sent).
pub fn strip_blocked_media(msg: &mut InboundMessage) -> Vec<BlockedMedia> {
    let mut blocked = Vec::new();
    for att in &mut msg.attachments {
        let Some(url) = att.url.as_deref() else {
            continue;
        };
        if let Some(reason) = media_url_problem(url) {
            let audio = att.kind == "audio"
                || att
                    .mime_type
                    .as_deref()
                    .is_some_and(|m| m.starts_with("audio/"));
            blocked.push(BlockedMedia { audio, reason });
            att.url = None;
        }
    }
    blocked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_cdn_urls_from_the_fixtures_are_kept() {
        for u in [
            "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1&ext=2&hash=3",
            "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=1&signature=x",
            "https://scontent.xx.fbcdn.net/v/t1.15752-9/1_n.jpg?_nc_cat=1",
            "https://cdn.fbsbx.com/v/t59.3654-21/a.mp4",
            "https://scontent-cdg4-1.cdninstagram.com/v/x.jpg",
            "https://LOOKASIDE.FBSBX.COM:443/x",
        ] {
            assert_eq!(media_url_problem(u), None, "{u}");
        }
    }

    #[test]
    fn anything_else_is_refused_with_a_reason() {
        for u in [
            "http://lookaside.fbsbx.com/x",
            "https://169.254.169.254/latest/meta-data",
            "https://10.0.0.1/a.ogg",
            "https://[::1]/x",
            "https://0x7f.1/x",
            "https://evil.example.com/x.jpg",
            "https://fbcdn.net.evil.com/x",
            "https://evilfbcdn.net/x",
            "https://.fbcdn.net/x",
            "https://lookaside.fbsbx.com:8443/x",
            "https://user:pw@lookaside.fbsbx.com/x",
            "file:///etc/passwd",
            "not a url",
        ] {
            assert!(media_url_problem(u).is_some(), "{u} should be refused");
        }
    }
}
