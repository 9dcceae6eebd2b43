//! Conversion funnel: events recorded by the conversation (`chat`), orders' own statuses for
//! delivered and cancelled, and the owner's views over them: rows per day, channel and
//! source, a CSV export and an SVG chart a console page can embed as is.

use crate::store::Cached;
use chrono::{DateTime, Utc};
use resto_sync::InboundMessage;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

pub const STEPS: [&str; 7] = [
    "conversation_started",
    "menu_viewed",
    "item_added",
    "checkout_started",
    "order_confirmed",
    "order_delivered",
    "order_cancelled",
];

/// Where a conversation came from: a click-to-chat ad, another referral (m.me / ig.me `ref`),
/// one of our QR codes (its prefilled text or ref), or nothing known.
pub fn source_of(c: &Connection, msg: &InboundMessage) -> rusqlite::Result<Option<String>> {
    if let Some(r) = &msg.referral {
        let reference = r
            .get("ref")
            .and_then(|v| v.as_str())
            .map(|s| crate::domain::text::normalize(&s.replace('-', " ")));
        if let Some(label) = reference
            .as_deref()
            .map(|t| qr_label(c, t))
            .transpose()?
            .flatten()
        {
            return Ok(Some(format!("qr:{label}")));
        }
        let ad = r.get("source_type").and_then(|v| v.as_str()) == Some("ad")
            || r.get("source").and_then(|v| v.as_str()) == Some("ADS")
            || r.get("ad_id").is_some();
        return Ok(Some(if ad { "ad" } else { "referral" }.to_string()));
    }
    if let Some(t) = &msg.text {
        if let Some(label) = qr_label(c, &crate::domain::text::normalize(t))? {
            return Ok(Some(format!("qr:{label}")));
        }
    }
    Ok(None)
}

fn qr_label(c: &Connection, norm: &str) -> rusqlite::Result<Option<String>> {
    c.row(
        "SELECT label FROM qr_codes WHERE text_norm = ?1",
        params![norm],
        |r| r.get(0),
    )
    .optional()
}

/// The source of the customer's current conversation.
pub fn current_source(c: &Connection, customer_id: i64) -> rusqlite::Result<String> {
    Ok(c.row(
        "SELECT source FROM funnel_events WHERE customer_id = ?1 AND step = 'conversation_started' ORDER BY id DESC LIMIT 1",
        params![customer_id],
        |r| r.get(0),
    )
    .optional()?
    .unwrap_or_else(|| "organic".into()))
}

#[allow(clippy::too_many_arguments)]
pub fn record(
    c: &Connection,
    at: DateTime<Utc>,
    day: &str,
    customer_id: i64,
    channel: &str,
    source: &str,
    step: &str,
    order_id: Option<i64>,
) -> rusqlite::Result<()> {
    c.run(
        "INSERT INTO funnel_events (at, day, customer_id, channel, source, step, order_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![super::fmt_ts(at), day, customer_id, channel, source, step, order_id],
    )?;
    Ok(())
}

/// One cell of the funnel: how many reached `step` that day through that channel and source
/// (distinct customers for the conversation steps, orders for the order steps).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    pub day: String,
    pub channel: String,
    pub source: String,
    pub step: String,
    pub count: i64,
}

