//! `resto-edge enroll`: write the relay URL, node id and secret to `<data dir>/edge.toml`,
//! readable by the service user only since it holds the node secret.

use crate::config;
use anyhow::{bail, Context};
use std::path::Path;

pub fn run(data_dir: &Path, relay: &str, node_id: &str, secret_file: &Path) -> anyhow::Result<()> {
    let secret = std::fs::read_to_string(secret_file)
        .with_context(|| format!("cannot read --secret-file {}", secret_file.display()))?
        .trim()
        .to_string();
    if secret.len() != 64 || !secret.bytes().all(|b| b.is_ascii_hexdigit()) {
        bail!(
            "{} does not hold a node secret (64 hex characters from `resto-relay node add`)",
            secret_file.display()
        );
    }
    if !(relay.starts_with("https://") || relay.starts_with("http://")) {
        bail!("--relay must be an http(s) URL such as https://relay.example.com");
    }
    let cfg = config::EdgeConfig {
        relay_url: relay.trim_end_matches('/').to_string(),
        node_id: node_id.to_string(),
        node_secret: config::Secret::new(secret),
        ..Default::default()
    };
    std::fs::create_dir_all(data_dir)?;
    let path = config::config_path(data_dir);
    let text = toml::to_string(&cfg)?;
    write_private(&path, text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    println!(
        "enrolled node {node_id} with relay {}; configuration written to {} (mode 0600)",
        cfg.relay_url,
        path.display()
    );
    Ok(())
}

/// Mode 0600 at creation, and again for a file that already existed with a wider mode.
fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    f.write_all(contents)?;
    f.sync_all()
}
