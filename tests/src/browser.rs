//! A real headless Chromium driven over the DevTools protocol: a tiny client (one page, JSON
//! commands over a WebSocket) so the console is tested in the browser staff actually use.
//! Debian's `chromium` package provides the browser; `RESTO_CHROMIUM` overrides its path.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

pub struct Browser {
    child: Child,
    ws: WebSocket<MaybeTlsStream<TcpStream>>,
    next_id: u64,
    profile: PathBuf,
}

/// The browser: `RESTO_CHROMIUM` if set, else Debian's real binary (not the shell wrapper).
fn chromium_binary() -> PathBuf {
    if let Ok(p) = std::env::var("RESTO_CHROMIUM") {
        return PathBuf::from(p);
    }
    ["/usr/lib/chromium/chromium", "/usr/bin/chromium"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from("chromium"))
}

/// Where tests leave files for people to look at (screenshots): `<target>/artefacts`.
pub fn artefacts_dir() -> PathBuf {
    let target = match std::env::var("CARGO_TARGET_DIR") {
        Ok(d) => PathBuf::from(d),
        Err(_) => std::env::current_exe()
            .expect("current_exe")
            .ancestors()
            .nth(3)
            .expect("test binary lives in target/<profile>/deps")
            .to_path_buf(),
    };
    let d = target.join("artefacts");
    std::fs::create_dir_all(&d).expect("artefacts dir");
    d
}

impl Browser {
    /// Starts Chromium headless with a fresh profile, tablet-sized window.
    pub fn launch() -> Browser {
        let exe = chromium_binary();
        let profile = crate::temp_dir("chromium");
        let mut child = Command::new(&exe)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                "--disable-background-networking",
                "--disable-sync",
                "--mute-audio",
                "--window-size=1280,800",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start {}: {e}; install it with `apt-get install -y chromium`",
                    exe.display()
                )
            });
        // Chromium prints the DevTools address on stderr; keep draining it afterwards so a full
        // pipe never blocks the browser.
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("DevTools listening on ").nth(1) {
                    if let Some(tx) = tx.take() {
                        let _ = tx.send(rest.trim().to_string());
                    }
                }
            }
        });
        let browser_ws = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("Chromium printed its DevTools address");
        let port = browser_ws
            .trim_start_matches("ws://")
            .split(['/', ':'])
            .nth(1)
            .expect("DevTools port")
            .to_string();
        let list: Value = reqwest::blocking::get(format!("http://127.0.0.1:{port}/json/list"))
            .and_then(|r| r.json())
            .expect("DevTools target list");
        let page_ws = list
            .as_array()
            .and_then(|a| a.iter().find(|t| t["type"] == "page"))
            .and_then(|t| t["webSocketDebuggerUrl"].as_str())
            .expect("a page target")
            .to_string();
        let (ws, _) = tungstenite::connect(page_ws.as_str()).expect("connect to the page");
        if let MaybeTlsStream::Plain(s) = ws.get_ref() {
            s.set_read_timeout(Some(Duration::from_secs(60)))
                .expect("read timeout");
        }
        let mut b = Browser {
            child,
            ws,
            next_id: 0,
            profile,
        };
        b.call("Page.enable", json!({}));
        b.call("Runtime.enable", json!({}));
        b
    }

    /// One DevTools command; events arriving meanwhile are skipped.
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let msg = json!({"id": id, "method": method, "params": params}).to_string();
        self.ws.send(Message::text(msg)).expect("send to Chromium");
        loop {
            let m = self.ws.read().expect("read from Chromium");
            let Message::Text(t) = m else { continue };
            let v: Value = serde_json::from_str(t.as_str()).expect("DevTools JSON");
            if v["id"].as_u64() == Some(id) {
                if let Some(e) = v.get("error") {
                    panic!("{method} failed: {e}");
                }
                return v["result"].clone();
            }
        }
    }

    /// Evaluates `js` in the page (awaiting a promise) and returns its value.
    pub fn eval(&mut self, js: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({"expression": js, "returnByValue": true, "awaitPromise": true}),
        );
        if let Some(e) = r.get("exceptionDetails") {
            panic!("script {js:?} threw: {e}");
        }
        r["result"]["value"].clone()
    }

    /// Opens the staff console at `console` (host:port) and logs in as `name`; returns once
    /// the console shows.
    pub fn log_in(&mut self, console: &str, name: &str, password: &str) {
        self.goto(&format!("http://{console}/"));
        self.wait_for(
            "the login form",
            "!document.getElementById('login-view').classList.contains('hidden')",
        );
        self.fill("#login-name", name);
        self.fill("#login-password", password);
        self.click("#login-submit");
        self.wait_for(
            "the console after logging in",
            "!document.getElementById('app-view').classList.contains('hidden')",
        );
    }

    pub fn goto(&mut self, url: &str) {
        self.call("Page.navigate", json!({"url": url}));
        self.wait_for("the page loaded", "document.readyState === 'complete'");
    }

    /// Waits (generously: the machine is shared) until `js` is true in the page.
    pub fn wait_for(&mut self, what: &str, js: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if self.eval(&format!("!!({js})")) == Value::Bool(true) {
                return;
            }
            if Instant::now() > deadline {
                let body = self.eval("document.body ? document.body.innerText : ''");
                panic!("timed out waiting for {what}; the page shows:\n{body}");
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Clicks the element `selector` once it exists.
    pub fn click(&mut self, selector: &str) {
        let sel = serde_json::to_string(selector).expect("json");
        self.wait_for(
            &format!("{selector} to be on the page"),
            &format!("document.querySelector({sel})"),
        );
        self.eval(&format!("document.querySelector({sel}).click()"));
    }

    /// Types `value` into the field `selector`, as input events.
    pub fn fill(&mut self, selector: &str, value: &str) {
        let sel = serde_json::to_string(selector).expect("json");
        let val = serde_json::to_string(value).expect("json");
        self.wait_for(
            &format!("{selector} to be on the page"),
            &format!("document.querySelector({sel})"),
        );
        self.eval(&format!(
            "(() => {{ const e = document.querySelector({sel}); e.focus(); e.value = {val}; \
             e.dispatchEvent(new Event('input', {{bubbles: true}})); }})()"
        ));
    }

    pub fn text(&mut self, selector: &str) -> String {
        let sel = serde_json::to_string(selector).expect("json");
        self.eval(&format!(
            "(document.querySelector({sel}) || {{}}).innerText || ''"
        ))
        .as_str()
        .unwrap_or_default()
        .to_string()
    }

    /// Lays the page out as on a screen of `width`×`height` CSS pixels (a phone, a tablet).
    pub fn resize(&mut self, width: u32, height: u32, mobile: bool) {
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile}),
        );
    }

    /// Saves a PNG of the page.
    pub fn screenshot(&mut self, path: &Path) {
        use base64::Engine;
        let r = self.call("Page.captureScreenshot", json!({"format": "png"}));
        let png = base64::engine::general_purpose::STANDARD
            .decode(r["data"].as_str().expect("screenshot data"))
            .expect("base64 png");
        std::fs::write(path, png).expect("write screenshot");
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}
