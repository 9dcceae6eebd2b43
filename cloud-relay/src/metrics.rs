//! Prometheus text exposition for the relay. Hand-written because the set is small and fixed;
//! a labelled counter is a map behind a mutex, touched once per request.
//!
//! May import: `security`, `store` (the per-node gauges it renders).

use crate::security::SecurityEventType;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Ingest latency buckets (seconds): the target is p99 < 20 ms, so resolution sits there.
const LATENCY_BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// A counter with two labels. A short list scanned linearly: label sets are few, and this
/// allocates only the first time a label pair is seen, not on every request.
#[derive(Default)]
struct Counter2(Mutex<Vec<((String, String), u64)>>);

impl Counter2 {
    fn inc(&self, a: &str, b: &str, by: u64) {
        if let Ok(mut m) = self.0.lock() {
            match m.iter_mut().find(|((x, y), _)| x == a && y == b) {
                Some((_, v)) => *v += by,
                None => m.push(((a.to_string(), b.to_string()), by)),
            }
        }
    }
    fn snapshot(&self) -> Vec<((String, String), u64)> {
        let mut v = self.0.lock().map(|m| m.clone()).unwrap_or_default();
        v.sort();
        v
    }
}

struct Histogram {
    buckets: [AtomicU64; LATENCY_BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            buckets: std::array::from_fn(|_| AtomicU64::new(0)),
            count: AtomicU64::new(0),
            sum_micros: AtomicU64::new(0),
        }
    }
}

#[derive(Default)]
pub struct Metrics {
    webhook_requests: Counter2,
    inbound_messages: Counter2,
    statuses: Counter2,
    odd_items: Counter2,
    duplicates: AtomicU64,
    security_events: Mutex<BTreeMap<&'static str, u64>>,
    ingest: Histogram,
    expired_unread: Counter2,
    backups_ok: AtomicU64,
    backups_failed: AtomicU64,
    media_fetches: Counter2,
    away_messages: Counter2,
    read_receipts: Counter2,
}

impl Metrics {
    /// `outcome`: stored, duplicate, ignored, payload_invalid, signature_missing, …
    pub fn webhook_request(&self, provider: &str, outcome: &str) {
        self.webhook_requests.inc(provider, outcome, 1);
    }
    pub fn inbound_message(&self, provider: &str, kind: &str) {
        self.inbound_messages.inc(provider, kind, 1);
    }
    pub fn message_status(&self, provider: &str, status: &str) {
        self.statuses.inc(provider, status, 1);
    }
    /// `fate`: `kept_odd` (kept although a secondary field was odd) or `dropped`.
    pub fn odd_items(&self, provider: &str, fate: &str, n: u64) {
        if n > 0 {
            self.odd_items.inc(provider, fate, n);
        }
    }
    pub fn duplicates(&self, n: u64) {
        self.duplicates.fetch_add(n, Ordering::Relaxed);
    }
    pub fn security_event(&self, kind: SecurityEventType) {
        if let Ok(mut m) = self.security_events.lock() {
            *m.entry(kind.as_str()).or_default() += 1;
        }
    }
    pub fn expired_unread(&self, node_id: &str, n: u64) {
        self.expired_unread.inc(node_id, "", n);
    }

    /// `outcome`: fetched, retry, failed (`MEDIA_FETCH_FAILED` in the logs), delivered.
    pub fn media_fetch(&self, kind: &str, outcome: &str) {
        self.media_fetches.inc(kind, outcome, 1);
    }

    pub fn backup_done(&self, ok: bool) {
        let c = if ok {
            &self.backups_ok
        } else {
            &self.backups_failed
        };
        c.fetch_add(1, Ordering::Relaxed);
    }

    /// A customer message stored while its node was away; `notice` when it queued the
    /// "saved, we'll answer when the restaurant is back" reply (once per customer per outage).
    pub fn away_message(&self, provider: &str, notice: bool) {
        self.away_messages.inc(
            provider,
            if notice {
                "notice_queued"
            } else {
                "already_told"
            },
            1,
        );
    }

    /// One read receipt + typing indicator call: `sent` or `failed` (never retried).
    pub fn read_receipt(&self, provider: &str, sent: bool) {
        self.read_receipts
            .inc(provider, if sent { "sent" } else { "failed" }, 1);
    }

