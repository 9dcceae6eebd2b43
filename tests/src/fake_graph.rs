//! A stand-in for Meta's Graph API (the one service this machine cannot reach): a real HTTP
//! server on 127.0.0.1 that answers `POST /{version}/{id}/messages` the way Meta documents
//! (META_PROTOCOL §7) and records what it received. Replies can be scripted per request, and
//! calls can hang (the request is read, no answer comes) as a stuck Graph call does.

use serde_json::{json, Value};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub authorization: Option<String>,
    pub body: Value,
    pub at: Instant,
    /// When the answer was written (status in `status`); None while the call hangs, or if
    /// it hung until the caller gave up.
    pub answered_at: Option<Instant>,
    pub status: Option<u16>,
}

impl Received {
    /// The WhatsApp recipient (`to`) or Messenger/Instagram `recipient.id`.
    pub fn to(&self) -> &str {
        self.body["to"]
            .as_str()
            .or_else(|| self.body["recipient"]["id"].as_str())
            .or_else(|| self.body["recipient"].as_str())
            .unwrap_or("")
    }

    /// The text of a text message (WhatsApp `text.body`, Messenger `message.text`).
    pub fn text(&self) -> &str {
        self.body["text"]["body"]
            .as_str()
            .or_else(|| self.body["message"]["text"].as_str())
            .unwrap_or("")
    }

    /// Answered with a 2xx (Graph accepted the message).
    pub fn accepted(&self) -> bool {
        self.answered_at.is_some() && self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// A call held without an answer until `release` (see `FakeGraph::hang_first`).
#[derive(Clone)]
pub struct Hang {
    inner: Arc<(Mutex<HangState>, Condvar)>,
}

#[derive(Default)]
struct HangState {
    caught: bool,
    released: bool,
}

impl Hang {
    /// A matching call arrived and is being held.
    pub fn holding(&self) -> bool {
        let s = self.inner.0.lock().unwrap();
        s.caught && !s.released
    }

    /// Answers the held call (with the scripted or the documented success answer).
    pub fn release(&self) {
        self.inner.0.lock().unwrap().released = true;
        self.inner.1.notify_all();
    }

    fn wait(&self) {
        let (m, cv) = &*self.inner;
        let mut s = m.lock().unwrap();
        while !s.released {
            s = cv.wait(s).unwrap();
        }
    }
}

type Matcher = Box<dyn Fn(&Value) -> bool + Send>;

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
    /// WhatsApp read receipts, kept apart from the messages (see `read_receipts`).
    read_receipts: Vec<Received>,
    /// Read receipts are answered with this instead of Meta's success.
    read_reply: Option<Reply>,
    /// Read receipts wait unanswered while this is set.
    hold_reads: bool,
    /// Read receipts waiting right now.
    reads_waiting: usize,
    received: Vec<Received>,
    script: VecDeque<Reply>,
    sent: u64,
    hangs: Vec<(Matcher, Hang)>,
    /// Every n-th call hangs for this long and is then dropped unanswered.
    hang_every: Option<(u64, Duration)>,
    media: crate::fake_media::Shelf,
}

/// What the server does with one request.
enum Plan {
    Answer,
    HoldUntil(Hang),
    HoldThenDrop(Duration),
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
        state.lock().unwrap().media.base = base.clone();
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

    /// The first call whose JSON body matches hangs: it is read and recorded, and answered
    /// only when the returned `Hang` is released (never, if it is not).
    pub fn hang_first(&self, matches: impl Fn(&Value) -> bool + Send + 'static) -> Hang {
        let hang = Hang {
            inner: Arc::new((Mutex::new(HangState::default()), Condvar::new())),
        };
        self.state
            .lock()
            .unwrap()
            .hangs
            .push((Box::new(matches), hang.clone()));
        hang
    }

    /// From now on every `n`-th call (1 in n) hangs for `hold`, then its connection is closed
    /// without an answer: a stuck call that outlives the caller's timeout. `None` stops it.
    pub fn hang_every(&self, every: Option<(u64, Duration)>) {
        self.state.lock().unwrap().hang_every = every;
    }

    /// Puts a media item on the shelf: `GET /{version}/{id}` then answers as WhatsApp does.
    pub fn add_media(&self, id: &str, media: crate::fake_media::Media) {
        self.state.lock().unwrap().media.add(id, media);
    }

