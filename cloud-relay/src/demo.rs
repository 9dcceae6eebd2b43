//! `resto-relay demo`: the README's "run it locally" command. Embedded defaults, a generated
//! app secret kept in the data directory, a demo node and route, and a signed sample webhook
//! printed as a curl command so a newcomer sees a real, verified ingest in one minute.

use crate::cli::read_or_create_private;
use crate::config::{ProcessEnv, RelayConfig, Secret};
use crate::meta::signature::meta_signature_header;
use crate::nodes::MasterKey;
use crate::store::{self, admin};
use anyhow::Context;
use resto_sync::Provider;
use std::path::Path;

/// The demo restaurant's WhatsApp phone_number_id (same as the shared fixtures).
pub const DEMO_PHONE_NUMBER_ID: &str = "109876543210987";

pub fn prepare(config: Option<&Path>) -> anyhow::Result<RelayConfig> {
    let mut cfg = RelayConfig::load(config, &ProcessEnv).map_err(|e| anyhow::anyhow!(e))?;
    cfg.profile = crate::config::Profile::Development;
    if cfg.log == "info" {
        cfg.log_format = crate::config::LogFormat::Text;
    }
    std::fs::create_dir_all(&cfg.data_dir)
        .with_context(|| format!("cannot create {}", cfg.data_dir.display()))?;
    if cfg.meta.app_secret.is_empty() {
        let s = read_or_create_private(&cfg.data_dir.join("demo-app-secret"))?;
        cfg.meta.app_secret = Secret::new(s);
    }
    if cfg.meta.verify_token.is_empty() {
        cfg.meta.verify_token = Secret::new("resto-demo-verify-token");
    }
    cfg.validate().map_err(|e| anyhow::anyhow!(e))?;
    store::migrate(&cfg.db_path())?;
    let mut conn = store::open_connection(&cfg.db_path())?;
    let node = match admin::list_nodes(&conn)?
        .into_iter()
        .find(|n| n.name == "demo")
    {
        Some(n) => n,
        None => admin::add_node(&mut conn, "demo")?,
    };
    admin::add_route(
        &mut conn,
        Provider::Wa,
        DEMO_PHONE_NUMBER_ID,
        &node.id,
        None,
    )?;
    let key = MasterKey::load_or_create(&cfg.master_key_path())?;
    let _ = key.node_secret(&node.id, node.secret_generation);

    let body = sample_webhook();
    let sample = cfg.data_dir.join("sample-webhook.json");
    std::fs::write(&sample, &body).with_context(|| format!("cannot write {}", sample.display()))?;
    let sig = meta_signature_header(cfg.meta.app_secret.expose(), &body);
    let base = format!("http://{}", cfg.listen);
    println!(
        "\nresto-relay demo\n  listening on   {base}\n  database       {}\n  demo node      {} (route wa {DEMO_PHONE_NUMBER_ID})\n\n\
         Send it a signed WhatsApp webhook:\n\n  curl -sS -X POST {base}/webhooks/meta \\\n    -H 'Content-Type: application/json' \\\n    -H 'X-Hub-Signature-256: {sig}' \\\n    --data-binary @{}\n\n\
         The first post answers {{\"stored\":1,…}}; posting it again answers {{\"duplicates\":1,…}} (Meta retries are stored once).\n\
         Try a wrong signature to see a 401, then look at {base}/metrics and the security_events table.\n",
        cfg.db_path().display(),
        node.id,
        sample.display()
    );
    Ok(cfg)
}

/// A WhatsApp text webhook for the demo account, with a message id unique to this run.
fn sample_webhook() -> Vec<u8> {
    let now = chrono::Utc::now().timestamp();
    serde_json::json!({
        "object": "whatsapp_business_account",
        "entry": [{
            "id": "104857600012345",
            "changes": [{
                "field": "messages",
                "value": {
                    "messaging_product": "whatsapp",
                    "metadata": {"display_phone_number": "213555010000", "phone_number_id": DEMO_PHONE_NUMBER_ID},
                    "contacts": [{"profile": {"name": "Yacine"}, "wa_id": "213555010101", "user_id": "DZ.13650000000000101"}],
                    "messages": [{
                        "from": "213555010101",
                        "from_user_id": "DZ.13650000000000101",
                        "id": format!("wamid.demo.{}", ulid::Ulid::new()),
                        "timestamp": now.to_string(),
                        "type": "text",
                        "text": {"body": "Salam, nheb ncommandi 2 pizza margherita"}
                    }]
                }
            }]
        }]
    })
    .to_string()
    .into_bytes()
}
