//! `resto-relay demo`: the README's "run it locally" command. It runs the whole product on
//! this machine: the relay (embedded defaults, a generated app secret, a demo node and route),
//! the real `resto-edge` program enrolled with it and loaded with the demo menu, a Graph sink
//! standing in for Meta, and a chat page that talks to the bot through the real webhook path.
//! Demo mode exists only through this command, and only on a loopback address.
//!
//! May import: `config`, `secrets`, `nodes`, `meta`, `store`, `server`; never `cli`.

mod bubble;
mod edge_process;
mod feed;
mod routes;

use crate::config::{ProcessEnv, RelayConfig};
use crate::meta::signature::meta_signature_header;
use crate::nodes::MasterKey;
use crate::secrets::read_or_create_private;
use crate::server::Additions;
use crate::store::{self, admin};
use anyhow::{bail, Context};
use edge_process::{EdgeProcess, MenuOutcome};
use resto_ops::Secret;
use resto_sync::Provider;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The demo restaurant's WhatsApp phone_number_id (same as the shared fixtures).
pub const DEMO_PHONE_NUMBER_ID: &str = "109876543210987";
const DEMO_DISPLAY_NUMBER: &str = "213555010000";
/// Where the relay's Graph sender is pointed: the sink in `routes`.
const SINK_PATH: &str = "/demo/graph/v25.0";
const DEFAULT_CONSOLE_LISTEN: &str = "127.0.0.1:8090";

pub struct DemoOptions {
    /// `--edge-bin`: the `resto-edge` program to run.
    pub edge_bin: Option<PathBuf>,
    /// `--real-hours`: keep the demo menu's opening hours instead of opening around the clock.
    pub real_hours: bool,
}

/// What `prepare` set up in the relay's database.
struct Prepared {
    cfg: RelayConfig,
    node_id: String,
    node_secret: String,
    access_token: String,
    sample: PathBuf,
    sample_signature: String,
}

pub fn run(config: Option<&Path>, opts: DemoOptions) -> anyhow::Result<()> {
    let edge_bin = edge_process::locate(opts.edge_bin.as_deref())?;
    let p = prepare(config)?;
    let relay_url = format!("http://{}", p.cfg.listen);
    let edge_dir = p.cfg.data_dir.join("edge");
    std::fs::create_dir_all(&edge_dir)
        .with_context(|| format!("cannot create {}", edge_dir.display()))?;
    edge_process::enroll(&edge_bin, &edge_dir, &relay_url, &p.node_id, &p.node_secret)?;
    let menu = edge_process::ensure_menu(&edge_bin, &edge_dir, !opts.real_hours)?;
    edge_process::ensure_console_login(&edge_bin, &edge_dir)?;
    let console_listen = std::env::var("EDGE_CONSOLE_LISTEN")
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| DEFAULT_CONSOLE_LISTEN.to_string());
    let edge = EdgeProcess::start(&edge_bin, &edge_dir, &console_listen)?;
    let edge_pid = edge.id();
    let edge = Arc::new(Mutex::new(Some(edge)));

    let chat = Arc::new(routes::DemoChat {
        feed: feed::Feed::default(),
        webhook_url: format!("{relay_url}/webhooks/meta"),
        relay_url: relay_url.clone(),
        app_secret: p.cfg.meta.app_secret.expose().to_string(),
        access_token: p.access_token.clone(),
        phone_number_id: DEMO_PHONE_NUMBER_ID.to_string(),
        display_phone_number: DEMO_DISPLAY_NUMBER.to_string(),
        http: reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .context("cannot build the demo chat's HTTP client")?,
    });
    let banner = Banner {
        relay_url: relay_url.clone(),
        console_url: format!("http://{}/", console_listen.replace("0.0.0.0", "127.0.0.1")),
        db: p.cfg.db_path(),
        edge_dir: edge_dir.clone(),
        edge_pid,
        menu: match menu {
            MenuOutcome::Imported(said) if opts.real_hours => {
                format!("{said} (the menu's own opening hours)")
            }
            MenuOutcome::Imported(said) => format!(
                "{said}; open around the clock for the demo (--real-hours keeps the menu's hours)"
            ),
            MenuOutcome::Kept => {
                "kept the edge's existing menu (delete the data directory to start over)".into()
            }
        },
        sample: p.sample.clone(),
        sample_signature: p.sample_signature.clone(),
    };
    let closing = (chat.clone(), edge.clone());
    let additions = Additions {
        routes: Some(routes::routes(chat)),
        on_listening: Some(Box::new(move |addr| banner.print(addr))),
        on_shutdown: Some(Box::new(move || {
            closing.0.feed.close();
            if let Some(e) = closing.1.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
                e.interrupt();
            }
        })),
    };
    let result = crate::server::run_with(p.cfg, additions);
    if let Some(e) = edge.lock().unwrap_or_else(|p| p.into_inner()).take() {
        e.stop();
    }
    if result.is_ok() {
        println!("demo stopped: relay and edge are down; their data stays in the data directory");
    }
    result
}

