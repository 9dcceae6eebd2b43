//! Click-to-chat links and QR codes for table cards and flyers. Link formats as Meta
//! documents them: `https://wa.me/<international number>?text=<prefilled>`,
//! `https://m.me/<page>?ref=<ref>` and `https://ig.me/m/<username>?ref=<ref>` (Messenger
//! and Instagram have no prefilled text; their `ref` comes back in the referral webhook).
//! Registering a code (`register`) lets the funnel attribute the scans that arrive with it.

use qrcode::{EcLevel, QrCode};
use rusqlite::Connection;

#[derive(Debug, thiserror::Error)]
pub enum QrError {
    #[error("{0}")]
    BadInput(String),
    #[error("the link is too long for a QR code; shorten --text")]
    TooLong,
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Wa,
    Msg,
    Ig,
}

impl Channel {
    pub fn parse(s: &str) -> Option<Channel> {
        match s {
            "wa" => Some(Channel::Wa),
            "msg" => Some(Channel::Msg),
            "ig" => Some(Channel::Ig),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Wa => "wa",
            Channel::Msg => "msg",
            Channel::Ig => "ig",
        }
    }
}

fn percent_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The `ref` carried by m.me / ig.me links: the normalised text, words joined by '-'.
pub fn ref_of(text: &str) -> String {
    crate::domain::text::normalize(text).replace(' ', "-")
}

/// Builds the click-to-chat link. `account` is the WhatsApp number (any formatting, with
/// country code), the Facebook page name or the Instagram username.
pub fn link(channel: Channel, account: &str, text: &str) -> Result<String, QrError> {
    if text.trim().is_empty() {
        return Err(QrError::BadInput(
            "the prefilled text (--text) must not be empty: it is what identifies scans of this code".into(),
        ));
    }
    match channel {
        Channel::Wa => {
            let digits: String = account.chars().filter(|c| c.is_ascii_digit()).collect();
            let digits = digits.strip_prefix("00").unwrap_or(&digits).to_string();
            if digits.len() < 8 || digits.starts_with('0') {
                return Err(QrError::BadInput(format!(
                    "{account:?} is not a WhatsApp number in international format: write it with the country code, e.g. +213 555 12 34 56"
                )));
            }
            Ok(format!(
                "https://wa.me/{digits}?text={}",
                percent_encode(text.trim())
            ))
        }
        Channel::Msg | Channel::Ig => {
            let name = account.trim().trim_start_matches('@');
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-')
            {
                return Err(QrError::BadInput(format!(
                    "{account:?} is not a {} name: use the page name from facebook.com/NAME or the @username",
                    if channel == Channel::Msg { "Facebook page" } else { "Instagram" }
                )));
            }
            let base = if channel == Channel::Msg {
                "https://m.me/"
            } else {
                "https://ig.me/m/"
            };
            Ok(format!(
                "{base}{name}?ref={}",
                percent_encode(&ref_of(text))
            ))
        }
    }
}

fn code(link: &str) -> Result<QrCode, QrError> {
    // Medium correction survives a coffee stain on a table card.
    QrCode::with_error_correction_level(link.as_bytes(), EcLevel::M).map_err(|_| QrError::TooLong)
}

/// The QR code as a standalone SVG.
pub fn svg(link: &str) -> Result<String, QrError> {
    Ok(code(link)?
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .build())
}

