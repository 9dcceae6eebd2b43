//! `resto-relay route add|list|template`: which node receives which Meta account's messages,
//! on SQLite or on PostgreSQL (RELAY_DATABASE_URL).

use super::RouteCommand;
use crate::config::Backend;
use crate::store::{self, admin, window};
use anyhow::{bail, Context};
use resto_sync::Provider;
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub(super) fn run(config: Option<&Path>, cmd: RouteCommand) -> anyhow::Result<ExitCode> {
    let cfg = super::load(config)?;
    let db = match cfg.backend() {
        Backend::Sqlite(path) => {
            store::migrate(&path)?;
            Db::Sqlite(store::open_connection(&path)?)
        }
        Backend::Postgres(url) => {
            let rt = super::runtime()?;
            let store = rt.block_on(store::pg::PgStore::open(url.expose()))?;
            Db::Postgres(rt, store)
        }
    };
    match cmd {
        RouteCommand::Add {
            provider,
            account,
            node,
            access_token_file,
        } => {
            let token = access_token_file.map(read_token).transpose()?;
            add(db, provider.into(), &account, &node, token.as_deref())?
        }
        RouteCommand::List { json } => list(db, json)?,
        RouteCommand::Template {
            provider,
            account,
            name,
            clear: _,
        } => template(db, provider.into(), &account, name.as_deref())?,
    }
    Ok(ExitCode::SUCCESS)
}

/// The database the command works on.
enum Db {
    Sqlite(Connection),
    Postgres(tokio::runtime::Runtime, store::pg::PgStore),
}

fn read_token(f: PathBuf) -> anyhow::Result<String> {
    let t = std::fs::read_to_string(&f)
        .with_context(|| format!("cannot read --access-token-file {}", f.display()))?;
    let t = t.trim().to_string();
    if t.is_empty() {
        bail!("--access-token-file {} is empty", f.display());
    }
    Ok(t)
}

fn add(
    db: Db,
    provider: Provider,
    account: &str,
    node: &str,
    token: Option<&str>,
) -> anyhow::Result<()> {
    let added = match db {
        Db::Sqlite(mut conn) => admin::add_route(&mut conn, provider, account, node, token)?,
        Db::Postgres(rt, pg) => rt.block_on(pg.add_route(provider, account, node, token))?,
    };
    println!(
        "route {} {} -> {}{}{}",
        provider,
        account.trim(),
        node,
        if added.replaced {
            " (replaced the previous route)"
        } else {
            ""
        },
        if added.moved_unrouted > 0 {
            format!(
                "; delivered {} waiting event(s) to the node",
                added.moved_unrouted
            )
        } else {
            String::new()
        }
    );
    Ok(())
}

fn template(db: Db, provider: Provider, account: &str, name: Option<&str>) -> anyhow::Result<()> {
    if provider != Provider::Wa && name.is_some() {
        bail!("templates exist only on WhatsApp: Messenger and Instagram allow no message outside the 24-hour window");
    }
    if let Some(n) = name {
        if n.trim().is_empty() || n.contains(char::is_whitespace) {
            bail!("--name {n:?} is not a template name: use the name shown in WhatsApp Manager (lower case, underscores)");
        }
    }
    let set = match db {
        Db::Sqlite(conn) => window::set_template(&conn, provider, account, name)?,
        Db::Postgres(rt, pg) => rt.block_on(pg.set_template(provider, account, name))?,
    };
    if !set {
        bail!("no route for {provider} {account}: add it first with `resto-relay route add`");
    }
    match name {
        Some(n) => println!("route {provider} {account}: notices more than 24 h after the customer's last message go as template {n:?} (fr / ar)"),
        None => println!("route {provider} {account}: no template; late notices are held and shown to staff"),
    }
    Ok(())
}

fn list(db: Db, json: bool) -> anyhow::Result<()> {
    let routes = match db {
        Db::Sqlite(conn) => admin::list_routes(&conn)?,
        Db::Postgres(rt, pg) => rt.block_on(pg.list_routes())?,
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&routes)?);
    } else if routes.is_empty() {
        println!("no routes yet: add one with `resto-relay route add --provider wa --account PHONE_NUMBER_ID --node NODE_ID`");
    } else {
        for r in routes {
            println!(
                "{:<4} {:<24} -> {}{}{}",
                r.provider,
                r.account_id,
                r.node_id,
                if r.has_access_token {
                    "  (access token set)"
                } else {
                    ""
                },
                r.window_template
                    .map(|t| format!("  (late notices: template {t})"))
                    .unwrap_or_default()
            );
        }
    }
    Ok(())
}
