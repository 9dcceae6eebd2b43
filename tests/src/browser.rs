//! A real headless Chromium (Debian's `chromium` package) driven over the DevTools protocol:
//! a tiny blocking client on a websocket, enough to load pages, run script in them, wait for
//! what a user would see, and take screenshots.

use serde_json::{json, Value};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tungstenite::{Message, WebSocket};

/// The browser binary: `CHROMIUM` if set, else Debian's (the real one, not the shell wrapper).
fn chromium_binary() -> PathBuf {
    if let Ok(p) = std::env::var("CHROMIUM") {
        return PathBuf::from(p);
    }
    for p in ["/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser"] {
        if Path::new(p).exists() {
            return PathBuf::from(p);
        }
    }
    panic!("Chromium is not installed: `apt-get install -y chromium` (or set CHROMIUM=/path/to/chrome)");
}

pub struct Browser {
    child: Child,
    profile: PathBuf,
    ws: WebSocket<TcpStream>,
    next_id: u64,
}

impl Browser {
    /// Starts Chromium with a fresh profile and opens one tab of `width`×`height` CSS pixels.
    pub fn start(width: u32, height: u32) -> Browser {
        let profile = crate::temp_dir("chromium");
        let child = Command::new(chromium_binary())
            .args([
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                "--disable-background-networking",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                &format!("--window-size={width},{height}"),
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(profile.join("chromium.log")).map(Stdio::from).unwrap_or(Stdio::null()))
            .spawn()
            .expect("start chromium");
        // Chromium writes the port it chose to DevToolsActivePort once it listens.
        let port_file = profile.join("DevToolsActivePort");
        let mut port = String::new();
        crate::wait_until(60, "Chromium opened its DevTools port", || {
            port = std::fs::read_to_string(&port_file)
                .ok()
                .and_then(|s| s.lines().next().map(str::to_string))
                .unwrap_or_default();
            !port.is_empty()
        });
        let list: Value = {
            let mut got = Value::Null;
            crate::wait_until(30, "Chromium lists its tab", || {
                got = reqwest::blocking::get(format!("http://127.0.0.1:{port}/json/list"))
                    .and_then(|r| r.json())
                    .unwrap_or(Value::Null);
                got.as_array().is_some_and(|a| a.iter().any(|t| t["type"] == "page"))
            });
            got
        };
        let ws_url = list
            .as_array()
            .and_then(|a| a.iter().find(|t| t["type"] == "page"))
            .and_then(|t| t["webSocketDebuggerUrl"].as_str())
            .expect("a page target")
            .to_string();
        let stream = TcpStream::connect(format!("127.0.0.1:{port}")).expect("devtools socket");
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .expect("timeout");
        let (ws, _) = tungstenite::client(ws_url.as_str(), stream).expect("devtools websocket");
        let mut b = Browser {
            child,
            profile,
            ws,
            next_id: 0,
        };
        b.call("Page.enable", json!({}));
        b.call("Runtime.enable", json!({}));
        b.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false}),
        );
        b
    }

    /// One DevTools command; events arriving meanwhile are dropped.
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.ws
            .send(Message::text(json!({"id": id, "method": method, "params": params}).to_string()))
            .expect("send devtools command");
        loop {
            let msg = self.ws.read().expect("devtools answer");
            let Message::Text(text) = msg else { continue };
            let v: Value = serde_json::from_str(text.as_str()).unwrap_or(Value::Null);
            if v["id"].as_u64() == Some(id) {
                if let Some(e) = v.get("error") {
                    panic!("{method} failed: {e}");
                }
                return v["result"].clone();
            }
        }
    }

    pub fn goto(&mut self, url: &str) {
        self.call("Page.navigate", json!({"url": url}));
        self.wait_for("document.readyState === 'complete' && location.href.startsWith('http')", "the page loaded");
    }

    /// Runs `expr` in the page (promises awaited) and returns its value.
    pub fn eval(&mut self, expr: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({"expression": expr, "awaitPromise": true, "returnByValue": true, "userGesture": true}),
        );
        if let Some(ex) = r.get("exceptionDetails") {
            panic!("script failed: {expr}\n{ex}");
        }
        r["result"]["value"].clone()
    }

    /// Waits until `expr` is true in the page, as a user would wait for it to show.
    pub fn wait_for(&mut self, expr: &str, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(45);
        loop {
            if self.eval(&format!("!!({expr})")) == Value::Bool(true) {
                return;
            }
            if Instant::now() > deadline {
                let body = self.eval("document.body ? document.body.innerText.slice(0, 3000) : ''");
                panic!("timed out waiting for: {what}\npage text:\n{}", body.as_str().unwrap_or_default());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Types into an input as a user would (value set, input event fired).
    pub fn fill(&mut self, selector: &str, value: &str) {
        let ok = self.eval(&format!(
            "(() => {{ const e = document.querySelector({s}); if (!e) return false; e.focus(); e.value = {v}; \
             e.dispatchEvent(new Event('input', {{bubbles: true}})); e.dispatchEvent(new Event('change', {{bubbles: true}})); return true; }})()",
            s = json!(selector),
            v = json!(value)
        ));
        assert_eq!(ok, Value::Bool(true), "no element {selector}");
    }

    /// Clicks the element, which must be visible.
    pub fn click(&mut self, selector: &str) {
        let ok = self.eval(&format!(
            "(() => {{ const e = document.querySelector({s}); if (!e || e.offsetParent === null) return false; e.click(); return true; }})()",
            s = json!(selector)
        ));
        assert_eq!(ok, Value::Bool(true), "no visible element {selector}");
    }

    pub fn text(&mut self, selector: &str) -> String {
        self.eval(&format!(
            "(() => {{ const e = document.querySelector({}); return e ? e.innerText : ''; }})()",
            json!(selector)
        ))
        .as_str()
        .unwrap_or_default()
        .to_string()
    }

    /// Saves a PNG of the viewport to `path`.
    pub fn screenshot(&mut self, path: &Path) {
        use base64::Engine;
        let r = self.call("Page.captureScreenshot", json!({"format": "png"}));
        let png = base64::engine::general_purpose::STANDARD
            .decode(r["data"].as_str().expect("screenshot data"))
            .expect("base64 png");
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("artefact dir");
        }
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

/// Where test artefacts go: `$CARGO_TARGET_DIR/artefacts` (or `target/artefacts`).
pub fn artefact(name: &str) -> PathBuf {
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("artefacts").join(name)
}
