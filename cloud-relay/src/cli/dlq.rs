//! `resto-relay dlq list|retry`: the dead-letter queue of replies, on SQLite or on
//! PostgreSQL (RELAY_DATABASE_URL).

use super::DlqCommand;
use crate::config::Backend;
use crate::store;
use anyhow::bail;
use std::path::Path;
use std::process::ExitCode;

pub(super) fn run(config: Option<&Path>, cmd: DlqCommand) -> anyhow::Result<ExitCode> {
    let cfg = super::load(config)?;
    let retry_id = |id: Option<String>, all: bool| if all { None } else { id };
    match cfg.backend() {
        Backend::Sqlite(path) => {
            store::migrate(&path)?;
            let conn = store::open_connection(&path)?;
            match cmd {
                DlqCommand::List { json } => print_list(store::outbox::list_dead(&conn)?, json)?,
                DlqCommand::Retry { id, all } => {
                    let id = retry_id(id, all);
                    print_retried(store::outbox::retry_dead(&conn, id.as_deref())?)?
                }
            }
        }
        Backend::Postgres(url) => {
            let rt = super::runtime()?;
            rt.block_on(async {
                let db = store::pg::PgStore::open(url.expose()).await?;
                match cmd {
                    DlqCommand::List { json } => print_list(db.list_dead().await?, json),
                    DlqCommand::Retry { id, all } => {
                        let id = retry_id(id, all);
                        print_retried(db.retry_dead(id.as_deref()).await?)
                    }
                }
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_list(dead: Vec<store::outbox::DeadLetter>, json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(&dead)?);
    } else if dead.is_empty() {
        println!("the dead-letter queue is empty");
    } else {
        for d in dead {
            // Later replies to the same customer are not held behind a dead letter.
            let released = match d.released_later {
                Some(n) if n > 0 => {
                    format!("  released {n} later repl(ies) to this customer")
                }
                _ => String::new(),
            };
            println!(
                "{}  node {}  {} attempt(s)  since {}  {}{released}",
                d.id,
                d.node_id,
                d.attempts,
                d.received_at,
                d.last_error.as_deref().unwrap_or("-")
            );
        }
    }
    Ok(())
}

fn print_retried(n: usize) -> anyhow::Result<()> {
    if n == 0 {
        bail!("nothing to retry: no dead-lettered item matches (see `resto-relay dlq list`)");
    }
    println!("{n} item(s) queued again");
    Ok(())
}
