//! The anti-abuse rules as plain functions over plain values: what a sender's recent
//! activity and order record say about the next message, and which extra step a customer's
//! no-shows impose at checkout. No clock, no database: the caller passes both in.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// The owner's policy (table `trust_policy`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    /// Messages a sender may send in one minute before quarantine.
    pub per_minute: u32,
    pub per_hour: u32,
    /// The same text this many times within `flood_window_min` minutes is a flood.
    pub flood_repeats: u32,
    pub flood_window_min: u32,
    /// Messages carrying links within an hour, from a sender who never ordered.
    pub link_limit: u32,
    /// Unfinished orders a customer may hold at once.
    pub max_open_orders: u32,
    /// No-shows (COD refused at the door / never collected) from which `noshow_action` applies;
    /// 0 turns the rule off.
    pub noshow_threshold: u32,
    pub noshow_action: CheckoutRule,
    /// Automatic release after this many minutes; 0 means staff release by hand.
    pub quarantine_minutes: u32,
    /// Below this FAQ confidence (share of the message's words found in the best entry,
    /// `crate::store::faq::Hit`) the bot offers a human instead of answering.
    pub faq_min_score: f64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            per_minute: 15,
            per_hour: 150,
            flood_repeats: 5,
            flood_window_min: 10,
            link_limit: 3,
            max_open_orders: 3,
            noshow_threshold: 2,
            noshow_action: CheckoutRule::PhoneConfirm,
            quarantine_minutes: 720,
            faq_min_score: 0.5,
        }
    }
}

/// The extra step checkout requires of a customer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckoutRule {
    #[default]
    None,
    /// The order is placed, but staff call the customer before preparing it.
    PhoneConfirm,
    /// Cash on delivery is not offered: CIB / Edahabia only.
    Prepay,
}

impl CheckoutRule {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckoutRule::None => "none",
            CheckoutRule::PhoneConfirm => "phone_confirm",
            CheckoutRule::Prepay => "prepay",
        }
    }
    pub fn parse(s: &str) -> Option<CheckoutRule> {
        match s {
            "none" => Some(CheckoutRule::None),
            "phone_confirm" => Some(CheckoutRule::PhoneConfirm),
            "prepay" => Some(CheckoutRule::Prepay),
            _ => None,
        }
    }
}

/// One earlier (or the current) message of the sender.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    pub at: DateTime<Utc>,
    /// Folded text (`crate::domain::text`), empty for taps, locations, media.
    pub fold: String,
    pub has_link: bool,
}

