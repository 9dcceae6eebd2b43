//! Driving the edge's staff console over HTTP, as its pages do: accounts made with the real
//! `resto-edge staff add`, a session cookie, the CSRF header on changes.

pub use crate::always_open_menu;
use crate::{program, Edge, Relay};
use std::io::Write;
use std::process::{Command, Stdio};

/// A relay and an enrolled edge with the always-open demo menu, the owner `karim` (password
/// `owner-secret-1`) and the staff member `amina` (PIN `4821`).
pub fn edge_with_staff() -> (Relay, Edge) {
    let relay = Relay::start(&[]);
    let (node, secret) = relay.enroll_node("pizzeria");
    let edge = Edge::enroll_and_start(&relay.url(""), &node, &secret);
    import_menu(&edge);
    add_staff(&edge, "karim", "owner", "owner-secret-1");
    add_staff(&edge, "amina", "staff", "4821");
    (relay, edge)
}

/// `resto-edge menu import` of the always-open demo menu, once the daemon finished its own
/// migrations (two processes migrating a fresh database at once would race).
pub fn import_menu(edge: &Edge) {
    ConsoleClient::connect(edge).wait_ready();
    edge.import_menu();
}

/// `resto-edge staff add NAME --role ROLE`, the password on standard input.
pub fn add_staff(edge: &Edge, name: &str, role: &str, password: &str) {
    let mut child = Command::new(program("resto-edge"))
        .env("EDGE_DATA_DIR", &edge.dir)
        .args(["staff", "add", name, "--role", role])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("staff add");
    writeln!(child.stdin.take().expect("stdin"), "{password}").expect("write password");
    let out = child.wait_with_output().expect("staff add");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

pub struct Response {
    pub status: u16,
    pub body: serde_json::Value,
    pub set_cookie: Option<String>,
}

/// A logged-in (or not) console user.
pub struct ConsoleClient {
    pub base: String,
    pub cookie: Option<String>,
    pub csrf: Option<String>,
    http: reqwest::blocking::Client,
}

impl ConsoleClient {
    /// Waits until the console answers (the daemon starts it after migrating).
    pub fn new(edge: &Edge) -> ConsoleClient {
        let c = ConsoleClient::connect(edge);
        c.wait_ready();
        c
    }

    /// A client logged in as `name`; fails the test if the login is refused.
    pub fn logged_in(edge: &Edge, name: &str, password: &str) -> ConsoleClient {
        let mut c = ConsoleClient::new(edge);
        let r = c.login(name, password);
        assert_eq!(r.status, 200, "login {name}: {:?}", r.body);
        c
    }

    pub fn wait_ready(&self) {
        crate::wait_until(30, "the console answers /healthz", || {
            self.http
                .get(format!("{}/healthz", self.base))
                .send()
                .is_ok_and(|r| r.status().is_success())
        });
    }

    fn connect(edge: &Edge) -> ConsoleClient {
        ConsoleClient {
            base: format!("http://{}", edge.console),
            cookie: None,
            csrf: None,
            http: reqwest::blocking::Client::builder()
                .timeout(std::time::Duration::from_secs(30))
                .build()
                .expect("client"),
        }
    }

    fn send(&self, req: reqwest::blocking::RequestBuilder, csrf: bool) -> Response {
        let mut req = req;
        if let Some(c) = &self.cookie {
            req = req.header("Cookie", c);
        }
        if csrf {
            if let Some(t) = &self.csrf {
                req = req.header("X-CSRF-Token", t);
            }
        }
        let r = req.send().expect("console request");
        let status = r.status().as_u16();
        let set_cookie = r
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let text = r.text().unwrap_or_default();
        Response {
            status,
            body: serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
            set_cookie,
        }
    }

    pub fn login(&mut self, name: &str, password: &str) -> Response {
        let r = self.send(
            self.http
                .post(format!("{}/api/login", self.base))
                .json(&serde_json::json!({"name": name, "password": password})),
            false,
        );
        if r.status == 200 {
            let c = r.set_cookie.clone().expect("a session cookie");
            self.cookie = Some(c.split(';').next().unwrap_or_default().to_string());
            self.csrf = r.body["csrf"].as_str().map(str::to_string);
        }
        r
    }

    pub fn get(&self, path: &str) -> Response {
        self.send(self.http.get(format!("{}{path}", self.base)), false)
    }

    /// A change, with the CSRF header.
    pub fn post(&self, path: &str, body: serde_json::Value) -> Response {
        self.send(
            self.http.post(format!("{}{path}", self.base)).json(&body),
            true,
        )
    }

    /// Moves order `id` along the board through `steps`, failing the test at any refusal.
    pub fn move_through(&self, id: i64, steps: &[&str]) {
        for to in steps {
            let r = self.post(
                &format!("/api/orders/{id}/status"),
                serde_json::json!({"to": to}),
            );
            assert_eq!(r.status, 200, "order {id} to {to}: {:?}", r.body);
        }
    }

    /// A deletion, with the CSRF header.
    pub fn delete(&self, path: &str) -> Response {
        self.send(self.http.delete(format!("{}{path}", self.base)), true)
    }

    /// A change without the CSRF header, as a forged cross-site request would be.
    pub fn post_without_csrf(&self, path: &str, body: serde_json::Value) -> Response {
        self.send(
            self.http.post(format!("{}{path}", self.base)).json(&body),
            false,
        )
    }
}
