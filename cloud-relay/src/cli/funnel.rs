//! `resto-relay funnel`, on SQLite or on PostgreSQL (RELAY_DATABASE_URL).

use crate::config::Backend;
use crate::store;
use std::path::Path;
use std::process::ExitCode;

pub(super) fn run(config: Option<&Path>, days: i64, json: bool) -> anyhow::Result<ExitCode> {
    let cfg = super::load(config)?;
    let since = chrono::Utc::now() - chrono::Duration::days(days.max(0));
    let rows = match cfg.backend() {
        Backend::Sqlite(path) => {
            store::migrate(&path)?;
            let conn = store::open_connection(&path)?;
            let since = since.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            store::funnel::relay_funnel(&conn, &since)?
        }
        Backend::Postgres(url) => super::runtime()?.block_on(async {
            let db = store::pg::PgStore::open(url.expose()).await?;
            anyhow::Ok(db.relay_funnel(since).await?)
        })?,
    };
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
