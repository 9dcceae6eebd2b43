//! Kitchen printers (issue 17) as plain values: where a printer is, what it prints, the kinds
//! of print job and how long a job waits before its next try. Validation lists every problem
//! at once, each saying what to type instead.

use crate::domain::menu::Lang;
use crate::domain::ticket::Banner;

/// Raw TCP printers (JetDirect / "AppSocket") listen on this port unless set otherwise.
pub const DEFAULT_PORT: u16 = 9100;
pub const MAX_COPIES: u8 = 5;

/// Where the bytes go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrinterTarget {
    /// Raw TCP, `host:port`.
    Tcp { host: String, port: u16 },
    /// A device file: `/dev/usb/lp0` for a USB printer.
    Device(String),
}

impl PrinterTarget {
    /// As the console and `printer list` show it.
    pub fn describe(&self) -> String {
        match self {
            PrinterTarget::Tcp { host, port } => format!("{host}:{port}"),
            PrinterTarget::Device(p) => p.clone(),
        }
    }
}

/// A printer as the owner set it up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrinterSettings {
    pub name: String,
    pub target: PrinterTarget,
    /// 58 or 80 (paper width in mm).
    pub width_mm: u16,
    /// The staff's language: item names and labels on this printer's tickets.
    pub lang: Lang,
    /// Menu category ids this station prints; empty = every category.
    pub categories: Vec<String>,
    pub copies: u8,
}

/// What the owner typed, before validation (CLI flags, console form).
#[derive(Debug, Clone, Default)]
pub struct PrinterForm {
    pub name: String,
    pub address: Option<String>,
    pub device: Option<String>,
    pub width_mm: Option<u16>,
    pub lang: Option<String>,
    pub categories: Vec<String>,
    pub copies: Option<u8>,
}

impl PrinterForm {
    /// Every problem at once; `known_categories` are the menu's category ids.
    pub fn validate(
        &self,
        default_lang: Lang,
        known_categories: &[String],
    ) -> Result<PrinterSettings, Vec<String>> {
        let mut problems = Vec::new();
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 40 {
            problems.push(
                "name: give the printer a short name (1 to 40 characters), e.g. cuisine or grill"
                    .into(),
            );
        }
        let target = match (self.address.as_deref(), self.device.as_deref()) {
            (Some(a), None) => match parse_address(a) {
                Ok((host, port)) => Some(PrinterTarget::Tcp { host, port }),
                Err(e) => {
                    problems.push(e);
                    None
                }
            },
            // Only under /dev: tickets appended to any other file (the database itself, a
            // backup) would corrupt it.
            (None, Some(d)) if d.starts_with("/dev/") && !d.contains("/..") => {
                Some(PrinterTarget::Device(d.to_string()))
            }
            (None, Some(d)) => {
                problems.push(format!(
                    "device: {d:?} is not a device under /dev; a USB printer is usually /dev/usb/lp0"
                ));
                None
            }
            (Some(_), Some(_)) => {
                problems.push("give either --address HOST[:PORT] (network printer) or --device PATH (USB printer), not both".into());
                None
            }
            (None, None) => {
                problems.push("say where the printer is: --address HOST[:PORT] for a network printer (port 9100 by default) or --device /dev/usb/lp0 for a USB printer".into());
                None
            }
        };
        let width_mm = self.width_mm.unwrap_or(80);
        if width_mm != 58 && width_mm != 80 {
            problems.push(format!(
                "width: {width_mm} mm is not a kitchen paper width; use 58 or 80"
            ));
        }
        let lang = match self.lang.as_deref() {
            None => default_lang,
            Some(l) => Lang::parse(l.trim()).unwrap_or_else(|| {
                problems.push(format!("language: {l:?} is not one we print; use fr or ar"));
                default_lang
            }),
        };
        let categories: Vec<String> = self
            .categories
            .iter()
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty())
            .collect();
        for c in &categories {
            if !known_categories.contains(c) {
                problems.push(format!(
                    "categories: the menu has no category {c:?}; its categories are {}",
                    known_categories.join(", ")
                ));
            }
        }
        let copies = self.copies.unwrap_or(1);
        if copies == 0 || copies > MAX_COPIES {
            problems.push(format!(
                "copies: {copies} is not allowed; print 1 to {MAX_COPIES} copies of each ticket"
            ));
        }
        match target {
            Some(target) if problems.is_empty() => Ok(PrinterSettings {
                name: name.to_string(),
                target,
                width_mm,
                lang,
                categories,
                copies,
            }),
            _ => Err(problems),
        }
    }
}

/// `host`, `host:port` or `[v6]:port`; the port defaults to 9100.
pub fn parse_address(s: &str) -> Result<(String, u16), String> {
    let s = s.trim();
    let bad = || {
        format!("address: {s:?} is not HOST or HOST:PORT; type the printer's IP as it prints on its self-test page, e.g. 192.168.1.50 or 192.168.1.50:9100")
    };
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let (h, after) = rest.split_once(']').ok_or_else(bad)?;
        (h, after.strip_prefix(':'))
    } else if s.matches(':').count() == 1 {
        let (h, p) = s.split_once(':').ok_or_else(bad)?;
        (h, Some(p))
    } else {
        (s, None)
    };
    let host_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'));
    if !host_ok {
        return Err(bad());
    }
    let port = match port {
        None => DEFAULT_PORT,
        Some(p) => p.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(bad)?,
    };
    Ok((host.to_string(), port))
}