/// The QR code as a greyscale PNG, `scale` pixels per module, with a 4-module quiet zone.
/// PNG is written directly (uncompressed deflate blocks): a QR is small, and this keeps an
/// image library out of the edge binary.
pub fn png(link: &str, scale: u32) -> Result<Vec<u8>, QrError> {
    let c = code(link)?;
    let n = c.width() as u32;
    let colors = c.to_colors();
    let quiet = 4;
    let side = (n + 2 * quiet) * scale;
    let mut raw = Vec::with_capacity(((side + 1) * side) as usize);
    for y in 0..side {
        raw.push(0u8); // filter: none
        for x in 0..side {
            let (mx, my) = (
                (x / scale) as i64 - quiet as i64,
                (y / scale) as i64 - quiet as i64,
            );
            let dark = mx >= 0
                && my >= 0
                && (mx as u32) < n
                && (my as u32) < n
                && colors[(my as u32 * n + mx as u32) as usize] == qrcode::Color::Dark;
            raw.push(if dark { 0 } else { 255 });
        }
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend(side.to_be_bytes());
    ihdr.extend(side.to_be_bytes());
    ihdr.extend([8, 0, 0, 0, 0]); // 8-bit greyscale
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &zlib_stored(&raw));
    chunk(&mut out, b"IEND", &[]);
    Ok(out)
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend((data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend(kind);
    out.extend(data);
    let crc = crc32(&out[start..]);
    out.extend(crc.to_be_bytes());
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = data.chunks(65535).collect();
    for (i, b) in blocks.iter().enumerate() {
        out.push(u8::from(i + 1 == blocks.len()));
        out.extend((b.len() as u16).to_le_bytes());
        out.extend((!(b.len() as u16)).to_le_bytes());
        out.extend(*b);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &x in data {
        a = (a + x as u32) % 65521;
        b = (b + a) % 65521;
    }
    out.extend(((b << 16) | a).to_be_bytes());
    out
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// What is printed: a card standing on a table (A6) or a flyer handed out or posted (A5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardSize {
    TableCard,
    Flyer,
}

impl CardSize {
    pub fn parse(s: &str) -> Option<CardSize> {
        match s {
            "card" => Some(CardSize::TableCard),
            "flyer" => Some(CardSize::Flyer),
            _ => None,
        }
    }
    /// CSS page size, QR side (mm) and title size (pt).
    fn layout(self) -> (&'static str, u32, u32) {
        match self {
            CardSize::TableCard => ("A6", 60, 20),
            CardSize::Flyer => ("A5", 95, 30),
        }
    }
}

/// A printable table card or flyer (one page): restaurant name, the QR, the short link and
/// what to do, in French and Arabic. Self-contained HTML for the console to serve or print.
pub fn card_html(
    restaurant: &str,
    link: &str,
    text: &str,
    size: CardSize,
) -> Result<String, QrError> {
    let (page, qr_mm, title_pt) = size.layout();
    let qr = svg(link)?;
    let qr = qr
        .trim_start_matches(|c| c != '<')
        .splitn(2, "?>")
        .last()
        .unwrap_or(&qr)
        .trim()
        .to_string();
    let short = link.trim_start_matches("https://");
    Ok(format!(
        "<!doctype html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\"><title>{name}</title>\n<style>\
@page {{ size: {page}; margin: 8mm }} body {{ font-family: sans-serif; text-align: center; margin: 0 }} \
h1 {{ font-size: {title_pt}pt; margin: 4mm 0 }} .qr svg {{ width: {qr_mm}mm; height: {qr_mm}mm }} .link {{ font-family: monospace; font-size: 9pt; word-break: break-all }} \
.ar {{ direction: rtl; font-size: 13pt }}</style></head>\n<body>\n<h1>{name}</h1>\n\
<p>Scannez pour commander — envoyez « {text} »</p>\n<p class=\"ar\" dir=\"rtl\">امسح الرمز واطلب — ابعث « <bdi>{text}</bdi> »</p>\n\
<div class=\"qr\">{qr}</div>\n<p class=\"link\">{short}</p>\n</body></html>\n",
        name = esc(restaurant),
        text = esc(text.trim()),
        short = esc(short),
    ))
}

/// Remembers the code's prefilled text (and ref) so scans arriving with it are attributed
/// to `label` in the funnel.
pub fn register(
    c: &Connection,
    channel: Channel,
    text: &str,
    label: &str,
    link: &str,
    now: &str,
) -> Result<(), QrError> {
    let norm = crate::domain::text::normalize(text);
    if norm.is_empty() {
        return Err(QrError::BadInput(
            "the prefilled text (--text) needs at least one letter or digit".into(),
        ));
    }
    crate::store::qr::register(c, &norm, label, channel.as_str(), link, now, text.trim())?;
    Ok(())
}

pub use crate::store::qr::{cards, registered_link, Card};

/// The restaurant's name and phone from the imported menu: what a card shows and the
/// WhatsApp number a code points to unless told otherwise.
pub fn restaurant(c: &Connection) -> rusqlite::Result<(String, Option<String>)> {
    Ok(match crate::store::menu::load(c)? {
        Some(m) => (m.restaurant.name, Some(m.restaurant.phone)),
        None => ("RestoBot".into(), None),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_follow_the_documented_formats_and_encode_the_text() {
        assert_eq!(
            link(Channel::Wa, "+213 555 12-34-56", "MENU table 4").unwrap(),
            "https://wa.me/213555123456?text=MENU%20table%204"
        );
        assert_eq!(
            link(Channel::Wa, "213555123456", "المنيو").unwrap(),
            "https://wa.me/213555123456?text=%D8%A7%D9%84%D9%85%D9%86%D9%8A%D9%88"
        );
        assert_eq!(
            link(Channel::Msg, "chez.karim", "MENU Table 4").unwrap(),
            "https://m.me/chez.karim?ref=menu-table-4"
        );
        assert_eq!(
            link(Channel::Ig, "@chezkarim", "MENU").unwrap(),
            "https://ig.me/m/chezkarim?ref=menu"
        );
    }

    #[test]
    fn a_local_number_or_a_bad_page_name_is_refused_with_what_to_write() {
        let e = link(Channel::Wa, "0555 12 34 56", "MENU")
            .unwrap_err()
            .to_string();
        assert!(e.contains("country code"), "{e}");
        assert!(link(Channel::Ig, "chez karim", "MENU").is_err());
        assert!(link(Channel::Wa, "213555123456", "  ").is_err());
    }

    #[test]
    fn the_svg_and_png_hold_a_real_qr_code() {
        let l = "https://wa.me/213555123456?text=MENU";
        let s = svg(l).unwrap();
        assert!(s.contains("<svg") && s.contains("<path"));
        let p = png(l, 4).unwrap();
        assert_eq!(&p[..8], b"\x89PNG\r\n\x1a\n");
        let side = u32::from_be_bytes(p[16..20].try_into().unwrap());
        let n = code(l).unwrap().width() as u32;
        assert_eq!(side, (n + 8) * 4);
        assert_eq!(&p[p.len() - 8..p.len() - 4], b"IEND");
    }

    #[test]
    fn crc_and_adler_match_known_values() {
        assert_eq!(crc32(b"IEND"), 0xAE42_6082);
        let z = zlib_stored(b"Wikipedia");
        assert_eq!(&z[z.len() - 4..], &0x11E6_0398u32.to_be_bytes());
    }

    #[test]
    fn the_card_shows_name_qr_and_short_link_escaped() {
        let l = "https://wa.me/213555123456?text=MENU";
        let h = card_html("Chez <Karim> & fils", l, "MENU", CardSize::TableCard).unwrap();
        assert!(h.contains("Chez &lt;Karim&gt; &amp; fils"));
        assert!(h.contains("<svg") && h.contains("wa.me/213555123456?text=MENU"));
        assert!(!h.contains("<?xml"));
        assert!(h.contains("size: A6"));
        let f = card_html("Chez Karim", l, "MENU", CardSize::Flyer).unwrap();
        assert!(f.contains("size: A5") && f.contains("<svg"));
    }
}
