//! Spam, bot and fraud defence on the edge (issue 7). `policy` holds the pure rules; this
//! module is their store glue: each inbound message passes `gate` inside the apply
//! transaction, which records the sender's activity, releases expired quarantines, judges,
//! and records every decision in `security_events`. The message itself is always kept
//! (`inbound_messages`): a quarantine only stops the bot from answering.

use super::fmt_ts;
use crate::domain::trust_policy::{
    self as policy, Activity, CheckoutRule, OrderRecord, Policy, Reason, Verdict,
};
use crate::store::Cached;
use chrono::{DateTime, Duration, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

fn parse_ts(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("no customer {0}: check the id with the console's customer list")]
    NoCustomer(String),
    #[error("customer {0} is not in quarantine; nothing to release")]
    NotQuarantined(String),
    #[error("invalid policy: {0}")]
    BadPolicy(String),
}

/// The owner's policy, or `Policy::default()` (equal to the table's defaults, tested) until
/// they change it.
pub fn load_policy(c: &Connection) -> rusqlite::Result<Policy> {
    c.row(
        "SELECT per_minute, per_hour, flood_repeats, flood_window_min, link_limit, max_open_orders, \
         noshow_threshold, noshow_action, quarantine_minutes, faq_min_score FROM trust_policy WHERE id = 1",
        [],
        |r| {
            Ok(Policy {
                per_minute: r.get(0)?,
                per_hour: r.get(1)?,
                flood_repeats: r.get(2)?,
                flood_window_min: r.get(3)?,
                link_limit: r.get(4)?,
                max_open_orders: r.get(5)?,
                noshow_threshold: r.get(6)?,
                noshow_action: CheckoutRule::parse(&r.get::<_, String>(7)?).unwrap_or_default(),
                quarantine_minutes: r.get(8)?,
                faq_min_score: r.get(9)?,
            })
        },
    )
    .optional()
    .map(Option::unwrap_or_default)
}

/// Saves the owner's policy; the table's CHECKs refuse nonsense (zero limits).
pub fn save_policy(c: &Connection, p: &Policy) -> Result<(), TrustError> {
    c.run("INSERT OR IGNORE INTO trust_policy (id) VALUES (1)", [])?;
    c.run(
        "UPDATE trust_policy SET per_minute = ?1, per_hour = ?2, flood_repeats = ?3, flood_window_min = ?4, link_limit = ?5, \
         max_open_orders = ?6, noshow_threshold = ?7, noshow_action = ?8, quarantine_minutes = ?9, faq_min_score = ?10 WHERE id = 1",
        params![p.per_minute, p.per_hour, p.flood_repeats, p.flood_window_min, p.link_limit, p.max_open_orders,
            p.noshow_threshold, p.noshow_action.as_str(), p.quarantine_minutes, p.faq_min_score],
    )
    .map_err(|e| match e {
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation => TrustError::BadPolicy(
            "limits must be positive (flood_repeats at least 2); quarantine_minutes and noshow_threshold may be 0".into(),
        ),
        e => TrustError::Sqlite(e),
    })?;
    Ok(())
}

/// No-shows: cash orders refused at the door (`payment_status = 'refused'`, set by staff)
/// and pickup orders left `ready` and never collected for more than 6 hours.
pub fn order_record(
    c: &Connection,
    customer_id: i64,
    now: DateTime<Utc>,
) -> rusqlite::Result<OrderRecord> {
    let stale = fmt_ts(now - Duration::hours(6));
    c.row(
        "SELECT \
           coalesce(sum(status NOT IN ('delivered', 'cancelled', 'rejected') AND payment_status != 'refused' \
                        AND NOT (fulfilment = 'pickup' AND status = 'ready' AND updated_at < ?2)), 0), \
           coalesce(sum(status = 'delivered' AND payment_status != 'refused'), 0), \
           coalesce(sum(payment_status = 'refused' OR (fulfilment = 'pickup' AND status = 'ready' AND updated_at < ?2)), 0) \
         FROM orders WHERE customer_id = ?1",
        params![customer_id, stale],
        |r| Ok(OrderRecord { open: r.get(0)?, delivered: r.get(1)?, no_shows: r.get(2)? }),
    )
}

/// A quarantine as the console lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quarantine {
    pub id: i64,
    pub customer_id: i64,
    pub provider: String,
    pub user_id: String,
    pub display_name: Option<String>,
    pub reason: String,
    pub detail: String,
    pub since: String,
    /// `None`: until staff release it.
    pub until: Option<String>,
}