    /// Media requests received (path, Authorization header).
    pub fn media_requests(&self) -> Vec<(String, Option<String>)> {
        self.state.lock().unwrap().media.requests.clone()
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
        let method = line.split_whitespace().next().unwrap_or("").to_string();
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
        if method == "GET" {
            let out = state.lock().unwrap().media.answer(&path, auth.as_deref());
            if conn.write_all(&out).is_err() {
                return;
            }
            continue;
        }
        if let Some(read) = read_receipt_call(&body) {
            // Recorded and answered apart: never scripted, never counted as a sent message.
            let (status, answer) = read_receipt(&state, path, auth, read);
            let out = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{answer}",
                answer.len()
            );
            if conn.write_all(out.as_bytes()).is_err() {
                return;
            }
            continue;
        }
        let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let (index, plan) = {
            let mut s = state.lock().unwrap();
            s.received.push(Received {
                path,
                authorization: auth,
                body: body.clone(),
                at: Instant::now(),
                answered_at: None,
                status: None,
            });
            let index = s.received.len() - 1;
            let count = index as u64 + 1;
            let plan = if let Some(i) = s.hangs.iter().position(|(m, _)| m(&body)) {
                let (_, hang) = s.hangs.remove(i);
                hang.inner.0.lock().unwrap().caught = true;
                Plan::HoldUntil(hang)
            } else {
                match s.hang_every {
                    Some((n, hold)) if n > 0 && count.is_multiple_of(n) => Plan::HoldThenDrop(hold),
                    _ => Plan::Answer,
                }
            };
            (index, plan)
        };
        match plan {
            Plan::Answer => {}
            Plan::HoldUntil(hang) => hang.wait(),
            Plan::HoldThenDrop(hold) => {
                std::thread::sleep(hold);
                return;
            }
        }
        let reply = {
            let mut s = state.lock().unwrap();
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
        // Recorded before writing: whatever the caller does on reading the answer comes
        // after `answered_at`.
        {
            let mut s = state.lock().unwrap();
            s.received[index].answered_at = Some(Instant::now());
            s.received[index].status = Some(reply.0.status);
        }
        if conn.write_all(out.as_bytes()).is_err() {
            state.lock().unwrap().received[index].answered_at = None;
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

/// WhatsApp read receipts (`"status": "read"`, META_PROTOCOL §7.1 "mark as read (+ typing)")
/// are answered `{"success": true}` and recorded apart from the messages, so tests that count
/// sent messages are not disturbed; they can be made to fail, or to hang until released.
impl FakeGraph {
    /// Read receipt + typing calls received (answered or still held).
    pub fn read_receipts(&self) -> Vec<Received> {
        self.state.lock().unwrap().read_receipts.clone()
    }

    /// Answers every read receipt from now on with `reply` (e.g. a 500).
    pub fn fail_read_receipts(&self, reply: Reply) {
        self.state.lock().unwrap().read_reply = Some(reply);
    }

    /// Read receipts from now on get no answer until `release_read_receipts`.
    pub fn hold_read_receipts(&self) {
        self.state.lock().unwrap().hold_reads = true;
    }

    pub fn release_read_receipts(&self) {
        self.state.lock().unwrap().hold_reads = false;
    }

    /// Read receipts received and not answered yet (held).
    pub fn read_receipts_waiting(&self) -> usize {
        self.state.lock().unwrap().reads_waiting
    }
}

/// The JSON body of a WhatsApp read receipt (`"status": "read"`), or `None`.
fn read_receipt_call(body: &[u8]) -> Option<Value> {
    serde_json::from_slice::<Value>(body)
        .ok()
        .filter(|v| v["status"] == "read")
}

/// A read receipt: recorded, held while asked to, then answered as set by
/// `fail_read_receipts` or as Meta documents it, `{"success": true}`. Returns status and body.
fn read_receipt(
    state: &Arc<Mutex<State>>,
    path: String,
    authorization: Option<String>,
    body: Value,
) -> (u16, String) {
    {
        let mut s = state.lock().unwrap();
        s.read_receipts.push(Received {
            path,
            authorization,
            body,
            at: Instant::now(),
            answered_at: None,
            status: None,
        });
        s.reads_waiting += 1;
    }
    while state.lock().unwrap().hold_reads {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let mut s = state.lock().unwrap();
    s.reads_waiting -= 1;
    match &s.read_reply {
        Some(r) => (r.status, r.body.clone().unwrap_or_else(|| "{}".to_string())),
        None => (200, json!({"success": true}).to_string()),
    }
}
