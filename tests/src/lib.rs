//! Harness for end-to-end tests of the real `resto-relay` (and later `resto-edge`) binaries:
//! child processes on 127.0.0.1, real SQLite files in temp directories, SIGKILL for faults.

pub mod browser;
pub mod console;
pub mod customer;
pub mod cut_proxy;
pub mod escpos;
pub mod fake_chargily;
pub mod fake_graph;
pub mod fake_media;
pub mod fake_printer;
pub mod layout;
pub mod pg;
pub mod shop;

use rusqlite::{Connection, OpenFlags};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// `../shared/fixtures/meta`, the ground truth for Meta payloads.
pub fn meta_fixtures() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/fixtures/meta"
    ))
}

pub fn fixture(name: &str) -> Vec<u8> {
    let p = meta_fixtures().join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

fn target_dir() -> PathBuf {
    if let Ok(d) = std::env::var("CARGO_TARGET_DIR") {
        return PathBuf::from(d).join("debug");
    }
    // …/target/debug/deps/<test binary>, or …/target/debug/<binary> for this crate's programs
    let exe = std::env::current_exe().expect("current_exe");
    let dir = exe.parent().expect("binary lives in target/<profile>");
    if dir.ends_with("deps") {
        dir.parent().unwrap_or(dir).to_path_buf()
    } else {
        dir.to_path_buf()
    }
}

/// Path of a workspace binary, built once per test process so the tests always run the
/// current code (`RESTO_<NAME>_BIN` overrides, e.g. to test a release build).
pub fn program(name: &str) -> PathBuf {
    static BUILT: OnceLock<()> = OnceLock::new();
    let var = format!(
        "RESTO_{}_BIN",
        name.trim_start_matches("resto-").to_uppercase()
    );
    if let Ok(p) = std::env::var(&var) {
        return PathBuf::from(p);
    }
    BUILT.get_or_init(|| {
        let status = Command::new(env!("CARGO"))
            .args([
                "build",
                "-q",
                "-p",
                "resto-relay",
                "-p",
                "resto-edge",
                "--bins",
            ])
            .status()
            .expect("run cargo build");
        assert!(status.success(), "cargo build of the binaries failed");
    });
    target_dir().join(name)
}

pub fn sign(secret: &str, body: &[u8]) -> String {
    format!(
        "sha256={}",
        resto_sync::hmac::hmac_sha256_hex(secret.as_bytes(), &[body])
    )
}

/// A port nothing listens on now, never handed out twice in this process. Only for a
/// program that must know its port before it starts (a public URL in its config) or a
/// deliberately dead address: servers the harness starts bind port 0 and report theirs
/// (`listening_port`), which no concurrent test can take first.
pub fn free_port() -> u16 {
    static GIVEN: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    let mut given = GIVEN.lock().unwrap_or_else(|p| p.into_inner());
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("free port");
        if !given.contains(&port) {
            given.push(port);
            return port;
        }
    }
}

