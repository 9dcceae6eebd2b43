//! A stand-in for Meta's Graph API (the one service this machine cannot reach): a real HTTP
//! server on 127.0.0.1 that answers `POST /{version}/{id}/messages` the way Meta documents
//! (META_PROTOCOL §7) and records what it received. Replies can be scripted per request.

use serde_json::{json, Value};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Instant;

#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub authorization: Option<String>,
    pub body: Value,
    pub at: Instant,
}

/// A scripted answer: status, extra headers, body (`None` = Meta's documented success).
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

impl Reply {
    pub fn error(status: u16, code: i64, message: &str) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: Some(json!({"error": {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "Afake"}}).to_string()),
        }
    }
    pub fn with_header(mut self, k: &str, v: &str) -> Reply {
        self.headers.push((k.into(), v.into()));
        self
    }
}

#[derive(Default)]
struct State {
    received: Vec<Received>,
    script: VecDeque<Reply>,
    sent: u64,
}

pub struct FakeGraph {
    pub base: String,
    state: Arc<Mutex<State>>,
}

impl FakeGraph {
    pub fn start() -> FakeGraph {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind fake graph");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let state = Arc::new(Mutex::new(State::default()));
        let st = state.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let st = st.clone();
                std::thread::spawn(move || serve(conn, st));
            }
        });
        FakeGraph { base, state }
    }

    /// The value for META_GRAPH_URL.
    pub fn graph_url(&self) -> String {
        format!("{}/v25.0", self.base)
    }

    pub fn push(&self, reply: Reply) {
        self.state.lock().unwrap().script.push_back(reply);
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.lock().unwrap().received.clone()
    }
}

fn serve(conn: TcpStream, state: Arc<Mutex<State>>) {
    let mut reader = BufReader::new(conn.try_clone().expect("clone"));
    let mut conn = conn;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
        let (mut len, mut auth) = (0usize, None);
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                match k.trim().to_ascii_lowercase().as_str() {
                    "content-length" => len = v.trim().parse().unwrap_or(0),
                    "authorization" => auth = Some(v.trim().to_string()),
                    _ => {}
                }
            }
        }
        let mut body = vec![0u8; len];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let reply = {
            let mut s = state.lock().unwrap();
            s.received.push(Received {
                path,
                authorization: auth,
                body: body.clone(),
                at: Instant::now(),
            });
            let reply = s.script.pop_front();
            s.sent += 1;
            let n = s.sent;
            reply
                .unwrap_or(Reply {
                    status: 200,
                    headers: Vec::new(),
                    body: None,
                })
                .body_or(|| success(&body, n))
        };
        let mut out = format!(
            "HTTP/1.1 {} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
            reply.0.status,
            reply.1.len()
        );
        for (k, v) in &reply.0.headers {
            out.push_str(&format!("{k}: {v}\r\n"));
        }
        out.push_str("\r\n");
        out.push_str(&reply.1);
        if conn.write_all(out.as_bytes()).is_err() {
            return;
        }
    }
}

trait BodyOr {
    fn body_or(self, f: impl FnOnce() -> String) -> (Reply, String);
}
impl BodyOr for Reply {
    fn body_or(self, f: impl FnOnce() -> String) -> (Reply, String) {
        let b = self.body.clone().unwrap_or_else(f);
        (self, b)
    }
}

/// Meta's documented success bodies: WhatsApp Cloud API, or the Messenger/Instagram Send API.
fn success(req: &Value, n: u64) -> String {
    if req["messaging_product"] == "whatsapp" {
        let to = req["to"]
            .as_str()
            .or_else(|| req["recipient"].as_str())
            .unwrap_or("");
        json!({"messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": to}],
               "messages": [{"id": format!("wamid.FAKE{n}")}]})
        .to_string()
    } else {
        json!({"recipient_id": req["recipient"]["id"], "message_id": format!("m_FAKE{n}")})
            .to_string()
    }
}