    pub fn ingest_latency(&self, d: Duration) {
        let secs = d.as_secs_f64();
        for (i, le) in LATENCY_BUCKETS.iter().enumerate() {
            if secs <= *le {
                self.ingest.buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.ingest.count.fetch_add(1, Ordering::Relaxed);
        self.ingest
            .sum_micros
            .fetch_add(d.as_micros() as u64, Ordering::Relaxed);
    }

    /// Renders every metric; `unrouted` is read from the database at scrape time so it is
    /// right even when another process (`route add`) changed it.
    pub fn render(&self, unrouted: Option<u64>, nodes: &[crate::store::NodeGauge]) -> String {
        let mut out = String::with_capacity(4096);
        self.render_webhooks(&mut out);
        self.render_courtesy(&mut out);
        self.render_alarms(&mut out, unrouted);
        render_nodes(&mut out, nodes);
        self.render_latency(&mut out);
        self.render_media(&mut out);
        out
    }

    fn render_media(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "# HELP resto_media_fetches_total Customer media fetched from Meta, by kind and outcome (alert on failed).\n# TYPE resto_media_fetches_total counter"
        );
        for ((kind, outcome), v) in self.media_fetches.snapshot() {
            let _ = writeln!(
                out,
                "resto_media_fetches_total{{kind=\"{}\",outcome=\"{}\"}} {v}",
                escape(&kind),
                escape(&outcome)
            );
        }
    }

    fn render_webhooks(&self, out: &mut String) {
        counter2(
            out,
            "resto_webhook_requests_total",
            "Meta webhook POSTs by provider and outcome.",
            ("provider", "outcome"),
            &self.webhook_requests,
        );
        counter2(
            out,
            "resto_inbound_messages_total",
            "Customer messages stored, by provider and kind.",
            ("provider", "kind"),
            &self.inbound_messages,
        );
        counter2(
            out,
            "resto_message_statuses_total",
            "Delivery statuses of our outbound messages stored, by provider and status.",
            ("provider", "status"),
            &self.statuses,
        );
        counter2(
            out,
            "resto_webhook_odd_items_total",
            "Items of webhook bodies kept although a secondary field was odd (kept_odd), or dropped for having no customer or no content (dropped), by provider.",
            ("provider", "fate"),
            &self.odd_items,
        );
        let _ = writeln!(
            out,
            "# HELP resto_duplicates_total Webhook events already seen (Meta retries), answered 200 and not stored again.\n# TYPE resto_duplicates_total counter\nresto_duplicates_total {}",
            self.duplicates.load(Ordering::Relaxed)
        );
    }

    /// What the relay says on a node's behalf: away notices and read receipts.
    fn render_courtesy(&self, out: &mut String) {
        counter2(
            out,
            "resto_away_messages_total",
            "Customer messages stored while their node was away, by provider and outcome (notice_queued: the customer is told now; already_told: earlier in the same outage).",
            ("provider", "outcome"),
            &self.away_messages,
        );
        counter2(
            out,
            "resto_read_receipts_total",
            "Read receipt + typing indicator calls to Graph, by provider and outcome (sent, failed); never retried.",
            ("provider", "outcome"),
            &self.read_receipts,
        );
    }

    /// What an operator alerts on: security events, unrouted and expired events, backups.
    fn render_alarms(&self, out: &mut String, unrouted: Option<u64>) {
        let _ = writeln!(
            out,
            "# HELP resto_security_events_total Security events recorded, by type.\n# TYPE resto_security_events_total counter"
        );
        let sec = self
            .security_events
            .lock()
            .map(|m| m.clone())
            .unwrap_or_default();
        for t in SecurityEventType::ALL {
            let _ = writeln!(
                out,
                "resto_security_events_total{{type=\"{}\"}} {}",
                t.as_str(),
                sec.get(t.as_str()).copied().unwrap_or(0)
            );
        }
        if let Some(n) = unrouted {
            let _ = writeln!(
                out,
                "# HELP resto_unrouted_messages Events kept for accounts with no route yet.\n# TYPE resto_unrouted_messages gauge\nresto_unrouted_messages {n}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP resto_events_expired_unread_total Events purged before their node read them (alert on any).\n# TYPE resto_events_expired_unread_total counter"
        );
        for ((node, _), v) in self.expired_unread.snapshot() {
            let _ = writeln!(
                out,
                "resto_events_expired_unread_total{{node=\"{}\"}} {v}",
                escape(&node)
            );
        }
        let _ = writeln!(
            out,
            "# HELP resto_backups_total Scheduled backups since start, by result (alert on failed).\n# TYPE resto_backups_total counter\nresto_backups_total{{result=\"ok\"}} {}\nresto_backups_total{{result=\"failed\"}} {}",
            self.backups_ok.load(Ordering::Relaxed),
            self.backups_failed.load(Ordering::Relaxed)
        );
    }

    fn render_latency(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "# HELP resto_ingest_duration_seconds Time from request to durable commit of a webhook.\n# TYPE resto_ingest_duration_seconds histogram"
        );
        for (i, le) in LATENCY_BUCKETS.iter().enumerate() {
            let _ = writeln!(
                out,
                "resto_ingest_duration_seconds_bucket{{le=\"{le}\"}} {}",
                self.ingest.buckets[i].load(Ordering::Relaxed)
            );
        }
        let count = self.ingest.count.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "resto_ingest_duration_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        let _ = writeln!(
            out,
            "resto_ingest_duration_seconds_sum {}",
            self.ingest.sum_micros.load(Ordering::Relaxed) as f64 / 1e6
        );
        let _ = writeln!(out, "resto_ingest_duration_seconds_count {count}");
    }
}

