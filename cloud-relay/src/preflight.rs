//! `resto-relay preflight`: every problem at once, so an operator fixes them in one pass.
//!
//! May import: `config`, `store`.

use crate::config::{Backend, Profile, RelayConfig, SignatureMode};
use crate::store;
use crate::store::pg::connect::PgTarget;
use crate::store::pg::inspect::inspect;
use crate::store::StoreError;
use std::os::unix::fs::PermissionsExt;
use std::process::ExitCode;

#[derive(Debug, Default)]
pub struct Findings {
    pub problems: Vec<String>,
    pub warnings: Vec<String>,
}

/// Checks the configuration and the machine. Touches the disk (data dir, DB, key file) but
/// never changes stored data.
pub fn check(cfg: &RelayConfig) -> Findings {
    let mut f = Findings {
        problems: cfg.fatal_problems(),
        ..Default::default()
    };
    match cfg.meta.signature_required {
        SignatureMode::Off => f.problems.push(
            "META_SIGNATURE_REQUIRED=off: unsigned webhooks are accepted, so anyone can inject \
             customer messages; set it to enforce"
                .into(),
        ),
        SignatureMode::Warn => f.warnings.push(
            "META_SIGNATURE_REQUIRED=warn: bad signatures are only recorded; switch to enforce \
             once security_events shows no SIGNATURE_INVALID from Meta"
                .into(),
        ),
        SignatureMode::Enforce => {}
    }
    if cfg.meta.verify_token.is_empty() {
        f.problems.push(
            "META_VERIFY_TOKEN is not set: Meta's subscription handshake (GET /webhooks/meta) \
             will always fail; set it to the token typed in the App Dashboard"
                .into(),
        );
    }
    if cfg.allow_query_token {
        f.warnings.push(
            "ALLOW_QUERY_TOKEN=true: credentials in URLs leak into logs and proxies; turn it off \
             once no sender needs it"
                .into(),
        );
    }
    match url::Url::parse(&cfg.meta.graph_url) {
        Ok(u) if cfg.profile == Profile::Production && is_local(&u) => f.problems.push(format!(
            "META_GRAPH_URL={u} points at this machine: replies would never reach Meta. Use \
             https://graph.facebook.com/v25.0 (a local Graph URL needs RELAY_PROFILE=development)"
        )),
        Ok(u) if u.scheme() == "https" => {}
        Ok(u) => f.warnings.push(format!(
            "META_GRAPH_URL={} is not https: fine for tests against a fake Graph server, never in production",
            u
        )),
        Err(e) => f.problems.push(format!(
            "META_GRAPH_URL={:?} is not a URL ({e}); use https://graph.facebook.com/v25.0",
            cfg.meta.graph_url
        )),
    }
    if cfg.away.enabled && cfg.away.after_secs <= 60 {
        f.warnings.push(format!(
            "[away] after_secs = {}: a node holding a long poll (up to 60 s) can look away and its \
             customers be told so; keep it above 60 (default 180) outside tests",
            cfg.away.after_secs
        ));
    }
    check_data_dir(cfg, &mut f);
    f
}