/// The port a program started on `127.0.0.1:0` says it bound, from the last line of its log
/// that carries `message` (JSON `"addr":"127.0.0.1:N"` or text `addr=127.0.0.1:N`).
pub fn listening_port(log: &str, message: &str) -> Option<u16> {
    let line = log.lines().rev().find(|l| l.contains(message))?;
    let rest = &line[line.find("127.0.0.1:")? + "127.0.0.1:".len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

pub fn temp_dir(tag: &str) -> PathBuf {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let d = std::env::temp_dir().join(format!("resto-e2e-{tag}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

pub const APP_SECRET: &str = "e2e-app-secret";
pub const VERIFY_TOKEN: &str = "e2e-verify-token";

/// Set to `postgres` to run every relay the tests start on a throwaway PostgreSQL cluster
/// (`RELAY_DATABASE_URL`) instead of SQLite: `.ci/run` runs the relay suite both ways.
pub const RELAY_DB_VAR: &str = "RESTO_E2E_RELAY_DB";

/// Whether this run's relays keep their state in PostgreSQL.
pub fn relays_on_postgres() -> bool {
    std::env::var(RELAY_DB_VAR).is_ok_and(|v| v == "postgres")
}

/// A running `resto-relay serve` with its own data directory and port.
pub struct Relay {
    pub dir: PathBuf,
    pub port: u16,
    env: Vec<(String, String)>,
    child: Option<Child>,
    http: reqwest::blocking::Client,
    /// The relay's database server when it runs on PostgreSQL; stopped with the relay.
    _cluster: Option<pg::PgCluster>,
}

impl Relay {
    /// Enforce mode with `APP_SECRET`; `extra` env vars override. On SQLite, or on a
    /// PostgreSQL cluster of its own when `RESTO_E2E_RELAY_DB=postgres`.
    pub fn start(extra: &[(&str, &str)]) -> Relay {
        let pg = relays_on_postgres().then(|| {
            let cluster = pg::PgCluster::start().unwrap_or_else(|e| panic!("{e}"));
            let url = cluster
                .create_database("relay")
                .unwrap_or_else(|e| panic!("{e}"));
            (cluster, url)
        });
        match pg {
            Some((cluster, url)) => Relay::launch(extra, Some(&url), None, Some(cluster)),
            None => Relay::launch(extra, None, None, None),
        }
    }

    /// One relay of a deployment on the PostgreSQL database at `database_url`, with its own
    /// data dir holding a copy of `master_key` (every relay of a deployment has the same one;
    /// None: the first relay, which creates it).
    pub fn start_on(
        database_url: &str,
        master_key: Option<&Path>,
        extra: &[(&str, &str)],
    ) -> Relay {
        Relay::launch(extra, Some(database_url), master_key, None)
    }

    fn launch(
        extra: &[(&str, &str)],
        database_url: Option<&str>,
        master_key: Option<&Path>,
        pg: Option<pg::PgCluster>,
    ) -> Relay {
        let dir = temp_dir("relay");
        if let Some(key) = master_key {
            let copy = dir.join("master.key");
            std::fs::copy(key, &copy).expect("copy master.key");
            std::fs::set_permissions(&copy, std::os::unix::fs::PermissionsExt::from_mode(0o600))
                .expect("chmod master.key");
        }
        // Port 0: the relay binds a free port itself and logs it; `spawn` reads it back and
        // pins it, so a restart comes back on the same address.
        let mut env: Vec<(String, String)> = vec![
            ("RELAY_DATA_DIR".into(), dir.display().to_string()),
            ("RELAY_LISTEN".into(), "127.0.0.1:0".into()),
            ("META_APP_SECRET".into(), APP_SECRET.into()),
            ("META_VERIFY_TOKEN".into(), VERIFY_TOKEN.into()),
            ("META_SIGNATURE_REQUIRED".into(), "enforce".into()),
            ("RELAY_LOG".into(), "info".into()),
        ];
        for (k, v) in extra {
            env.retain(|(ek, _)| ek != k);
            env.push((k.to_string(), v.to_string()));
        }
        // A caller that must know the URL beforehand (RELAY_PUBLIC_URL) picks the port.
        let port = extra
            .iter()
            .find(|(k, _)| *k == "RELAY_LISTEN")
            .and_then(|(_, v)| v.rsplit(':').next()?.parse().ok())
            .unwrap_or(0);
        if let Some(url) = database_url {
            env.push(("RELAY_DATABASE_URL".into(), url.to_string()));
        }
        let mut r = Relay {
            dir,
            port,
            env,
            _cluster: pg,
            child: None,
            http: reqwest::blocking::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .expect("http client"),
        };
        r.spawn();
        r
    }

    fn command(&self) -> Command {
        let mut c = Command::new(program("resto-relay"));
        c.env_remove("RELAY_CONFIG");
        for k in [
            "META_APP_SECRET",
            "META_INSTAGRAM_APP_SECRET",
            "ALLOW_QUERY_TOKEN",
            "RELAY_MAX_BODY_BYTES",
        ] {
            c.env_remove(k);
        }
        c.envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        c
    }

    fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("relay.log"))
            .expect("log file");
        let child = self
            .command()
            .arg("serve")
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("spawn resto-relay");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Some(c) = self.child.as_mut() {
                if let Ok(Some(status)) = c.try_wait() {
                    panic!("resto-relay exited with {status}: {}", self.log());
                }
            }
            if self.port == 0 {
                if let Some(port) = listening_port(&self.log(), "resto-relay listening") {
                    self.port = port;
                    self.env.retain(|(k, _)| k != "RELAY_LISTEN");
                    self.env
                        .push(("RELAY_LISTEN".into(), format!("127.0.0.1:{port}")));
                }
                std::thread::sleep(Duration::from_millis(20));
                continue;
            }
            if self.get("/healthz").0 == 200 {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("resto-relay did not answer /healthz: {}", self.log());
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("relay.log")).unwrap_or_default()
    }

    /// The running process's id (for a SIGKILL from another thread: `kill -9`).
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("relay is running").id()
    }

    /// Kills with SIGKILL: no shutdown code runs.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().expect("SIGKILL");
            c.wait().expect("reap");
        }
    }

    pub fn restart(&mut self) {
        self.kill9();
        self.spawn();
    }

    /// Stops with SIGTERM, as systemd does; returns the exit status.
    pub fn stop(&mut self) -> std::process::ExitStatus {
        terminate(self.child.take().expect("relay is running"))
    }

    /// Starts again after `stop` or `kill9`, same data and port.
    pub fn resume(&mut self) {
        self.spawn();
    }

    /// The environment `serve` runs with (data dir, listen address, secrets).
    pub fn env(&self) -> &[(String, String)] {
        &self.env
    }

    /// Runs another subcommand with the same environment.
    pub fn cli(&self, args: &[&str]) -> Output {
        self.command().args(args).output().expect("run resto-relay")
    }

    pub fn add_node(&self, name: &str) -> String {
        self.enroll_node(name).0
    }

    /// `node add --json`: (node_id, node_secret).
    pub fn enroll_node(&self, name: &str) -> (String, String) {
        let out = self.cli(&["node", "add", name, "--json"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("node add --json");
        (
            v["node_id"].as_str().expect("node_id").to_string(),
            v["node_secret"].as_str().expect("node_secret").to_string(),
        )
    }

    /// A v1-signed GET from a node (DESIGN §3), with `timestamp` defaulting to now.
    pub fn node_get(
        &self,
        node_id: &str,
        secret: &str,
        path_and_query: &str,
        timestamp: Option<i64>,
        timeout: Duration,
    ) -> Result<(u16, serde_json::Value), reqwest::Error> {
        self.node_request(
            "GET",
            node_id,
            secret,
            path_and_query,
            Vec::new(),
            timestamp,
            timeout,
        )
    }

    /// A v1-signed POST of a JSON body from a node.
    pub fn node_post(
        &self,
        node_id: &str,
        secret: &str,
        path: &str,
        body: &serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let body = body.to_string().into_bytes();
        self.node_request(
            "POST",
            node_id,
            secret,
            path,
            body,
            None,
            Duration::from_secs(20),
        )
        .expect("POST")
    }

    #[allow(clippy::too_many_arguments)]
    fn node_request(
        &self,
        method: &str,
        node_id: &str,
        secret: &str,
        path_and_query: &str,
        body: Vec<u8>,
        timestamp: Option<i64>,
        timeout: Duration,
    ) -> Result<(u16, serde_json::Value), reqwest::Error> {
        let ts = timestamp.unwrap_or_else(|| chrono::Utc::now().timestamp());
        let sig = resto_sync::signing::sign_request(secret, method, path_and_query, ts, &body);
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let r = reqwest::blocking::Client::builder()
            .timeout(timeout)
            .build()?
            .request(method, self.url(path_and_query))
            .body(body)
            .header("content-type", "application/json")
            .header("x-resto-node", node_id)
            .header("x-resto-timestamp", ts.to_string())
            .header("x-resto-signature", sig)
            .send()?;
        let status = r.status().as_u16();
        Ok((status, r.json().unwrap_or(serde_json::Value::Null)))
    }

    pub fn add_route(&self, provider: &str, account: &str, node: &str) {
        self.route_add(provider, account, node, None);
    }

    /// `route add … --access-token-file`, the token written to a file first as an operator would.
    pub fn add_route_with_token(&self, provider: &str, account: &str, node: &str, token: &str) {
        self.route_add(provider, account, node, Some(token));
    }

    fn route_add(&self, provider: &str, account: &str, node: &str, token: Option<&str>) {
        let mut args = vec![
            "route".to_string(),
            "add".into(),
            "--provider".into(),
            provider.into(),
            "--account".into(),
            account.into(),
            "--node".into(),
            node.into(),
        ];
        if let Some(token) = token {
            let file = self.dir.join(format!("token-{provider}-{account}"));
            std::fs::write(&file, token).expect("token file");
            args.push("--access-token-file".into());
            args.push(file.display().to_string());
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = self.cli(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Routes every account id that appears in the shared fixtures to one node.
    pub fn route_fixture_accounts(&self) -> String {
        let node = self.add_node("fixtures");
        for a in ["109876543210987", "109876543210988", "109876543299001"] {
            self.add_route("wa", a, &node);
        }
        self.add_route("ig", "17841400000000001", &node);
        for a in ["107654321098765", "107654321098766"] {
            self.add_route("msg", a, &node);
        }
        node
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn get(&self, path: &str) -> (u16, String) {
        match self.http.get(self.url(path)).send() {
            Ok(r) => (r.status().as_u16(), r.text().unwrap_or_default()),
            Err(_) => (0, String::new()),
        }
    }

    pub fn post_raw(&self, path: &str, body: Vec<u8>, signature: Option<&str>) -> (u16, String) {
        let mut req = self
            .http
            .post(self.url(path))
            .header("content-type", "application/json")
            .body(body);
        if let Some(s) = signature {
            req = req.header("x-hub-signature-256", s);
        }
        let r = req.send().expect("POST");
        (r.status().as_u16(), r.text().unwrap_or_default())
    }

    /// A signed webhook as Meta sends it, or the transport error (refused, reset) a relay
    /// that is down gives: Meta retries those.
    pub fn try_post_signed(&self, body: &[u8]) -> Result<u16, reqwest::Error> {
        let r = self
            .http
            .post(self.url("/webhooks/meta"))
            .header("content-type", "application/json")
            .header("x-hub-signature-256", sign(APP_SECRET, body))
            .body(body.to_vec())
            .send()?;
        Ok(r.status().as_u16())
    }

    pub fn post_webhook(&self, body: &[u8], signature: Option<&str>) -> (u16, String) {
        self.post_raw("/webhooks/meta", body.to_vec(), signature)
    }

    pub fn post_signed(&self, body: &[u8]) -> (u16, serde_json::Value) {
        let (s, b) = self.post_webhook(body, Some(&sign(APP_SECRET, body)));
        (
            s,
            serde_json::from_str(&b).unwrap_or(serde_json::Value::Null),
        )
    }

    /// `RELAY_DATABASE_URL`, when this relay runs on PostgreSQL.
    pub fn database_url(&self) -> Option<&str> {
        self.env
            .iter()
            .find(|(k, _)| k == "RELAY_DATABASE_URL")
            .map(|(_, v)| v.as_str())
    }

    pub fn on_postgres(&self) -> bool {
        self.database_url().is_some()
    }

    /// relay.db, for the tests of what only SQLite has (backup, restore, the file itself).
    pub fn db(&self) -> Connection {
        assert!(
            !self.on_postgres(),
            "this test reads relay.db, which a relay on PostgreSQL does not have: read through `rows`"
        );
        Connection::open_with_flags(self.dir.join("relay.db"), OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open relay.db read-only")
    }

    /// Rows of one query on the relay's database, whichever backend it runs on; each column
    /// as text, None for NULL. Write SQL both dialects accept.
    pub fn rows(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        if let Some(url) = self.database_url() {
            return pg::psql_rows(url, sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
        let db = self.db();
        let mut st = db.prepare(sql).expect(sql);
        let n = st.column_count();
        let rows = st
            .query_map([], |r| {
                (0..n)
                    .map(|i| {
                        Ok(match r.get_ref(i)? {
                            rusqlite::types::ValueRef::Null => None,
                            rusqlite::types::ValueRef::Integer(v) => Some(v.to_string()),
                            rusqlite::types::ValueRef::Real(v) => Some(v.to_string()),
                            rusqlite::types::ValueRef::Text(t)
                            | rusqlite::types::ValueRef::Blob(t) => {
                                Some(String::from_utf8_lossy(t).into_owned())
                            }
                        })
                    })
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .expect(sql);
        rows.map(|r| r.expect("row")).collect()
    }

    /// The first column of the first row (None when there is no row or it is NULL).
    pub fn scalar(&self, sql: &str) -> Option<String> {
        self.rows(sql)
            .into_iter()
            .next()
            .and_then(|r| r.into_iter().next().flatten())
    }

    pub fn count(&self, sql: &str) -> i64 {
        self.scalar(sql)
            .unwrap_or_else(|| panic!("{sql}: no value"))
            .parse()
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// Rows stored as messages anywhere (routed or parked).
    pub fn stored_events(&self) -> i64 {
        self.count("SELECT (SELECT count(*) FROM events) + (SELECT count(*) FROM unrouted_events)")
    }

    pub fn security_events(&self) -> Vec<(String, String)> {
        self.rows("SELECT type, reason FROM security_events ORDER BY id")
            .into_iter()
            .map(|r| (text(&r, 0), text(&r, 1)))
            .collect()
    }

    pub fn has_security_event(&self, kind: &str) -> bool {
        self.security_events().iter().any(|(t, _)| t == kind)
    }

    /// Payloads of the node log, in seq order.
    pub fn events(&self) -> Vec<(String, serde_json::Value)> {
        self.rows("SELECT kind, payload FROM events ORDER BY node_id, seq")
            .into_iter()
            .map(|r| {
                let payload = text(&r, 1);
                (
                    text(&r, 0),
                    serde_json::from_str(&payload).expect("payload is JSON"),
                )
            })
            .collect()
    }

    pub fn metrics(&self) -> String {
        let (s, body) = self.get("/metrics");
        assert_eq!(s, 200);
        body
    }

    /// The current value of one Prometheus series, e.g. `resto_duplicates_total` or
    /// `resto_inbound_messages_total{provider="wa",kind="text"}`.
    pub fn metric(&self, series: &str) -> Option<f64> {
        metric_value(&self.metrics(), series)
    }
}

/// A time as either backend prints it: RFC 3339 text (SQLite) or a `timestamptz`
/// (PostgreSQL, `2026-12-05 10:00:00.123+00`).
pub fn parse_db_time(s: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(s)
        .or_else(|_| chrono::DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f%#z"))
        .unwrap_or_else(|e| panic!("{s:?} is not a time: {e}"))
        .with_timezone(&chrono::Utc)
}

/// Column `i` of a row from `Relay::rows`, NULL as "".
pub fn text(row: &[Option<String>], i: usize) -> String {
    row.get(i).cloned().flatten().unwrap_or_default()
}

/// Value of the series named exactly `series` (name plus labels as printed) in Prometheus text.
pub fn metric_value(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.rsplit_once(' '))
        .find(|(name, _)| name.trim() == series)
        .and_then(|(_, v)| v.trim().parse().ok())
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.kill9();
        if std::thread::panicking() {
            // Keep the data dir and show the relay's own account of what happened.
            let log = self.log();
            let tail: Vec<&str> = log.lines().rev().take(40).collect();
            eprintln!(
                "--- resto-relay log ({}), last {} lines ---",
                self.dir.join("relay.log").display(),
                tail.len()
            );
            for l in tail.iter().rev() {
                eprintln!("{l}");
            }
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Now, as Meta stamps a message it delivers (epoch seconds): replies to older messages fall
/// outside the 24-hour window and are held by the relay.
pub fn meta_timestamp_now() -> String {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string()
}

/// A WhatsApp text webhook for `phone_number_id` with a caller-chosen wamid, sent now.
pub fn wa_text(phone_number_id: &str, wamid: &str, text: &str) -> Vec<u8> {
    serde_json::json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "104857600012345", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "213555010000", "phone_number_id": phone_number_id},
            "contacts": [{"profile": {"name": "Yacine"}, "wa_id": "213555010101"}],
            "messages": [{"from": "213555010101", "id": wamid, "timestamp": meta_timestamp_now(),
                          "type": "text", "text": {"body": text}}]
        }}]}]
    })
    .to_string()
    .into_bytes()
}

/// One WhatsApp webhook for `phone_number_id` carrying `texts` from `from`, sent now, with
/// wamids `wamid.<from>.<first_id + i>`.
pub fn wa_texts(phone_number_id: &str, from: &str, first_id: usize, texts: &[&str]) -> Vec<u8> {
    let ts = meta_timestamp_now();
    let messages: Vec<serde_json::Value> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| serde_json::json!({"from": from, "id": format!("wamid.{from}.{}", first_id + i), "timestamp": ts, "type": "text", "text": {"body": t}}))
        .collect();
    serde_json::json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "104857600012345", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "213555010000", "phone_number_id": phone_number_id},
            "contacts": [{"profile": {"name": "Client"}, "wa_id": from}],
            "messages": messages
        }}]}]
    })
    .to_string()
    .into_bytes()
}