/// Quarantines in force at `now`, newest first (for the console's customers page).
pub fn active_quarantines(c: &Connection, now: DateTime<Utc>) -> rusqlite::Result<Vec<Quarantine>> {
    let mut st = c.prepare_cached(
        "SELECT q.id, q.customer_id, c.provider, c.user_id, c.display_name, q.reason, q.detail, q.since, q.until \
         FROM quarantines q JOIN customers c ON c.id = q.customer_id \
         WHERE q.released_at IS NULL AND (q.until IS NULL OR q.until > ?1) ORDER BY q.id DESC",
    )?;
    let rows = st.query_map(params![fmt_ts(now)], |r| {
        Ok(Quarantine {
            id: r.get(0)?,
            customer_id: r.get(1)?,
            provider: r.get(2)?,
            user_id: r.get(3)?,
            display_name: r.get(4)?,
            reason: r.get(5)?,
            detail: r.get(6)?,
            since: r.get(7)?,
            until: r.get(8)?,
        })
    })?;
    rows.collect()
}

fn open_quarantine(
    c: &Connection,
    customer_id: i64,
) -> rusqlite::Result<Option<(i64, Option<String>)>> {
    c.row(
        "SELECT id, until FROM quarantines WHERE customer_id = ?1 AND released_at IS NULL ORDER BY id DESC LIMIT 1",
        params![customer_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
}

pub fn record_event(
    c: &Connection,
    at: DateTime<Utc>,
    kind: &str,
    reason: &str,
    customer_id: Option<i64>,
    detail: &str,
) -> rusqlite::Result<()> {
    c.run(
        "INSERT INTO security_events (at, kind, reason, customer_id, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![fmt_ts(at), kind, reason, customer_id, detail],
    )?;
    tracing::info!(kind, reason, customer_id, "trust decision");
    Ok(())
}

/// The extra checkout step an order went through, shown on its card.
pub fn record_checkout_rule(
    c: &Connection,
    order_id: i64,
    rule: CheckoutRule,
    no_shows: u32,
    at: &str,
) -> rusqlite::Result<()> {
    c.run(
        "INSERT INTO order_trust_checks (order_id, rule, no_shows, at) VALUES (?1, ?2, ?3, ?4)",
        params![order_id, rule.as_str(), no_shows, at],
    )?;
    Ok(())
}

/// A recorded trust decision (console security page).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SecurityEvent {
    pub at: String,
    pub kind: String,
    pub reason: String,
    pub customer_id: Option<i64>,
    pub detail: String,
}

pub fn recent_events(c: &Connection, limit: u32) -> rusqlite::Result<Vec<SecurityEvent>> {
    let mut st = c.prepare_cached("SELECT at, kind, reason, customer_id, detail FROM security_events ORDER BY id DESC LIMIT ?1")?;
    let rows = st.query_map(params![limit], |r| {
        Ok(SecurityEvent {
            at: r.get(0)?,
            kind: r.get(1)?,
            reason: r.get(2)?,
            customer_id: r.get(3)?,
            detail: r.get(4)?,
        })
    })?;
    rows.collect()
}

/// Puts a customer in quarantine (automatic decision or staff's own).
pub fn quarantine(
    c: &Connection,
    p: &Policy,
    customer_id: i64,
    reason: Reason,
    detail: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    let until = policy::release_at(p, now).map(fmt_ts);
    c.run(
        "INSERT INTO quarantines (customer_id, reason, detail, since, until) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![customer_id, reason.as_str(), detail, fmt_ts(now), until],
    )?;
    record_event(
        c,
        now,
        "quarantined",
        reason.as_str(),
        Some(customer_id),
        detail,
    )
}

/// Staff release: the bot answers this customer again from their next message.
pub fn release(
    c: &Connection,
    customer_id: i64,
    by: &str,
    now: DateTime<Utc>,
) -> Result<(), TrustError> {
    let Some((id, _)) = open_quarantine(c, customer_id)? else {
        return Err(TrustError::NotQuarantined(customer_id.to_string()));
    };
    c.run(
        "UPDATE quarantines SET released_at = ?2, released_by = ?3 WHERE id = ?1",
        params![id, fmt_ts(now), by],
    )?;
    // The burst that caused it must not put them straight back in on their next message.
    c.run(
        "DELETE FROM sender_activity WHERE customer_id = ?1",
        params![customer_id],
    )?;
    record_event(
        c,
        now,
        "released",
        "manual",
        Some(customer_id),
        &format!("released by {by}"),
    )?;
    Ok(())
}

/// Finds a customer by console id, or by `provider:user_id` (e.g. `wa:213555000111`).
pub fn find_customer(c: &Connection, who: &str) -> Result<i64, TrustError> {
    let found = if let Some((provider, user)) = who.split_once(':') {
        c.row(
            "SELECT id FROM customers WHERE provider = ?1 AND user_id = ?2",
            params![provider, user],
            |r| r.get(0),
        )
        .optional()?
    } else if let Ok(id) = who.parse::<i64>() {
        c.row("SELECT id FROM customers WHERE id = ?1", params![id], |r| {
            r.get(0)
        })
        .optional()?
    } else {
        None
    };
    found.ok_or_else(|| TrustError::NoCustomer(who.to_string()))
}

/// What the conversation may do with this message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// Answer normally; checkout applies `rule`.
    Answer {
        rule: CheckoutRule,
        no_shows: u32,
        /// Unfinished orders, for `order_allowed` at confirmation.
        open_orders: u32,
    },
    /// Keep the message for staff, do not answer.
    Silent,
}