fn is_local(u: &url::Url) -> bool {
    match u.host() {
        Some(url::Host::Domain(d)) => d == "localhost" || d.ends_with(".localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback() || ip.is_unspecified(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback() || ip.is_unspecified(),
        None => true,
    }
}

fn check_data_dir(cfg: &RelayConfig, f: &mut Findings) {
    let dir = &cfg.data_dir;
    if let Err(e) = std::fs::create_dir_all(dir) {
        f.problems.push(format!(
            "data directory {} cannot be created ({e}); set RELAY_DATA_DIR to a writable directory",
            dir.display()
        ));
        return;
    }
    let probe = dir.join(".preflight-write-test");
    match std::fs::write(&probe, b"ok") {
        Ok(()) => {
            let _ = std::fs::remove_file(&probe);
        }
        Err(e) => {
            f.problems.push(format!(
                "data directory {} is not writable ({e}); fix its owner/permissions or set RELAY_DATA_DIR",
                dir.display()
            ));
            return;
        }
    }
    match cfg.backend() {
        Backend::Sqlite(_) => check_sqlite(cfg, f),
        Backend::Postgres(url) => check_postgres(cfg, url.expose(), f),
    }
    let key = cfg.master_key_path();
    if let Ok(meta) = std::fs::metadata(&key) {
        if meta.permissions().mode() & 0o077 != 0 {
            f.problems.push(format!(
                "{} is readable by other users; run `chmod 600 {}`",
                key.display(),
                key.display()
            ));
        }
    }
}

fn check_sqlite(cfg: &RelayConfig, f: &mut Findings) {
    let db = cfg.db_path();
    if !db.exists() {
        f.warnings.push(format!(
            "database {} does not exist yet; `serve` or `migrate` creates it",
            db.display()
        ));
        return;
    }
    match store::pending_migrations(&db) {
        Ok(p) if p.is_empty() => {}
        Ok(p) => f.warnings.push(format!(
            "database {} has {} pending migration(s) ({}); `serve` applies them, or run `resto-relay migrate`",
            db.display(),
            p.len(),
            p.join(", ")
        )),
        Err(e) => f.problems.push(format!(
            "database {} cannot be read ({e}); restore it from backup or move it aside",
            db.display()
        )),
    }
    if let Ok(conn) = store::open_connection(&db) {
        let count = |table: &str| {
            conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
                .unwrap_or(0)
        };
        check_contents(cfg, count("nodes"), count("routes"), f);
    }
}

/// The same checks on a PostgreSQL database, plus: can this relay reach it, and is its
/// master.key the deployment's.
fn check_postgres(cfg: &RelayConfig, url: &str, f: &mut Findings) {
    let target = match PgTarget::parse(url) {
        Ok(t) => t,
        Err(e) => return f.problems.push(format!("RELAY_DATABASE_URL: {e}")),
    };
    let facts = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| StoreError::Invalid(e.to_string()))
        .and_then(|rt| rt.block_on(inspect(&target)));
    let facts = match facts {
        Ok(facts) => facts,
        Err(e) => {
            return f.problems.push(format!(
                "cannot read the PostgreSQL database {} ({e}); check RELAY_DATABASE_URL, the server and its pg_hba.conf",
                target.shown()
            ))
        }
    };
    if !facts.pending.is_empty() {
        f.warnings.push(format!(
            "database {} has {} pending migration(s) ({}); `serve` applies them, or run `resto-relay migrate`",
            target.shown(),
            facts.pending.len(),
            facts.pending.join(", ")
        ));
    }
    // Only an existing key is read: preflight never creates one.
    let key_path = cfg.master_key_path();
    let ours = key_path
        .exists()
        .then(|| crate::nodes::MasterKey::load_or_create(&key_path).ok())
        .flatten();
    if let (Some(recorded), Some(key)) = (&facts.master_key, ours) {
        if *recorded != key.fingerprint() {
            f.problems.push(format!(
                "{} is not this deployment's master key (the database records another one): every relay \
                 of a deployment needs the same file; copy master.key from the relay that first used the database",
                cfg.master_key_path().display()
            ));
        }
    }
    if let (Some(nodes), Some(routes)) = (facts.nodes, facts.routes) {
        check_contents(cfg, nodes, routes, f);
    }
}

fn check_contents(cfg: &RelayConfig, nodes: i64, routes: i64, f: &mut Findings) {
    if nodes > 0 && !cfg.master_key_path().exists() {
        f.problems.push(format!(
            "{} is missing but the database has {nodes} node(s): their secrets derive from it, so no device can sync. \
             Put back the master.key that belongs with this database (docs/RUNBOOK.md, backup and restore)",
            cfg.master_key_path().display()
        ));
    }
    if routes == 0 {
        f.warnings.push(
            "no routes: every message will be parked as unrouted; add one with `resto-relay route add`"
                .into(),
        );
    }
}

