//! `resto-edge preflight`: every problem with this device at once, so a technician fixes
//! them in one visit. Problems (exit 1): not enrolled, unusable data directory or database,
//! a clock too far from the relay's. Warnings (exit 0): relay unreachable — the edge works
//! offline and catches up —, a clock drifting towards the limit, and a kitchen printer that
//! cannot be reached (tickets wait for it).
//!
//! The judgement is plain functions over plain facts; `gather` does the I/O.

use crate::config::EdgeConfig;
use chrono::{DateTime, Utc};
use resto_sync::signing::MAX_SKEW_SECS;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Debug, Default, PartialEq)]
pub struct Findings {
    pub problems: Vec<String>,
    pub warnings: Vec<String>,
}

/// What the relay's `GET /healthz` told us.
#[derive(Debug, Clone)]
pub enum RelayProbe {
    /// Answered (any status); `date` is its HTTP `Date` header, `local` our clock halfway
    /// through the request.
    Answered {
        status: u16,
        date: Option<DateTime<Utc>>,
        local: DateTime<Utc>,
    },
    Unreachable(String),
    /// Not probed: no relay URL configured.
    Skipped,
}

/// Clock check: signed requests are refused beyond ±`MAX_SKEW_SECS`; warn at half of it.
pub fn judge_clock(relay: DateTime<Utc>, local: DateTime<Utc>, f: &mut Findings) {
    let skew = (local - relay).num_seconds();
    let how = if skew > 0 { "ahead of" } else { "behind" };
    if skew.abs() > MAX_SKEW_SECS - 5 {
        f.problems.push(format!(
            "this device's clock is {} s {how} the relay's: the relay refuses requests more than {MAX_SKEW_SECS} s off. \
             Enable NTP (`timedatectl set-ntp true`) or set the time (`date -s`), then run preflight again",
            skew.abs()
        ));
    } else if skew.abs() > MAX_SKEW_SECS / 2 {
        f.warnings.push(format!(
            "this device's clock is {} s {how} the relay's (limit {MAX_SKEW_SECS} s); check NTP (`timedatectl`)",
            skew.abs()
        ));
    }
}

pub fn judge_relay(url: &str, probe: &RelayProbe, f: &mut Findings) {
    match probe {
        RelayProbe::Skipped => {}
        RelayProbe::Unreachable(e) => f.warnings.push(format!(
            "relay {url} is unreachable ({e}): the device works offline and syncs when it comes back; \
             check the internet connection, DNS and the relay URL"
        )),
        RelayProbe::Answered { status, date, local } => {
            if *status != 200 {
                f.warnings.push(format!(
                    "relay {url}/healthz answered {status}: the relay is up but unhealthy; tell the relay operator"
                ));
            }
            match date {
                Some(d) => judge_clock(*d, *local, f),
                None => f.warnings.push(
                    "the relay sent no Date header, so the clock could not be compared; check NTP by hand (`timedatectl`)".into(),
                ),
            }
        }
    }
}

/// Config problems come from `EdgeConfig::load_unchecked` (enrollment, schedules, numbers).
pub fn judge(
    config_problems: &[String],
    dir_problems: &[String],
    url: &str,
    probe: &RelayProbe,
) -> Findings {
    let mut f = Findings {
        problems: config_problems
            .iter()
            .chain(dir_problems)
            .cloned()
            .collect(),
        ..Default::default()
    };
    judge_relay(url, probe, &mut f);
    f
}

/// Data directory writable, database (if any) readable and sound.
pub fn check_data_dir(dir: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    if let Err(e) = std::fs::create_dir_all(dir) {
        problems.push(format!(
            "data directory {} cannot be created ({e}); set EDGE_DATA_DIR to a writable directory",
            dir.display()
        ));
        return problems;
    }
    let probe = dir.join(".preflight-write-test");
    match std::fs::write(&probe, b"ok") {
        Ok(()) => {
            let _ = std::fs::remove_file(&probe);
        }
        Err(e) => problems.push(format!(
            "data directory {} is not writable ({e}); fix its owner/permissions or set EDGE_DATA_DIR",
            dir.display()
        )),
    }
    let db = dir.join("edge.db");
    if db.exists() {
        let quick =
            rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                .and_then(|c| c.query_row("PRAGMA quick_check", [], |r| r.get::<_, String>(0)));
        match quick {
            Ok(s) if s == "ok" => {}
            Ok(s) => problems.push(format!(
                "database {} is damaged ({s}); restore the last backup: `resto-edge restore FILE --force`",
                db.display()
            )),
            Err(e) => problems.push(format!(
                "database {} cannot be read ({e}); check its permissions, or restore the last backup: `resto-edge restore FILE --force`",
                db.display()
            )),
        }
    }
    problems
}

