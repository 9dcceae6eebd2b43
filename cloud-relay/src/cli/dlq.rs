//! `resto-relay dlq list|retry`: the dead-letter queue of replies.

use super::DlqCommand;
use crate::store;
use anyhow::bail;
use std::path::Path;
use std::process::ExitCode;

pub(super) fn run(config: Option<&Path>, cmd: DlqCommand) -> anyhow::Result<ExitCode> {
    let cfg = super::load(config)?;
    store::migrate(&cfg.db_path())?;
    let conn = store::open_connection(&cfg.db_path())?;
    match cmd {
        DlqCommand::List { json } => {
            let dead = store::outbox::list_dead(&conn)?;
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
        }
        DlqCommand::Retry { id, all } => {
            let n = store::outbox::retry_dead(&conn, if all { None } else { id.as_deref() })?;
            if n == 0 {
                bail!(
                    "nothing to retry: no dead-lettered item matches (see `resto-relay dlq list`)"
                );
            }
            println!("{n} item(s) queued again");
        }
    }
    Ok(ExitCode::SUCCESS)
}