/// The funnel for restaurant-local days `from..=to` (YYYY-MM-DD).
pub fn report(c: &Connection, from: &str, to: &str) -> rusqlite::Result<Vec<Row>> {
    let mut st = c.prepare_cached(
        "SELECT day, channel, source, step, count(DISTINCT customer_id) FROM funnel_events \
           WHERE day BETWEEN ?1 AND ?2 AND step IN ('conversation_started', 'menu_viewed', 'item_added', 'checkout_started') \
           GROUP BY 1, 2, 3, 4 \
         UNION ALL \
         SELECT o.day, o.source, coalesce(f.source, 'organic'), s.step, count(*) FROM orders o \
           JOIN (SELECT 'order_confirmed' AS step UNION ALL SELECT 'order_delivered' UNION ALL SELECT 'order_cancelled') s \
             ON s.step = 'order_confirmed' \
             OR (s.step = 'order_delivered' AND o.status = 'delivered') \
             OR (s.step = 'order_cancelled' AND o.status IN ('cancelled', 'rejected')) \
           LEFT JOIN funnel_events f ON f.order_id = o.id AND f.step = 'order_confirmed' \
           WHERE o.day BETWEEN ?1 AND ?2 AND o.source IN ('wa', 'ig', 'msg') \
           GROUP BY 1, 2, 3, 4",
    )?;
    let rows = st.query_map(params![from, to], |r| {
        Ok(Row {
            day: r.get(0)?,
            channel: r.get(1)?,
            source: r.get(2)?,
            step: r.get(3)?,
            count: r.get(4)?,
        })
    })?;
    let mut out: Vec<Row> = rows.collect::<rusqlite::Result<_>>()?;
    let pos = |s: &str| STEPS.iter().position(|x| *x == s).unwrap_or(STEPS.len());
    out.sort_by(|a, b| {
        (&a.day, &a.channel, &a.source, pos(&a.step)).cmp(&(
            &b.day,
            &b.channel,
            &b.source,
            pos(&b.step),
        ))
    });
    Ok(out)
}

/// Conversion of `step` relative to conversations started in the same day/channel/source.
fn conversion(rows: &[Row], r: &Row) -> Option<f64> {
    let started = rows
        .iter()
        .find(|x| {
            x.day == r.day && x.channel == r.channel && x.source == r.source && x.step == STEPS[0]
        })?
        .count;
    (started > 0).then(|| r.count as f64 * 100.0 / started as f64)
}

