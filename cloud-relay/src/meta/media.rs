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

/// Why a download URL may not be fetched. `extra_hosts` (`RELAY_MEDIA_HOSTS`, `host` or
/// `host:port`) are allowed over http too: tests and the demo serve media on 127.0.0.1.
pub fn fetch_url_problem(raw: &str, extra_hosts: &[String]) -> Option<String> {
    if let Ok(url) = Url::parse(raw) {
        if is_extra_host(&url, extra_hosts) && matches!(url.scheme(), "http" | "https") {
            return None;
        }
    }
    media_url_problem(raw)
}

/// The URL's host is one of `RELAY_MEDIA_HOSTS`: then private addresses are allowed too.
pub fn is_extra_host(url: &Url, extra_hosts: &[String]) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.to_ascii_lowercase();
    let with_port = url
        .port_or_known_default()
        .map(|p| format!("{host}:{p}"))
        .unwrap_or_else(|| host.clone());
    extra_hosts.iter().any(|h| *h == host || *h == with_port)
}

/// The largest file accepted per attachment kind: WhatsApp's limits (META_PROTOCOL §8.1,
/// [WA-MEDIA]: audio and video 16 MB, images 5 MB, stickers 500 KB, documents 100 MB).
pub fn size_limit(kind: &str) -> u64 {
    const MB: u64 = 1024 * 1024;
    match kind {
        "image" => 5 * MB,
        "sticker" => 500 * 1024,
        "document" | "file" => 100 * MB,
        _ => 16 * MB,
    }
}

/// The served MIME type is plausible for the attachment kind (a "voice note" that is HTML is
/// refused, not stored for a browser to open on the LAN).
pub fn mime_fits(kind: &str, mime: &str) -> bool {
    let mime = mime
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let family = mime.split('/').next().unwrap_or("");
    match kind {
        "audio" => family == "audio" || mime == "application/ogg",
        // SVG is a document that can run script, not a photo.
        "image" | "sticker" => family == "image" && mime != "image/svg+xml",
        "video" => family == "video",
        _ => !matches!(
            mime.as_str(),
            "text/html" | "application/xhtml+xml" | "image/svg+xml" | "application/javascript"
        ),
    }
}

/// Meta gives sha256 in base64 in webhooks and in hex from `GET /{media-id}` (META_PROTOCOL
/// §8.1): either form is compared with the digest of what was downloaded.
pub fn sha256_matches(expected: &str, digest: &[u8; 32]) -> bool {
    use base64::Engine;
    let expected = expected.trim();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    if expected.eq_ignore_ascii_case(&hex) {
        return true;
    }
    [
        base64::engine::general_purpose::STANDARD,
        base64::engine::general_purpose::STANDARD_NO_PAD,
    ]
    .iter()
    .any(|e| e.decode(expected).is_ok_and(|d| d == digest))
}

/// An address a public CDN may resolve to; private, loopback, link-local and other special
/// ranges are refused so a DNS answer cannot point the relay at its own network.
pub fn ip_is_public(ip: std::net::IpAddr) -> bool {
    use std::net::IpAddr;
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || o[0] == 0
                || (o[0] == 100 && (o[1] & 0xc0) == 64)
                || (o[0] == 198 && (o[1] & 0xfe) == 18)
                || o[0] >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return ip_is_public(IpAddr::V4(v4));
            }
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || s[0] == 0x2001 && s[1] == 0x0db8)
        }
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

    #[test]
    fn extra_hosts_allow_http_on_loopback_for_tests_only() {
        let extra = vec!["127.0.0.1:9911".to_string()];
        assert_eq!(
            fetch_url_problem("http://127.0.0.1:9911/media/1", &extra),
            None
        );
        assert!(fetch_url_problem("http://127.0.0.1:9912/media/1", &extra).is_some());
        assert!(fetch_url_problem("http://127.0.0.1:9911/media/1", &[]).is_some());
        assert_eq!(
            fetch_url_problem(
                "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1",
                &extra
            ),
            None
        );
    }

    #[test]
    fn limits_follow_whatsapp_per_kind() {
        assert_eq!(size_limit("audio"), 16 * 1024 * 1024);
        assert_eq!(size_limit("image"), 5 * 1024 * 1024);
        assert_eq!(size_limit("document"), 100 * 1024 * 1024);
        assert_eq!(size_limit("sticker"), 500 * 1024);
    }

    #[test]
    fn a_voice_note_must_be_audio() {
        assert!(mime_fits("audio", "audio/ogg; codecs=opus"));
        assert!(mime_fits("image", "image/jpeg"));
        assert!(!mime_fits("audio", "text/html"));
        assert!(!mime_fits("image", "image/svg+xml"));
        assert!(!mime_fits("document", "text/html; charset=utf-8"));
        assert!(mime_fits("document", "application/pdf"));
    }

    #[test]
    fn sha256_is_read_in_hex_and_base64() {
        use sha2::{Digest, Sha256};
        let d: [u8; 32] = Sha256::digest(b"voice").into();
        let hex: String = d.iter().map(|b| format!("{b:02x}")).collect();
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD.encode(d);
        assert!(sha256_matches(&hex, &d));
        assert!(sha256_matches(&hex.to_uppercase(), &d));
        assert!(sha256_matches(&b64, &d));
        assert!(!sha256_matches("AAAA", &d));
    }

    #[test]
    fn private_answers_are_not_public() {
        for ip in [
            "10.1.2.3",
            "127.0.0.1",
            "169.254.169.254",
            "192.168.1.1",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
            "0.0.0.0",
        ] {
            assert!(!ip_is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["157.240.1.1", "31.13.64.1", "2a03:2880::1"] {
            assert!(ip_is_public(ip.parse().unwrap()), "{ip}");
        }
    }
}
