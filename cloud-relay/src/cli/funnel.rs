//! `resto-relay funnel`.

use crate::store;
use std::path::Path;
use std::process::ExitCode;

pub(super) fn run(config: Option<&Path>, days: i64, json: bool) -> anyhow::Result<ExitCode> {
    let cfg = super::load(config)?;
    store::migrate(&cfg.db_path())?;
    let conn = store::open_connection(&cfg.db_path())?;
    let since = (chrono::Utc::now() - chrono::Duration::days(days.max(0)))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let rows = store::funnel::relay_funnel(&conn, &since)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else if rows.is_empty() {
        println!("no inbound messages in the last {days} day(s)");
    } else {
        println!(
            "{:<24} {:<10} {:<4} {:>8} {:>8} {:>9} {:>8}",
            "restaurant", "day", "ch", "messages", "senders", "ad/ref", "replies"
        );
        for r in rows {
            println!(
                "{:<24} {:<10} {:<4} {:>8} {:>8} {:>9} {:>8}",
                r.node_name,
                r.day,
                r.channel,
                r.messages,
                r.senders,
                r.referred_senders,
                r.replies_sent
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
