//! Opening hours in the restaurant's local time. Algeria keeps UTC+1 all year (no DST since
//! 1981), so a fixed offset is exact; `UTC` is accepted for tests and other deployments.

use crate::domain::menu::validate::{parse_hhmm, DAYS};
use crate::domain::menu::Restaurant;
use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDateTime, Timelike, Utc};

pub fn offset(r: &Restaurant) -> FixedOffset {
    match r.timezone.as_str() {
        "UTC" => FixedOffset::east_opt(0),
        _ => FixedOffset::east_opt(3600),
    }
    .expect("valid offset")
}

pub fn local(r: &Restaurant, now: DateTime<Utc>) -> NaiveDateTime {
    now.with_timezone(&offset(r)).naive_local()
}

fn day_key(weekday: chrono::Weekday) -> &'static str {
    DAYS[weekday.num_days_from_monday() as usize]
}

/// Minute ranges [open, close) for a given local weekday, after-midnight closing split off
/// to the next day.
fn ranges(r: &Restaurant, weekday: chrono::Weekday) -> Vec<(u32, u32)> {
    let today = day_key(weekday);
    let yesterday = day_key(weekday.pred());
    let mut out = Vec::new();
    for h in &r.opening_hours {
        let (Some(open), Some(close)) = (parse_hhmm(&h.open), parse_hhmm(&h.close)) else {
            continue;
        };
        let on = |d: &str| h.days.iter().any(|x| x == d);
        if close > open {
            if on(today) {
                out.push((open, close));
            }
        } else {
            // Crosses midnight: evening today, early hours tomorrow.
            if on(today) {
                out.push((open, 24 * 60));
            }
            if on(yesterday) {
                out.push((0, close));
            }
        }
    }
    out
}

pub fn is_open(r: &Restaurant, now: DateTime<Utc>) -> bool {
    let t = local(r, now);
    let m = t.hour() * 60 + t.minute();
    ranges(r, t.weekday()).iter().any(|&(o, c)| o <= m && m < c)
}

/// When the restaurant next opens: days from today (0 = today) and "HH:MM".
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NextOpening {
    pub in_days: u32,
    pub weekday: u32,
    pub at: String,
}

pub fn next_opening(r: &Restaurant, now: DateTime<Utc>) -> Option<NextOpening> {
    let t = local(r, now);
    let m = t.hour() * 60 + t.minute();
    for d in 0..8u32 {
        let day = t + Duration::days(d as i64);
        let mut starts: Vec<u32> = ranges(r, day.weekday())
            .iter()
            .filter(|&&(o, _)| o != 0 || d == 0) // a range from midnight continues yesterday's
            .map(|&(o, _)| o)
            .filter(|&o| d > 0 || o > m)
            .collect();
        starts.sort();
        if let Some(o) = starts.first() {
            return Some(NextOpening {
                in_days: d,
                weekday: day.weekday().num_days_from_monday(),
                at: format!("{:02}:{:02}", o / 60, o % 60),
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::menu::{Lang, OpeningHours, PaymentMethod};

    fn resto(hours: &[(&[&str], &str, &str)]) -> Restaurant {
        Restaurant {
            name: "R".into(),
            currency: "DZD".into(),
            timezone: "Africa/Algiers".into(),
            wilaya_code: "16".into(),
            commune: "Alger".into(),
            phone: "0".into(),
            default_language: Lang::Fr,
            opening_hours: hours
                .iter()
                .map(|(d, o, c)| OpeningHours {
                    days: d.iter().map(|s| s.to_string()).collect(),
                    open: o.to_string(),
                    close: c.to_string(),
                })
                .collect(),
            payment_methods: vec![PaymentMethod::Cod],
            pickup: true,
        }
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn hours_are_read_in_algiers_time() {
        let r = resto(&[(
            &["mon", "tue", "wed", "thu", "sat", "sun"],
            "11:00",
            "23:30",
        )]);
        // 2026-11-23 is a Monday. 10:30 UTC = 11:30 in Algiers.
        assert!(is_open(&r, at("2026-11-23T10:30:00Z")));
        assert!(!is_open(&r, at("2026-11-23T09:30:00Z")));
        assert!(!is_open(&r, at("2026-11-23T22:45:00Z")));
        let next = next_opening(&r, at("2026-11-23T22:45:00Z")).unwrap();
        assert_eq!((next.in_days, next.at.as_str()), (1, "11:00"));
        // Thursday night → closed Friday → Saturday.
        let next = next_opening(&r, at("2026-11-26T23:00:00Z")).unwrap();
        assert_eq!((next.in_days, next.weekday), (1, 5));
    }

    #[test]
    fn hours_past_midnight_belong_to_the_evening_before() {
        let r = resto(&[(&["fri"], "18:00", "02:00")]);
        assert!(is_open(&r, at("2026-11-27T23:30:00Z"))); // Sat 00:30 local
        assert!(!is_open(&r, at("2026-11-28T01:30:00Z"))); // Sat 02:30 local
    }
}
