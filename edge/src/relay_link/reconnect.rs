//! How soon the sync loops try the relay again after a failure: quickly (the first retry
//! after 0.1–0.2 s), doubling up to a cap near 5 s (`EDGE_RETRY_MAX_MS`), each wait random
//! between half the ceiling and the ceiling so that many devices do not retry in step.
//! A relay that comes back is found within one cap; a wait of half a minute (the old cap)
//! kept a restarted edge offline for a minute while the link was mostly up.

use resto_sync::client::Backoff;
use std::time::Duration;

/// The ceiling of the first wait; it doubles with each failure in a row.
pub const FIRST_RETRY: Duration = Duration::from_millis(200);

/// The schedule of one sync loop; `reset` it after a success.
pub fn schedule(max: Duration) -> Backoff {
    Backoff::new(FIRST_RETRY.min(max), max)
}

/// When the next try happens if it waits `delay` from `now`, as the status shows it.
pub fn next_attempt_at(now: chrono::DateTime<chrono::Utc>, delay: Duration) -> String {
    crate::store::fmt_ts(now + chrono::Duration::from_std(delay).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_from_a_fraction_of_a_second_to_the_cap_with_jitter_and_never_beyond() {
        let max = Duration::from_secs(5);
        for _ in 0..200 {
            let mut b = schedule(max);
            let first = b.next_delay();
            assert!(
                first >= Duration::from_millis(100) && first <= FIRST_RETRY,
                "{first:?}"
            );
            let mut ceilings = Vec::new();
            for _ in 0..40 {
                let d = b.next_delay();
                assert!(d <= max, "{d:?} is over the cap");
                ceilings.push(d);
            }
            // From the 6th failure on the ceiling is the cap: each wait in [cap/2, cap].
            assert!(ceilings[5..].iter().all(|d| *d >= max / 2), "{ceilings:?}");
            b.reset();
            assert!(b.next_delay() <= FIRST_RETRY, "a success starts over");
        }
    }

    #[test]
    fn the_jitter_spreads_waits_over_the_whole_band() {
        let mut b = schedule(Duration::from_secs(5));
        for _ in 0..10 {
            b.next_delay();
        }
        let waits: Vec<Duration> = (0..500).map(|_| b.next_delay()).collect();
        let low = waits
            .iter()
            .filter(|d| **d < Duration::from_millis(3000))
            .count();
        let high = waits
            .iter()
            .filter(|d| **d > Duration::from_millis(4500))
            .count();
        // Uniform over [2.5 s, 5 s]: about 100 of 500 in each band; 0 would mean no jitter.
        assert!(low > 20 && high > 20, "low {low}, high {high}");
    }

    #[test]
    fn the_next_attempt_is_shown_as_a_timestamp() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-04T10:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(
            next_attempt_at(now, Duration::from_millis(4321)),
            "2026-12-04T10:00:04.321Z"
        );
    }
}