/// What the store knows about the customer's orders.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OrderRecord {
    /// Orders not yet delivered, cancelled or rejected.
    pub open: u32,
    /// Orders ever delivered: a customer who paid before is not a link spammer.
    pub delivered: u32,
    pub no_shows: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    RateMinute,
    RateHour,
    Flood,
    LinkSpam,
    OrderAbuse,
    Manual,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::RateMinute => "rate_minute",
            Reason::RateHour => "rate_hour",
            Reason::Flood => "flood",
            Reason::LinkSpam => "link_spam",
            Reason::OrderAbuse => "order_abuse",
            Reason::Manual => "manual",
        }
    }
    pub fn parse(s: &str) -> Option<Reason> {
        [
            Reason::RateMinute,
            Reason::RateHour,
            Reason::Flood,
            Reason::LinkSpam,
            Reason::OrderAbuse,
            Reason::Manual,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Allow,
    Quarantine { reason: Reason, detail: String },
}

/// Texts shorter than this are answers to the bot ("1", "oui", "ok"), which a real customer
/// legitimately repeats; they never count as a flood.
const FLOOD_MIN_CHARS: usize = 8;

/// Judges the sender's newest message. `recent` holds their earlier messages of the last
/// hour or more (any order); `current` is the message being judged.
pub fn judge(p: &Policy, recent: &[Activity], current: &Activity, orders: OrderRecord) -> Verdict {
    let now = current.at;
    let within = |mins: i64| {
        let from = now - Duration::minutes(mins);
        recent
            .iter()
            .filter(move |a| a.at > from && a.at <= now)
            .chain(std::iter::once(current))
    };
    let minute = within(1).count() as u32;
    if minute > p.per_minute {
        return quarantine(
            Reason::RateMinute,
            format!("{minute} messages in one minute (limit {})", p.per_minute),
        );
    }
    let hour = within(60).count() as u32;
    if hour > p.per_hour {
        return quarantine(
            Reason::RateHour,
            format!("{hour} messages in one hour (limit {})", p.per_hour),
        );
    }
    if current.fold.chars().count() >= FLOOD_MIN_CHARS {
        let same = within(p.flood_window_min as i64)
            .filter(|a| a.fold == current.fold)
            .count() as u32;
        if same >= p.flood_repeats {
            return quarantine(
                Reason::Flood,
                format!(
                    "the same text {same} times in {} minutes",
                    p.flood_window_min
                ),
            );
        }
    }
    if current.has_link && orders.delivered == 0 {
        let links = within(60).filter(|a| a.has_link).count() as u32;
        if links >= p.link_limit {
            return quarantine(
                Reason::LinkSpam,
                format!("{links} messages with links in one hour from a sender who never ordered"),
            );
        }
    }
    Verdict::Allow
}

/// Judges an order about to be placed: holding `max_open_orders` unfinished orders already
/// is abuse. Asked only at confirmation, so a customer with open orders can still ask where
/// they are.
pub fn judge_order(p: &Policy, orders: OrderRecord) -> Verdict {
    if orders.open >= p.max_open_orders {
        return quarantine(
            Reason::OrderAbuse,
            format!(
                "a new order with {} unfinished orders already (limit {})",
                orders.open, p.max_open_orders
            ),
        );
    }
    Verdict::Allow
}

fn quarantine(reason: Reason, detail: String) -> Verdict {
    Verdict::Quarantine { reason, detail }
}

/// The checkout step a customer's no-show record imposes.
pub fn checkout_rule(p: &Policy, no_shows: u32) -> CheckoutRule {
    if p.noshow_threshold > 0 && no_shows >= p.noshow_threshold {
        p.noshow_action
    } else {
        CheckoutRule::None
    }
}

/// Whether a message carries a link: a URL scheme, `www.`, or a word shaped like a domain.
/// Google Maps pins arrive as location messages, not links, so they never count.
pub fn has_link(text: &str) -> bool {
    let lower = text.to_lowercase();
    if lower.contains("http://") || lower.contains("https://") || lower.contains("www.") {
        return true;
    }
    const TLDS: &[&str] = &[
        "com", "net", "org", "info", "xyz", "top", "io", "me", "ly", "co", "dz", "fr", "ru",
        "site", "online", "click", "link",
    ];
    lower.split_whitespace().any(|w| {
        let w = w.trim_matches(|c: char| !c.is_alphanumeric());
        let host = w.split('/').next().unwrap_or(w);
        match host.rsplit_once('.') {
            Some((name, tld)) => {
                !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
                    && name.chars().any(|c| c.is_ascii_alphabetic())
                    && TLDS.contains(&tld)
            }
            None => false,
        }
    })
}

/// When a quarantine that starts at `since` ends by itself, or `None` for manual release.
pub fn release_at(p: &Policy, since: DateTime<Utc>) -> Option<DateTime<Utc>> {
    (p.quarantine_minutes > 0).then(|| since + Duration::minutes(p.quarantine_minutes as i64))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-23T19:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn msg(secs: i64, text: &str) -> Activity {
        Activity {
            at: t0() + Duration::seconds(secs),
            fold: crate::domain::text::phrase(text).join(" "),
            has_link: has_link(text),
        }
    }

    /// Runs a whole conversation through `judge`, message by message, like the store does.
    fn run(p: &Policy, msgs: &[Activity], orders: OrderRecord) -> Vec<Verdict> {
        (0..msgs.len())
            .map(|i| judge(p, &msgs[..i], &msgs[i], orders))
            .collect()
    }

    #[test]
    fn a_regular_customer_ordering_twice_in_an_evening_is_not_spam() {
        let p = Policy::default();
        let evening = [
            "salam",
            "menu",
            "2",
            "1",
            "zouj tacos",
            "oui",
            "livraison",
            "Bab Ezzouar",
            "cite 1200 logts bt 5",
            "cod",
            "oui",
        ];
        let mut msgs: Vec<Activity> = evening
            .iter()
            .enumerate()
            .map(|(i, t)| msg(i as i64 * 20, t))
            .collect();
        // Two hours later, the same family orders dessert, the same way.
        msgs.extend(
            evening
                .iter()
                .enumerate()
                .map(|(i, t)| msg(7200 + i as i64 * 15, t)),
        );
        for open in [0, 1, 2] {
            let v = run(
                &p,
                &msgs,
                OrderRecord {
                    open,
                    delivered: 3,
                    no_shows: 0,
                },
            );
            assert!(v.iter().all(|v| *v == Verdict::Allow), "{v:?}");
        }
    }

    #[test]
    fn short_answers_repeated_are_not_a_flood() {
        let msgs: Vec<Activity> = (0..8).map(|i| msg(i * 30, "oui")).collect();
        assert!(run(&Policy::default(), &msgs, OrderRecord::default())
            .iter()
            .all(|v| *v == Verdict::Allow));
    }

    #[test]
    fn the_same_long_text_five_times_in_ten_minutes_is_a_flood() {
        let msgs: Vec<Activity> = (0..5)
            .map(|i| msg(i * 60, "GAGNEZ UN IPHONE GRATUIT maintenant"))
            .collect();
        let v = run(&Policy::default(), &msgs, OrderRecord::default());
        assert_eq!(v[3], Verdict::Allow);
        assert!(matches!(
            v[4],
            Verdict::Quarantine {
                reason: Reason::Flood,
                ..
            }
        ));
    }

    #[test]
    fn more_messages_than_the_minute_limit_is_a_bot() {
        let msgs: Vec<Activity> = (0..16)
            .map(|i| msg(i * 3, &format!("message numero {i}")))
            .collect();
        let v = run(&Policy::default(), &msgs, OrderRecord::default());
        assert_eq!(v[14], Verdict::Allow);
        assert!(matches!(
            v[15],
            Verdict::Quarantine {
                reason: Reason::RateMinute,
                ..
            }
        ));
    }

    #[test]
    fn links_from_a_stranger_are_spam_but_not_from_a_customer_who_paid_before() {
        let msgs: Vec<Activity> = (0..3)
            .map(|i| msg(i * 120, &format!("promo {i} sur bit.ly/x{i}")))
            .collect();
        let v = run(&Policy::default(), &msgs, OrderRecord::default());
        assert!(matches!(
            v[2],
            Verdict::Quarantine {
                reason: Reason::LinkSpam,
                ..
            }
        ));
        let v = run(
            &Policy::default(),
            &msgs,
            OrderRecord {
                delivered: 1,
                ..Default::default()
            },
        );
        assert!(v.iter().all(|v| *v == Verdict::Allow));
    }

    #[test]
    fn too_many_unfinished_orders_is_order_abuse_only_when_ordering_again() {
        let open = |open| OrderRecord {
            open,
            ..Default::default()
        };
        let p = Policy::default();
        assert_eq!(
            judge(&p, &[], &msg(0, "win tousli commande ?"), open(3)),
            Verdict::Allow
        );
        assert_eq!(judge_order(&p, open(2)), Verdict::Allow);
        assert!(matches!(
            judge_order(&p, open(3)),
            Verdict::Quarantine {
                reason: Reason::OrderAbuse,
                ..
            }
        ));
    }

    #[test]
    fn links_are_recognised_and_prices_or_addresses_are_not() {
        for t in [
            "https://x.y/z",
            "visit www.promo.dz",
            "bit.ly/abc",
            "gagnez sur promo-dz.com !",
        ] {
            assert!(has_link(t), "{t}");
        }
        for t in [
            "2 tacos à 450.00",
            "cite 1200 logts bt.5",
            "merci.",
            "j'arrive a 20h.30",
            "A-042",
        ] {
            assert!(!has_link(t), "{t}");
        }
    }

    #[test]
    fn two_no_shows_impose_the_owners_rule_and_zero_turns_it_off() {
        let p = Policy::default();
        assert_eq!(checkout_rule(&p, 1), CheckoutRule::None);
        assert_eq!(checkout_rule(&p, 2), CheckoutRule::PhoneConfirm);
        let strict = Policy {
            noshow_action: CheckoutRule::Prepay,
            noshow_threshold: 1,
            ..p.clone()
        };
        assert_eq!(checkout_rule(&strict, 1), CheckoutRule::Prepay);
        let off = Policy {
            noshow_threshold: 0,
            ..p
        };
        assert_eq!(checkout_rule(&off, 9), CheckoutRule::None);
    }

    #[test]
    fn quarantine_ends_by_itself_only_when_the_policy_says_so() {
        let p = Policy::default();
        assert_eq!(release_at(&p, t0()), Some(t0() + Duration::hours(12)));
        assert_eq!(
            release_at(
                &Policy {
                    quarantine_minutes: 0,
                    ..p
                },
                t0()
            ),
            None
        );
    }
}
