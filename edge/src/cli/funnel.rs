//! `resto-edge funnel`: the conversion funnel over a span of days, as text, CSV or an SVG
//! chart (`docs/trust-and-growth.md` § Funnel).

use super::CliError;
use crate::store::{self, funnel};
use chrono::{Duration, NaiveDate, Utc};
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct FunnelArgs {
    /// First restaurant-local day (YYYY-MM-DD); default: 6 days before --to.
    #[arg(long)]
    from: Option<String>,
    /// Last restaurant-local day; default: today in the restaurant's time zone.
    #[arg(long)]
    to: Option<String>,
    /// Print CSV (day,channel,source,step,count,conversion_pct).
    #[arg(long)]
    csv: bool,
    /// Write the SVG chart to FILE.
    #[arg(long)]
    svg: Option<PathBuf>,
    /// Only this channel in the chart (wa|ig|msg).
    #[arg(long)]
    channel: Option<String>,
}

/// Returns what to print: the CSV, or one total per step.
pub fn run(db: &std::path::Path, a: FunnelArgs) -> Result<String, CliError> {
    let c = store::open(db)?;
    let off = store::orders::restaurant_offset(&c)?;
    let to =
        a.to.unwrap_or_else(|| Utc::now().with_timezone(&off).date_naive().to_string());
    let to_day = NaiveDate::parse_from_str(&to, "%Y-%m-%d")
        .map_err(|_| CliError::Usage(format!("--to {to:?} is not a date like 2026-11-23")))?;
    let from = a
        .from
        .unwrap_or_else(|| (to_day - Duration::days(6)).to_string());
    NaiveDate::parse_from_str(&from, "%Y-%m-%d")
        .map_err(|_| CliError::Usage(format!("--from {from:?} is not a date like 2026-11-17")))?;
    let rows = funnel::report(&c, &from, &to)?;
    if let Some(path) = &a.svg {
        std::fs::write(
            path,
            funnel::svg_chart(&rows, a.channel.as_deref(), &from, &to),
        )
        .map_err(|e| CliError::Write(path.display().to_string(), e))?;
    }
    if a.csv {
        return Ok(funnel::csv(&rows).trim_end().to_string());
    }
    let mut out = format!("funnel {from} .. {to}");
    for step in funnel::STEPS {
        let n: i64 = rows
            .iter()
            .filter(|r| r.step == step)
            .map(|r| r.count)
            .sum();
        out.push_str(&format!("\n  {step:<22} {n}"));
    }
    Ok(out)
}