fn csv_field(s: &str) -> String {
    // A leading = + - @ would be run as a formula by spreadsheets; sources come from ads.
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// CSV: day,channel,source,step,count,conversion_pct (of conversations started).
pub fn csv(rows: &[Row]) -> String {
    let mut out = String::from("day,channel,source,step,count,conversion_pct\n");
    for r in rows {
        let conv = conversion(rows, r)
            .map(|p| format!("{p:.1}"))
            .unwrap_or_default();
        out.push_str(&format!(
            "{},{},{},{},{},{}\n",
            csv_field(&r.day),
            csv_field(&r.channel),
            csv_field(&r.source),
            r.step,
            r.count,
            conv
        ));
    }
    out
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const COLORS: [&str; 7] = [
    "#4e79a7", "#59a14f", "#edc948", "#f28e2b", "#76b7b2", "#2f7d32", "#e15759",
];

/// Every day of `from..=to` (YYYY-MM-DD), so quiet days show as empty groups, not gaps.
pub fn days_between(from: &str, to: &str) -> Vec<String> {
    let parse = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    let (Some(mut d), Some(last)) = (parse(from), parse(to)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    while d <= last && out.len() < 400 {
        out.push(d.to_string());
        let Some(next) = d.succ_opt() else { break };
        d = next;
    }
    out
}

/// A grouped bar chart: one group per day of `from..=to`, one bar per step, for `channel`
/// (or all channels). Self-contained SVG (no script, no external fonts) for a console page
/// or a printout.
pub fn svg_chart(rows: &[Row], channel: Option<&str>, from: &str, to: &str) -> String {
    let days = days_between(from, to);
    let days: Vec<&str> = days.iter().map(String::as_str).collect();
    let total = |day: &str, step: &str| -> i64 {
        rows.iter()
            .filter(|r| r.day == day && r.step == step && channel.is_none_or(|c| r.channel == c))
            .map(|r| r.count)
            .sum()
    };
    let max = days
        .iter()
        .flat_map(|d| STEPS.iter().map(move |s| total(d, s)))
        .max()
        .unwrap_or(0)
        .max(1);
    let (bar, gap, h, top, left) = (12.0, 18.0, 200.0, 30.0, 40.0);
    let group = bar * STEPS.len() as f64 + gap;
    // Wide enough for the title even over a single day.
    let width = (left + group * days.len().max(1) as f64 + 20.0).max(320.0);
    let title = format!("Funnel — {}", channel.unwrap_or("all channels"));
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{:.0}\" viewBox=\"0 0 {width:.0} {:.0}\" role=\"img\" aria-label=\"{}\">\n<title>{}</title>\n",
        top + h + 40.0 + 18.0 * STEPS.len() as f64,
        top + h + 40.0 + 18.0 * STEPS.len() as f64,
        esc(&title),
        esc(&title)
    );
    s.push_str(&format!(
        "<text x=\"{left}\" y=\"18\" font-family=\"sans-serif\" font-size=\"14\">{}</text>\n",
        esc(&title)
    ));
    s.push_str(&format!(
        "<line x1=\"{left}\" y1=\"{}\" x2=\"{width:.0}\" y2=\"{}\" stroke=\"#333\"/>\n",
        top + h,
        top + h
    ));
    for (di, day) in days.iter().enumerate() {
        let x0 = left + di as f64 * group;
        for (si, step) in STEPS.iter().enumerate() {
            let n = total(day, step);
            let bh = h * n as f64 / max as f64;
            s.push_str(&format!(
                "<rect class=\"bar\" data-day=\"{}\" data-step=\"{step}\" data-count=\"{n}\" x=\"{:.1}\" y=\"{:.1}\" width=\"{bar}\" height=\"{bh:.1}\" fill=\"{}\"><title>{} {step}: {n}</title></rect>\n",
                esc(day),
                x0 + si as f64 * bar,
                top + h - bh,
                COLORS[si],
                esc(day)
            ));
        }
        s.push_str(&format!(
            "<text x=\"{x0:.1}\" y=\"{}\" font-family=\"sans-serif\" font-size=\"10\">{}</text>\n",
            top + h + 14.0,
            esc(day.get(5..).unwrap_or(day))
        ));
    }
    for (si, step) in STEPS.iter().enumerate() {
        let y = top + h + 34.0 + 18.0 * si as f64;
        s.push_str(&format!(
            "<rect x=\"{left}\" y=\"{:.0}\" width=\"10\" height=\"10\" fill=\"{}\"/><text x=\"{}\" y=\"{y:.0}\" font-family=\"sans-serif\" font-size=\"11\">{}</text>\n",
            y - 9.0,
            COLORS[si],
            left + 16.0,
            step.replace('_', " ")
        ));
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(day: &str, channel: &str, step: &str, count: i64) -> Row {
        Row {
            day: day.into(),
            channel: channel.into(),
            source: "organic".into(),
            step: step.into(),
            count,
        }
    }

    #[test]
    fn csv_gives_conversion_against_conversations_started_and_defuses_formulas() {
        let rows = vec![
            row("2026-11-23", "wa", "conversation_started", 8),
            row("2026-11-23", "wa", "order_confirmed", 2),
            Row {
                source: "=HYPERLINK(\"x\")".into(),
                ..row("2026-11-23", "ig", "menu_viewed", 1)
            },
        ];
        let csv = csv(&rows);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "day,channel,source,step,count,conversion_pct");
        assert_eq!(
            lines[1],
            "2026-11-23,wa,organic,conversation_started,8,100.0"
        );
        assert_eq!(lines[2], "2026-11-23,wa,organic,order_confirmed,2,25.0");
        assert_eq!(
            lines[3],
            "2026-11-23,ig,\"'=HYPERLINK(\"\"x\"\")\",menu_viewed,1,"
        );
    }

    #[test]
    fn the_chart_has_a_bar_per_step_per_day_scaled_to_the_biggest() {
        let rows = vec![
            row("2026-11-22", "wa", "conversation_started", 10),
            row("2026-11-23", "wa", "conversation_started", 5),
            row("2026-11-23", "ig", "conversation_started", 5),
            row("2026-11-23", "wa", "order_confirmed", 1),
        ];
        let all = svg_chart(&rows, None, "2026-11-21", "2026-11-23");
        assert!(all.starts_with("<svg"));
        assert_eq!(
            all.matches("class=\"bar\"").count(),
            21,
            "three days, one empty"
        );
        assert!(all.contains(
            "data-day=\"2026-11-21\" data-step=\"conversation_started\" data-count=\"0\""
        ));
        assert!(all.contains(
            "data-day=\"2026-11-23\" data-step=\"conversation_started\" data-count=\"10\""
        ));
        let wa = svg_chart(&rows, Some("wa"), "2026-11-21", "2026-11-23");
        assert!(wa.contains(
            "data-day=\"2026-11-23\" data-step=\"conversation_started\" data-count=\"5\""
        ));
        assert!(wa.contains("height=\"200.0\""));
    }
}
