//! `resto-relay node add|list`, on SQLite or on PostgreSQL (RELAY_DATABASE_URL).

use super::NodeCommand;
use crate::config::Backend;
use crate::nodes::MasterKey;
use crate::store::{self, admin};
use std::path::Path;
use std::process::ExitCode;

pub(super) fn run(config: Option<&Path>, cmd: NodeCommand) -> anyhow::Result<ExitCode> {
    let cfg = super::load(config)?;
    match cfg.backend() {
        Backend::Sqlite(path) => {
            store::migrate(&path)?;
            let mut conn = store::open_connection(&path)?;
            match cmd {
                NodeCommand::Add { name, json } => {
                    let key = MasterKey::load_or_create(&cfg.master_key_path())?;
                    print_added(&key, &admin::add_node(&mut conn, &name)?, json);
                }
                NodeCommand::List { json } => print_list(admin::list_nodes(&conn)?, json)?,
            }
        }
        Backend::Postgres(url) => {
            let rt = super::runtime()?;
            rt.block_on(async {
                let db = store::pg::PgStore::open(url.expose()).await?;
                match cmd {
                    NodeCommand::Add { name, json } => {
                        // The secret printed must be the one every relay of the deployment
                        // derives: this relay's key must be the database's.
                        let key = MasterKey::load_or_create(&cfg.master_key_path())?;
                        db.check_master_key(&key.fingerprint()).await?;
                        print_added(&key, &db.add_node(&name).await?, json);
                    }
                    NodeCommand::List { json } => print_list(db.list_nodes().await?, json)?,
                }
                anyhow::Ok(())
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_added(key: &MasterKey, node: &admin::NodeRow, json: bool) {
    let secret = key.node_secret(&node.id, node.secret_generation);
    if json {
        println!(
            "{}",
            serde_json::json!({"node_id": node.id, "node_secret": secret})
        );
    } else {
        println!("node added: {} ({})", node.name, node.id);
        println!("node_id:     {}", node.id);
        println!("node_secret: {secret}");
        println!("The secret is shown once: write it to the device with `resto-edge enroll --secret-file` (mode 0600).");
    }
}

fn print_list(nodes: Vec<admin::NodeRow>, json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(&nodes)?);
    } else if nodes.is_empty() {
        println!("no nodes yet: add one with `resto-relay node add NAME`");
    } else {
        println!(
            "{:<32} {:<24} {:>6} {:>10}  last seen",
            "id", "name", "routes", "last seq"
        );
        for n in nodes {
            println!(
                "{:<32} {:<24} {:>6} {:>10}  {}",
                n.id,
                n.name,
                n.routes,
                n.last_seq,
                n.last_seen_at.as_deref().unwrap_or("never")
            );
        }
    }
    Ok(())
}