/// Why a ticket is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// The order was confirmed (chat) or accepted (counter).
    Order,
    /// Staff asked for it again from the order card.
    Reprint,
    Cancelled,
    /// The order changed after its ticket was printed (payment switched to cash).
    Changed,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Order => "order",
            JobKind::Reprint => "reprint",
            JobKind::Cancelled => "cancelled",
            JobKind::Changed => "changed",
        }
    }

    pub fn parse(s: &str) -> Option<JobKind> {
        [
            JobKind::Order,
            JobKind::Reprint,
            JobKind::Cancelled,
            JobKind::Changed,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    pub fn banner(self) -> Option<Banner> {
        match self {
            JobKind::Order => None,
            JobKind::Reprint => Some(Banner::Reprint),
            JobKind::Cancelled => Some(Banner::Cancelled),
            JobKind::Changed => Some(Banner::Changed),
        }
    }
}

/// Does a station print a line of this category? An empty list means every category.
pub fn station_prints(categories: &[String], category: &str) -> bool {
    categories.is_empty() || categories.iter().any(|c| c == category)
}

/// How long a job waits after its `attempts`-th failed try: 2 s, 4 s, 8 s, 16 s, then every
/// 30 s. A kitchen printer is usually off for a paper change, not for hours: retrying often
/// is cheap (one TCP connect) and the ticket comes out as soon as the lid closes.
pub fn retry_delay_secs(attempts: u32) -> u64 {
    2u64.saturating_pow(attempts.clamp(1, 5)).min(30)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(address: &str) -> PrinterForm {
        PrinterForm {
            name: "cuisine".into(),
            address: Some(address.into()),
            ..PrinterForm::default()
        }
    }

    #[test]
    fn address_defaults_to_port_9100() {
        assert_eq!(
            parse_address("192.168.1.50"),
            Ok(("192.168.1.50".into(), 9100))
        );
        assert_eq!(
            parse_address(" printer.local:9101 "),
            Ok(("printer.local".into(), 9101))
        );
        assert_eq!(
            parse_address("[fe80::1]:9100"),
            Ok(("fe80::1".into(), 9100))
        );
        for bad in ["", "192.168.1.50:0", "192.168.1.50:99999", "a b", "x:y"] {
            assert!(parse_address(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn defaults_are_80mm_one_copy_all_categories_restaurant_language() {
        let s = form("10.0.0.9").validate(Lang::Ar, &[]).unwrap();
        assert_eq!(
            s.target,
            PrinterTarget::Tcp {
                host: "10.0.0.9".into(),
                port: 9100
            }
        );
        assert_eq!((s.width_mm, s.copies, s.lang), (80, 1, Lang::Ar));
        assert!(s.categories.is_empty());
    }

    #[test]
    fn every_problem_is_listed_at_once() {
        let f = PrinterForm {
            name: " ".into(),
            address: Some("10.0.0.9:abc".into()),
            device: None,
            width_mm: Some(76),
            lang: Some("en".into()),
            categories: vec!["pizzas".into(), "sushis".into()],
            copies: Some(9),
        };
        let problems = f
            .validate(Lang::Fr, &["pizzas".into(), "boissons".into()])
            .unwrap_err();
        assert_eq!(problems.len(), 6, "{problems:#?}");
        assert!(problems
            .iter()
            .any(|p| p.contains("\"sushis\"") && p.contains("pizzas, boissons")));
        assert!(problems.iter().any(|p| p.contains("58 or 80")));
    }

    #[test]
    fn usb_device_or_network_not_both() {
        let mut f = form("10.0.0.9");
        f.device = Some("/dev/usb/lp0".into());
        assert!(f.validate(Lang::Fr, &[]).is_err());
        f.address = None;
        let s = f.validate(Lang::Fr, &[]).unwrap();
        assert_eq!(s.target, PrinterTarget::Device("/dev/usb/lp0".into()));
        for not_a_device in [
            "lp0",
            "/var/lib/resto-edge/edge.db",
            "/dev/../var/lib/resto-edge/edge.db",
        ] {
            f.device = Some(not_a_device.into());
            assert!(
                f.validate(Lang::Fr, &[]).unwrap_err()[0].contains("/dev/usb/lp0"),
                "{not_a_device} accepted"
            );
        }
    }

    #[test]
    fn stations_and_backoff() {
        assert!(station_prints(&[], "boissons"));
        let grill = vec!["grillades".to_string()];
        assert!(station_prints(&grill, "grillades"));
        assert!(!station_prints(&grill, "boissons"));
        let delays: Vec<u64> = (1..=7).map(retry_delay_secs).collect();
        assert_eq!(delays, [2, 4, 8, 16, 30, 30, 30]);
        assert_eq!(
            JobKind::parse("cancelled").unwrap().banner(),
            Some(Banner::Cancelled)
        );
    }
}