/// The demo only ever listens on a loopback address, on a fixed port (the edge and the Graph
/// sender need to know it before the server starts).
fn check_listen(listen: &str) -> anyhow::Result<()> {
    let addr: SocketAddr = listen.parse().with_context(|| {
        format!("RELAY_LISTEN={listen:?} is not an address like 127.0.0.1:8080")
    })?;
    if !addr.ip().is_loopback() {
        bail!("the demo listens on this machine only: set RELAY_LISTEN to 127.0.0.1:PORT (it is {listen})");
    }
    if addr.port() == 0 {
        bail!("the demo needs a fixed port: set RELAY_LISTEN to 127.0.0.1:PORT");
    }
    Ok(())
}

fn prepare(config: Option<&Path>) -> anyhow::Result<Prepared> {
    let mut cfg = RelayConfig::load(config, &ProcessEnv).map_err(|e| anyhow::anyhow!(e))?;
    check_listen(&cfg.listen)?;
    cfg.profile = crate::config::Profile::Development;
    if cfg.log == "info" {
        cfg.log_format = crate::config::LogFormat::Text;
    }
    // Replies go to the local sink, never to Meta: the demo's token would not work there.
    cfg.meta.graph_url = format!("http://{}{SINK_PATH}", cfg.listen);
    // The demo's voice notes are served by this relay's Graph stand-in on 127.0.0.1, a host
    // the media worker refuses unless named (RELAY_MEDIA_HOSTS); only the demo names it.
    let own = cfg.listen.to_ascii_lowercase();
    if !cfg.media.extra_hosts.contains(&own) {
        cfg.media.extra_hosts.push(own);
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
    let access_token = format!(
        "demo-{}",
        read_or_create_private(&cfg.data_dir.join("demo-graph-token"))?
    );
    admin::add_route(
        &mut conn,
        Provider::Wa,
        DEMO_PHONE_NUMBER_ID,
        &node.id,
        Some(&access_token),
    )?;
    let key = MasterKey::load_or_create(&cfg.master_key_path())?;
    let node_secret = key.node_secret(&node.id, node.secret_generation);

    let body = sample_webhook();
    let sample = cfg.data_dir.join("sample-webhook.json");
    std::fs::write(&sample, &body).with_context(|| format!("cannot write {}", sample.display()))?;
    let sample_signature = meta_signature_header(cfg.meta.app_secret.expose(), &body);
    Ok(Prepared {
        cfg,
        node_id: node.id,
        node_secret,
        access_token,
        sample,
        sample_signature,
    })
}

struct Banner {
    relay_url: String,
    console_url: String,
    db: PathBuf,
    edge_dir: PathBuf,
    edge_pid: u32,
    menu: String,
    sample: PathBuf,
    sample_signature: String,
}

impl Banner {
    fn print(&self, addr: SocketAddr) {
        let base = &self.relay_url;
        println!(
            "\nRestoBot demo: relay + edge + a local stand-in for Meta, all on this machine (relay on {addr})\n\n\
             \x20 Demo chat       {base}/demo/\n\
             \x20 Staff console   {}   (served by the edge; log in as {} / {})\n\
             \x20 Relay           {base}/healthz   {base}/metrics\n\n\
             \x20 menu            {}\n\
             \x20 relay data      {}\n\
             \x20 edge            pid {}, data and log in {}\n\
             \x20 Meta            webhooks signed with the app secret in the data directory; replies go to {base}{SINK_PATH}\n\n\
             Post a signed WhatsApp webhook yourself (twice to see deduplication):\n\
             \x20 curl -sS -X POST {base}/webhooks/meta -H 'Content-Type: application/json' \\\n\
             \x20   -H 'X-Hub-Signature-256: {}' --data-binary @{}\n\n\
             Ctrl-C stops the relay and the edge.\n",
            self.console_url,
            edge_process::CONSOLE_LOGIN.0,
            edge_process::CONSOLE_LOGIN.1,
            self.menu,
            self.db.display(),
            self.edge_pid,
            self.edge_dir.display(),
            self.sample_signature,
            self.sample.display(),
        );
    }
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
