//! `resto-relay node add|list`.

use super::NodeCommand;
use crate::nodes::MasterKey;
use crate::store::{self, admin};
use rusqlite::Connection;
use std::path::Path;
use std::process::ExitCode;

pub(super) fn run(config: Option<&Path>, cmd: NodeCommand) -> anyhow::Result<ExitCode> {
    let cfg = super::load(config)?;
    store::migrate(&cfg.db_path())?;
    let mut conn = store::open_connection(&cfg.db_path())?;
    match cmd {
        NodeCommand::Add { name, json } => {
            let key = MasterKey::load_or_create(&cfg.master_key_path())?;
            add(&mut conn, &key, &name, json)?
        }
        NodeCommand::List { json } => list(&conn, json)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn add(conn: &mut Connection, key: &MasterKey, name: &str, json: bool) -> anyhow::Result<()> {
    let node = admin::add_node(conn, name)?;
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
    Ok(())
}

fn list(conn: &Connection, json: bool) -> anyhow::Result<()> {
    let nodes = admin::list_nodes(conn)?;
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