/// `GET <relay>/healthz` with a short timeout; the `Date` header gives the relay's clock.
pub async fn probe_relay(url: &str) -> RelayProbe {
    if url.is_empty() {
        return RelayProbe::Skipped;
    }
    let client = match reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
    {
        Ok(c) => c,
        Err(e) => return RelayProbe::Unreachable(e.to_string()),
    };
    let before = Utc::now();
    match client.get(format!("{url}/healthz")).send().await {
        Ok(resp) => {
            let after = Utc::now();
            let date = resp
                .headers()
                .get(reqwest::header::DATE)
                .and_then(|v| v.to_str().ok())
                .and_then(|s| DateTime::parse_from_rfc2822(s).ok())
                .map(|d| d.with_timezone(&Utc));
            RelayProbe::Answered {
                status: resp.status().as_u16(),
                date,
                local: before + (after - before) / 2,
            }
        }
        Err(e) => RelayProbe::Unreachable(e.to_string()),
    }
}

/// Everything, for the command line.
pub async fn gather(data_dir: &Path) -> Findings {
    let (cfg, config_problems) = match EdgeConfig::load_unchecked(data_dir) {
        Ok(x) => x,
        Err(e) => (EdgeConfig::default(), vec![e]),
    };
    let dir_problems = check_data_dir(data_dir);
    let probe = probe_relay(&cfg.relay_url).await;
    let mut f = judge(&config_problems, &dir_problems, &cfg.relay_url, &probe);
    f.warnings
        .extend(probe_printers(&data_dir.join("edge.db")).await);
    f
}

/// Each kitchen printer set up on this device, reached without printing.
async fn probe_printers(db: &Path) -> Vec<String> {
    let printers = match db.exists().then(|| {
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .and_then(|c| crate::store::printers::list(&c))
    }) {
        Some(Ok(p)) => p,
        // No database yet, or one the data-directory check already reported.
        _ => return Vec::new(),
    };
    let mut warnings = Vec::new();
    for p in printers {
        if let Err(e) = crate::printer_link::transport::reachable(&p.settings.target).await {
            warnings.push(format!(
                "kitchen printer {}: {e}; its tickets wait until it is back",
                p.settings.name
            ));
        }
    }
    warnings
}

/// The subcommand: exit 1 on any problem, so an install script stops there.
pub fn run(data_dir: &Path) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    Ok(if print(&rt.block_on(gather(data_dir))) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Prints the findings; returns whether the device may run (no problems).
pub fn print(f: &Findings) -> bool {
    println!(
        "preflight: {} problem(s), {} warning(s)",
        f.problems.len(),
        f.warnings.len()
    );
    for p in &f.problems {
        println!("  problem: {p}");
    }
    for w in &f.warnings {
        println!("  warning: {w}");
    }
    if f.problems.is_empty() {
        println!("preflight: OK");
    }
    f.problems.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration as D;

    fn answered(skew_secs: i64) -> RelayProbe {
        let relay = Utc::now();
        RelayProbe::Answered {
            status: 200,
            date: Some(relay),
            local: relay + D::seconds(skew_secs),
        }
    }

    #[test]
    fn a_clock_ten_minutes_off_is_a_problem_that_names_ntp() {
        let f = judge(&[], &[], "https://r", &answered(600));
        assert_eq!(f.problems.len(), 1, "{f:?}");
        assert!(f.problems[0].contains("600 s ahead of"), "{f:?}");
        assert!(f.problems[0].contains("timedatectl"), "{f:?}");
        let f = judge(&[], &[], "https://r", &answered(-400));
        assert!(f.problems[0].contains("behind"), "{f:?}");
    }

    #[test]
    fn a_clock_a_few_seconds_off_is_fine_and_three_minutes_is_a_warning() {
        assert_eq!(
            judge(&[], &[], "https://r", &answered(3)),
            Findings::default()
        );
        let f = judge(&[], &[], "https://r", &answered(180));
        assert!(f.problems.is_empty() && f.warnings.len() == 1, "{f:?}");
    }

    #[test]
    fn an_unreachable_relay_is_only_a_warning() {
        let f = judge(
            &[],
            &[],
            "https://r",
            &RelayProbe::Unreachable("connection refused".into()),
        );
        assert!(f.problems.is_empty());
        assert!(f.warnings[0].contains("works offline"), "{f:?}");
    }

    #[test]
    fn every_problem_is_listed_together() {
        let config = vec!["the node id or secret is missing".to_string()];
        let dir = vec!["data directory /x is not writable".to_string()];
        let f = judge(&config, &dir, "https://r", &answered(900));
        assert_eq!(f.problems.len(), 3, "{f:?}");
    }

    #[test]
    fn a_data_directory_that_is_a_file_is_reported() {
        let file = std::env::temp_dir().join(format!("edge-pf-{}", ulid::Ulid::new()));
        std::fs::write(&file, b"not a directory").unwrap();
        let p = check_data_dir(&file);
        assert!(p[0].contains("EDGE_DATA_DIR"), "{p:?}");
        std::fs::remove_file(file).ok();
    }

    #[test]
    fn a_damaged_database_is_reported_with_the_restore_command() {
        let dir = std::env::temp_dir().join(format!("edge-pf-{}", ulid::Ulid::new()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("edge.db"), vec![7u8; 8192]).unwrap();
        let p = check_data_dir(&dir);
        assert!(p.iter().any(|p| p.contains("resto-edge restore")), "{p:?}");
        std::fs::remove_dir_all(dir).ok();
    }
}