/// SIGTERM, then waits (generously) for the process to exit; SIGKILL if it never does.
pub fn terminate(mut child: Child) -> std::process::ExitStatus {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return status;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    panic!("process {} did not exit within 60 s of SIGTERM", child.id());
}

/// Polls `cond` every 20 ms until it holds or `secs` pass: synchronisation, not a speed check.
pub fn wait_until(secs: u64, what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if cond() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("timed out after {secs} s waiting for: {what}");
}

/// A running `resto-edge run`, enrolled with a relay, with its own data directory.
pub struct Edge {
    pub dir: PathBuf,
    /// Address of its status/metrics (and later console) listener.
    pub console: String,
    child: Option<Child>,
    env: Vec<(String, String)>,
}

impl Edge {
    /// Enrolls (writing the secret to a file first, as a technician would) and starts it.
    pub fn enroll_and_start(relay_url: &str, node_id: &str, secret: &str) -> Edge {
        Edge::enroll_and_start_with(relay_url, node_id, secret, &[])
    }

    /// As `enroll_and_start`, with extra environment for `resto-edge run`.
    pub fn enroll_and_start_with(
        relay_url: &str,
        node_id: &str,
        secret: &str,
        env: &[(&str, &str)],
    ) -> Edge {
        let dir = temp_dir("edge");
        let secret_file = dir.join("node.secret");
        std::fs::write(&secret_file, secret).expect("secret file");
        let out = Command::new(program("resto-edge"))
            .env("EDGE_DATA_DIR", &dir)
            .args([
                "enroll",
                "--relay",
                relay_url,
                "--node-id",
                node_id,
                "--secret-file",
            ])
            .arg(&secret_file)
            .output()
            .expect("resto-edge enroll");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // Port 0 as for the relay: `spawn` reads the console's address back from the log.
        let console = "127.0.0.1:0".to_string();
        let mut env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        env.push(("EDGE_CONSOLE_LISTEN".into(), console.clone()));
        let mut e = Edge {
            dir,
            console,
            child: None,
            env,
        };
        e.spawn();
        e
    }

    fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("edge.log"))
            .expect("log");
        let child = Command::new(program("resto-edge"))
            .env("EDGE_DATA_DIR", &self.dir)
            .env("EDGE_LOG", "info")
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .arg("run")
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("spawn resto-edge");
        self.child = Some(child);
        if self.console.ends_with(":0") {
            let mut port = None;
            wait_until(60, "resto-edge says where its console listens", || {
                port = listening_port(&self.log(), "staff console listening");
                port.is_some()
            });
            self.console = format!("127.0.0.1:{}", port.expect("console port"));
            self.env.retain(|(k, _)| k != "EDGE_CONSOLE_LISTEN");
            self.env
                .push(("EDGE_CONSOLE_LISTEN".into(), self.console.clone()));
        }
        // Ready once every migration ran and the listener is up (what READY=1 means).
        let healthz = format!("http://{}/healthz", self.console);
        wait_until(60, "resto-edge answers /healthz", || {
            reqwest::blocking::get(&healthz).is_ok_and(|r| r.status().is_success())
        });
        // The console listens only after every migration ran: a CLI started now (menu import,
        // staff add) does not race the daemon's migrations.
        wait_until(30, "resto-edge serves its console", || {
            std::net::TcpStream::connect(&self.console).is_ok()
        });
    }

    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn restart(&mut self) {
        self.kill9();
        self.spawn();
    }

    /// Stops with SIGTERM, as systemd does; returns the exit status.
    pub fn stop(&mut self) -> std::process::ExitStatus {
        terminate(self.child.take().expect("edge is running"))
    }

    /// Starts again after `stop` or `kill9`, same data.
    pub fn resume(&mut self) {
        self.spawn();
    }

    /// Runs another subcommand on the same data directory.
    pub fn cli(&self, args: &[&str]) -> Output {
        Command::new(program("resto-edge"))
            .env("EDGE_DATA_DIR", &self.dir)
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .args(args)
            .output()
            .expect("run resto-edge")
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("edge.log")).unwrap_or_default()
    }

    /// A read-write connection, as the engine would use (WAL: safe beside the daemon).
    pub fn db(&self) -> Connection {
        let c = Connection::open(self.dir.join("edge.db")).expect("edge.db");
        c.busy_timeout(Duration::from_secs(5))
            .expect("busy timeout");
        c
    }

    pub fn count(&self, sql: &str) -> i64 {
        self.db().query_row(sql, [], |r| r.get(0)).unwrap_or(-1)
    }
}

impl Drop for Edge {
    fn drop(&mut self) {
        self.kill9();
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// The demo menu, open around the clock so tests pass at any hour.
pub fn always_open_menu(dir: &Path) -> PathBuf {
    let mut m: serde_json::Value = serde_json::from_slice(
        &std::fs::read(meta_fixtures().join("../menus/demo_menu.json")).expect("demo menu"),
    )
    .expect("demo menu json");
    m["restaurant"]["opening_hours"] = serde_json::json!([{"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "open": "00:00", "close": "24:00"}]);
    let path = dir.join("menu.json");
    std::fs::write(&path, serde_json::to_vec(&m).expect("json")).expect("write menu");
    path
}

impl Edge {
    /// `resto-edge menu import` of the always-open demo menu, as a technician would.
    pub fn import_menu(&self) {
        let out = Command::new(program("resto-edge"))
            .env("EDGE_DATA_DIR", &self.dir)
            .args(["menu", "import"])
            .arg(always_open_menu(&self.dir))
            .output()
            .expect("menu import");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