/// Per-node gauges, read from the database at scrape time.
fn render_nodes(out: &mut String, nodes: &[crate::store::NodeGauge]) {
    let now = chrono::Utc::now();
    let age = |t: &Option<String>| {
        t.as_deref()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| {
                (now - t.with_timezone(&chrono::Utc))
                    .num_milliseconds()
                    .max(0) as f64
                    / 1000.0
            })
    };
    let _ = writeln!(out, "# HELP resto_node_backlog Events not yet acknowledged by the node.\n# TYPE resto_node_backlog gauge");
    for n in nodes {
        let _ = writeln!(
            out,
            "resto_node_backlog{{node=\"{}\"}} {}",
            escape(&n.node_id),
            n.backlog
        );
    }
    let _ = writeln!(out, "# HELP resto_node_oldest_unacked_age_seconds Age of the oldest event the node has not acknowledged (0 when none).\n# TYPE resto_node_oldest_unacked_age_seconds gauge");
    for n in nodes {
        let _ = writeln!(
            out,
            "resto_node_oldest_unacked_age_seconds{{node=\"{}\"}} {}",
            escape(&n.node_id),
            age(&n.oldest_unacked_at).unwrap_or(0.0)
        );
    }
    let _ = writeln!(out, "# HELP resto_node_last_seen_age_seconds Seconds since the node last polled (absent: never).\n# TYPE resto_node_last_seen_age_seconds gauge");
    for n in nodes {
        if let Some(a) = age(&n.last_seen_at) {
            let _ = writeln!(
                out,
                "resto_node_last_seen_age_seconds{{node=\"{}\"}} {a}",
                escape(&n.node_id)
            );
        }
    }
}

fn counter2(out: &mut String, name: &str, help: &str, labels: (&str, &str), c: &Counter2) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
    for ((a, b), v) in c.snapshot() {
        let _ = writeln!(
            out,
            "{name}{{{}=\"{}\",{}=\"{}\"}} {v}",
            labels.0,
            escape(&a),
            labels.1,
            escape(&b)
        );
    }
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative_and_counters_carry_labels() {
        let m = Metrics::default();
        m.ingest_latency(Duration::from_micros(300));
        m.ingest_latency(Duration::from_millis(15));
        m.webhook_request("wa", "stored");
        m.inbound_message("wa", "text");
        let text = m.render(Some(3), &[]);
        assert!(text.contains("resto_ingest_duration_seconds_bucket{le=\"0.0005\"} 1"));
        assert!(text.contains("resto_ingest_duration_seconds_bucket{le=\"0.02\"} 2"));
        assert!(text.contains("resto_ingest_duration_seconds_count 2"));
        assert!(text.contains("resto_webhook_requests_total{provider=\"wa\",outcome=\"stored\"} 1"));
        assert!(text.contains("resto_inbound_messages_total{provider=\"wa\",kind=\"text\"} 1"));
        assert!(text.contains("resto_unrouted_messages 3"));
    }

    #[test]
    fn away_notices_and_read_receipts_are_counted_by_outcome() {
        let m = Metrics::default();
        m.away_message("wa", true);
        m.away_message("wa", false);
        m.away_message("wa", false);
        m.read_receipt("wa", true);
        m.read_receipt("wa", false);
        let text = m.render(None, &[]);
        assert!(
            text.contains("resto_away_messages_total{provider=\"wa\",outcome=\"notice_queued\"} 1")
        );
        assert!(
            text.contains("resto_away_messages_total{provider=\"wa\",outcome=\"already_told\"} 2")
        );
        assert!(text.contains("resto_read_receipts_total{provider=\"wa\",outcome=\"sent\"} 1"));
        assert!(text.contains("resto_read_receipts_total{provider=\"wa\",outcome=\"failed\"} 1"));
    }
}