pub fn report(cfg: &RelayConfig) -> ExitCode {
    let f = check(cfg);
    println!(
        "preflight: {} problem(s), {} warning(s)",
        f.problems.len(),
        f.warnings.len()
    );
    for p in &f.problems {
        println!("  problem: {p}");
    }
    for w in &f.warnings {
        println!("  warning: {w}");
    }
    if f.problems.is_empty() {
        println!("preflight: OK");
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use resto_ops::Secret;

    #[test]
    fn all_problems_are_listed_together() {
        let mut cfg = RelayConfig {
            data_dir: std::env::temp_dir().join(format!("relay-pf-{}", ulid::Ulid::new())),
            listen: "nowhere".into(),
            ..Default::default()
        };
        cfg.meta.signature_required = SignatureMode::Off;
        let f = check(&cfg);
        let all = f.problems.join("\n");
        assert!(all.contains("RELAY_LISTEN"), "{all}");
        assert!(all.contains("META_SIGNATURE_REQUIRED=off"), "{all}");
        assert!(all.contains("META_VERIFY_TOKEN"), "{all}");
        std::fs::remove_dir_all(&cfg.data_dir).ok();
    }

    #[test]
    fn a_loopback_graph_url_is_refused_in_production_only() {
        let mut cfg = RelayConfig {
            data_dir: std::env::temp_dir().join(format!("relay-pf-{}", ulid::Ulid::new())),
            ..Default::default()
        };
        cfg.meta.app_secret = Secret::new("s");
        cfg.meta.verify_token = Secret::new("v");
        cfg.meta.graph_url = "http://127.0.0.1:9999/v25.0".into();
        assert!(check(&cfg)
            .problems
            .iter()
            .any(|p| p.contains("META_GRAPH_URL")));
        cfg.profile = Profile::Development;
        assert!(check(&cfg).problems.is_empty());
        std::fs::remove_dir_all(&cfg.data_dir).ok();
    }

    #[test]
    fn a_database_with_nodes_but_no_master_key_is_a_problem() {
        let mut cfg = RelayConfig {
            data_dir: std::env::temp_dir().join(format!("relay-pf-{}", ulid::Ulid::new())),
            ..Default::default()
        };
        cfg.meta.app_secret = Secret::new("s");
        cfg.meta.verify_token = Secret::new("v");
        store::migrate(&cfg.db_path()).unwrap();
        let mut c = store::open_connection(&cfg.db_path()).unwrap();
        store::admin::add_node(&mut c, "shop").unwrap();
        let f = check(&cfg);
        assert!(f.problems.iter().any(|p| p.contains("master.key")), "{f:?}");
        std::fs::remove_dir_all(&cfg.data_dir).ok();
    }

    #[test]
    fn a_bad_backup_schedule_is_listed_with_the_others() {
        let mut cfg = RelayConfig {
            data_dir: std::env::temp_dir().join(format!("relay-pf-{}", ulid::Ulid::new())),
            ..Default::default()
        };
        cfg.backup.schedule = "nightly".into();
        cfg.meta.signature_required = SignatureMode::Off;
        let f = check(&cfg);
        let all = f.problems.join("\n");
        assert!(all.contains("RELAY_BACKUP_SCHEDULE"), "{all}");
        assert!(all.contains("META_SIGNATURE_REQUIRED=off"), "{all}");
        std::fs::remove_dir_all(&cfg.data_dir).ok();
    }

    #[test]
    fn a_configured_relay_has_no_problems() {
        let mut cfg = RelayConfig {
            data_dir: std::env::temp_dir().join(format!("relay-pf-{}", ulid::Ulid::new())),
            ..Default::default()
        };
        cfg.meta.app_secret = Secret::new("s");
        cfg.meta.verify_token = Secret::new("v");
        let f = check(&cfg);
        assert!(f.problems.is_empty(), "{:?}", f.problems);
        std::fs::remove_dir_all(&cfg.data_dir).ok();
    }
}