/// Judges one inbound message of `customer_id`. `at` is when the customer sent it (Meta's
/// timestamp), not when the edge applies it: after an outage a backlog arrives all at once
/// and must not look like a burst.
pub fn gate(
    c: &Connection,
    p: &Policy,
    customer_id: i64,
    text: Option<&str>,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> rusqlite::Result<Gate> {
    let current = Activity {
        at,
        fold: text
            .map(|t| crate::domain::text::phrase(t).join(" "))
            .unwrap_or_default(),
        has_link: text.map(policy::has_link).unwrap_or(false),
    };
    c.run(
        "DELETE FROM sender_activity WHERE customer_id = ?1 AND at < ?2",
        params![customer_id, fmt_ts(at - Duration::hours(2))],
    )?;
    let recent: Vec<Activity> = {
        let mut st = c.prepare_cached(
            "SELECT at, fold, has_link FROM sender_activity WHERE customer_id = ?1",
        )?;
        let rows = st.query_map(params![customer_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, bool>(2)?,
            ))
        })?;
        rows.filter_map(|r| r.ok())
            .filter_map(|(a, fold, has_link)| {
                Some(Activity {
                    at: parse_ts(&a)?,
                    fold,
                    has_link,
                })
            })
            .collect()
    };
    c.run(
        "INSERT INTO sender_activity (customer_id, at, fold, has_link) VALUES (?1, ?2, ?3, ?4)",
        params![customer_id, fmt_ts(at), current.fold, current.has_link],
    )?;
    if let Some((id, until)) = open_quarantine(c, customer_id)? {
        match until.as_deref().and_then(parse_ts) {
            Some(u) if u <= now => {
                c.run("UPDATE quarantines SET released_at = ?2, released_by = 'automatic' WHERE id = ?1", params![id, fmt_ts(now)])?;
                record_event(
                    c,
                    now,
                    "released",
                    "expired",
                    Some(customer_id),
                    &format!("quarantine ended at {}", fmt_ts(u)),
                )?;
            }
            _ => {
                record_event(
                    c,
                    now,
                    "message_ignored",
                    "quarantined",
                    Some(customer_id),
                    "message kept for staff, no bot reply",
                )?;
                return Ok(Gate::Silent);
            }
        }
    }
    let orders = order_record(c, customer_id, now)?;
    match policy::judge(p, &recent, &current, orders) {
        Verdict::Allow => Ok(Gate::Answer {
            rule: policy::checkout_rule(p, orders.no_shows),
            no_shows: orders.no_shows,
            open_orders: orders.open,
        }),
        Verdict::Quarantine { reason, detail } => {
            quarantine(c, p, customer_id, reason, &detail, now)?;
            Ok(Gate::Silent)
        }
    }
}

/// Whether the order the conversation is about to place may be placed; quarantines the
/// customer (recorded) when not.
pub fn order_allowed(
    c: &Connection,
    p: &Policy,
    customer_id: i64,
    open_orders: u32,
    now: DateTime<Utc>,
) -> rusqlite::Result<bool> {
    let record = OrderRecord {
        open: open_orders,
        ..Default::default()
    };
    match policy::judge_order(p, record) {
        Verdict::Allow => Ok(true),
        Verdict::Quarantine { reason, detail } => {
            quarantine(c, p, customer_id, reason, &detail, now)?;
            Ok(false)
        }
    }
}
