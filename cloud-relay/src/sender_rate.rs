//! Per-sender message rate on the relay, observed but never enforced. The relay must not
//! drop a signed customer message: answering Meta with an error makes it retry (and, if it
//! persists, disable the webhook), and a 200 for a message we threw away loses an order. So
//! bursts are recorded (`SENDER_RATE` security event, once per window and sender) and
//! everything is stored and forwarded; the edge, which knows the customer's orders,
//! decides whether to quarantine (see docs/trust-and-growth.md).
//!
//! May import: nothing else in this crate.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// Messages per `WINDOW` from one sender above which a burst is recorded.
pub const LIMIT: usize = 30;
pub const WINDOW: Duration = Duration::from_secs(60);
/// Senders tracked at most; past that the oldest-idle are forgotten (memory stays bounded
/// under a flood of distinct fake senders).
const MAX_SENDERS: usize = 50_000;

#[derive(Debug, Default)]
pub struct SenderRate {
    seen: HashMap<String, (VecDeque<Instant>, bool)>,
}

impl SenderRate {
    /// Counts one message of `sender` (e.g. "wa:213555…") at `now`; returns the count in the
    /// window the first time it goes over `limit` in that window.
    pub fn observe(
        &mut self,
        sender: &str,
        now: Instant,
        limit: usize,
        window: Duration,
    ) -> Option<usize> {
        if self.seen.len() >= MAX_SENDERS && !self.seen.contains_key(sender) {
            self.seen
                .retain(|_, (q, _)| q.back().is_some_and(|t| now.duration_since(*t) < window));
            if self.seen.len() >= MAX_SENDERS {
                self.seen.clear();
            }
        }
        let (q, reported) = self.seen.entry(sender.to_string()).or_default();
        while q.front().is_some_and(|t| now.duration_since(*t) >= window) {
            q.pop_front();
        }
        if q.is_empty() {
            *reported = false;
        }
        q.push_back(now);
        if q.len() > limit && !*reported {
            *reported = true;
            return Some(q.len());
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_reported_once_per_window_and_a_normal_pace_never() {
        let mut r = SenderRate::default();
        let t0 = Instant::now();
        let w = Duration::from_secs(60);
        let hits: Vec<usize> = (0..40)
            .filter_map(|i| r.observe("wa:1", t0 + Duration::from_millis(i * 100), 30, w))
            .collect();
        assert_eq!(hits, vec![31]);
        // A customer writing every 10 seconds for an hour.
        let calm = (0..360)
            .filter_map(|i| r.observe("wa:2", t0 + Duration::from_secs(i * 10), 30, w))
            .count();
        assert_eq!(calm, 0);
        // The bursty sender, back after a quiet window, is reported again if it bursts again.
        let again = (0..31)
            .filter_map(|i| {
                r.observe(
                    "wa:1",
                    t0 + Duration::from_secs(200) + Duration::from_millis(i),
                    30,
                    w,
                )
            })
            .count();
        assert_eq!(again, 1);
    }
}
