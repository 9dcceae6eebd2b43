//! Cron schedules for the maintenance jobs (backups, retention). Operators write the usual
//! five fields (`m h dom mon dow`); the seconds field of the `cron` crate is optional.
//! Times are the device's local time: "03:00" means 03:00 in the restaurant.

use chrono::{DateTime, Local};
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Schedule {
    expr: String,
    inner: cron::Schedule,
}

impl Schedule {
    /// Accepts 5 fields (minute first) or the cron crate's 6–7 (seconds first).
    pub fn parse(expr: &str) -> Result<Schedule, String> {
        let fields = expr.split_whitespace().count();
        let full = if fields == 5 {
            format!("0 {expr}")
        } else {
            expr.to_string()
        };
        cron::Schedule::from_str(&full)
            .map(|inner| Schedule {
                expr: expr.to_string(),
                inner,
            })
            .map_err(|e| {
                format!("{expr:?} is not a cron expression ({e}); write five fields such as \"0 3 * * *\" (every day at 03:00)")
            })
    }

    pub fn expr(&self) -> &str {
        &self.expr
    }

    pub fn next_after(&self, t: DateTime<Local>) -> Option<DateTime<Local>> {
        self.inner.after(&t).next()
    }

    /// Sleeps until the next run. `None` if the schedule never fires again.
    pub async fn wait_next(&self) -> Option<()> {
        let now = Local::now();
        let next = self.next_after(now)?;
        let wait = (next - now).to_std().unwrap_or(Duration::ZERO);
        tokio::time::sleep(wait).await;
        Some(())
    }
}

/// Runs `job` at every time the schedule names, forever. A job that fails is logged by the
/// caller; the schedule carries on.
pub async fn every<F, Fut>(schedule: Schedule, name: &'static str, mut job: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    tracing::info!(
        job = name,
        schedule = schedule.expr(),
        "maintenance job scheduled"
    );
    while schedule.wait_next().await.is_some() {
        job().await;
    }
    tracing::warn!(job = name, "schedule has no future run; job stopped");
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Timelike};

    #[test]
    fn five_field_expressions_mean_minute_hour_day_month_weekday() {
        let s = Schedule::parse("30 3 * * *").unwrap();
        let t = Local.with_ymd_and_hms(2026, 1, 10, 12, 0, 0).unwrap();
        let next = s.next_after(t).unwrap();
        assert_eq!((next.hour(), next.minute(), next.second()), (3, 30, 0));
        assert_eq!(next.date_naive().to_string(), "2026-01-11");
    }

    #[test]
    fn a_bad_expression_says_how_to_write_one() {
        let err = Schedule::parse("every night").unwrap_err();
        assert!(err.contains("0 3 * * *"), "{err}");
    }
}
