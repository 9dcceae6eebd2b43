//! A stand-in for the Chargily Pay v2 API (a service this machine cannot reach): a real HTTP
//! server on 127.0.0.1 that follows the documented shapes (docs/payments.md) —
//! `POST /api/v2/checkouts` and `GET /api/v2/checkouts/{id}` with Bearer secret-key auth —
//! and that sends webhooks the documented way: `signature` = hex HMAC-SHA256 of the raw body
//! keyed with the secret key, body `{id, entity: "event", type: "checkout.<status>", data}`.

use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct State {
    checkouts: BTreeMap<String, Value>,
    /// Answer 503 to checkout creation, as a gateway outage.
    down: bool,
    created: u32,
    /// Every `POST /checkouts` received, answered or refused.
    posts: u32,
    events: u32,
    gets: u32,
}

pub struct FakeChargily {
    pub base: String,
    pub secret_key: String,
    state: Arc<Mutex<State>>,
}

/// A webhook as sent: the raw body, its signature and the relay's answer.
#[derive(Debug, Clone)]
pub struct SentWebhook {
    pub body: Vec<u8>,
    pub signature: String,
    pub status: u16,
}

impl FakeChargily {
    pub fn start(secret_key: &str) -> FakeChargily {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind fake chargily");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let state = Arc::new(Mutex::new(State::default()));
        let (st, key, b) = (state.clone(), secret_key.to_string(), base.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let (st, key, b) = (st.clone(), key.clone(), b.clone());
                std::thread::spawn(move || serve(conn, st, &key, &b));
            }
        });
        FakeChargily {
            base,
            secret_key: secret_key.to_string(),
            state,
        }
    }

    /// The value for CHARGILY_API_URL.
    pub fn api_url(&self) -> String {
        format!("{}/api/v2", self.base)
    }

    pub fn set_down(&self, down: bool) {
        self.state.lock().unwrap().down = down;
    }

    pub fn checkouts(&self) -> Vec<Value> {
        self.state
            .lock()
            .unwrap()
            .checkouts
            .values()
            .cloned()
            .collect()
    }

    /// How many times checkout creation was asked for (including the ones refused while
    /// down): the relay's retries and any duplicate creation show here.
    pub fn creation_requests(&self) -> u32 {
        self.state.lock().unwrap().posts
    }

    pub fn status_reads(&self) -> u32 {
        self.state.lock().unwrap().gets
    }

    /// Changes a checkout's status as the customer's payment would, without a webhook (the
    /// gateway's webhooks are not guaranteed).
    pub fn settle_silently(&self, checkout_id: &str, status: &str) -> Value {
        let mut s = self.state.lock().unwrap();
        let c = s.checkouts.get_mut(checkout_id).expect("known checkout");
        c["status"] = json!(status);
        c["updated_at"] = json!(now());
        c.clone()
    }

    /// Settles a checkout and posts the signed webhook to the endpoint given at creation.
    pub fn settle(&self, checkout_id: &str, status: &str) -> SentWebhook {
        let checkout = self.settle_silently(checkout_id, status);
        let url = checkout["webhook_endpoint"]
            .as_str()
            .expect("webhook_endpoint")
            .to_string();
        let n = {
            let mut s = self.state.lock().unwrap();
            s.events += 1;
            s.events
        };
        let body = json!({
            "id": format!("01fakeevent{n:06}"),
            "entity": "event",
            "livemode": "false",
            "type": format!("checkout.{status}"),
            "data": checkout,
            "created_at": now(),
            "updated_at": now(),
        })
        .to_string()
        .into_bytes();
        let signature = resto_sync::hmac::hmac_sha256_hex(self.secret_key.as_bytes(), &[&body]);
        let status = post(&url, &body, Some(&signature));
        SentWebhook {
            body,
            signature,
            status,
        }
    }

    /// Posts a webhook body as given (a redelivery, a forgery).
    pub fn post_webhook(&self, url: &str, body: &[u8], signature: Option<&str>) -> u16 {
        post(url, body, signature)
    }
}

fn post(url: &str, body: &[u8], signature: Option<&str>) -> u16 {
    let mut req = reqwest::blocking::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_vec());
    if let Some(s) = signature {
        req = req.header("signature", s);
    }
    req.send().map(|r| r.status().as_u16()).unwrap_or(0)
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn respond(conn: &mut TcpStream, status: u16, body: &Value) -> bool {
    let b = body.to_string();
    let out = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{b}",
        b.len()
    );
    conn.write_all(out.as_bytes()).is_ok()
}

fn serve(conn: TcpStream, state: Arc<Mutex<State>>, key: &str, base: &str) {
    let mut reader = BufReader::new(conn.try_clone().expect("clone"));
    let mut conn = conn;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or("").to_string();
        let path = parts.next().unwrap_or("/").to_string();
        let (mut len, mut auth) = (0usize, String::new());
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
                    "authorization" => auth = v.trim().to_string(),
                    _ => {}
                }
            }
        }
        let mut body = vec![0u8; len];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let (status, answer) = handle(&state, key, base, &method, &path, &auth, &body);
        if !respond(&mut conn, status, &answer) {
            return;
        }
    }
}

fn handle(
    state: &Mutex<State>,
    key: &str,
    base: &str,
    method: &str,
    path: &str,
    auth: &str,
    body: &[u8],
) -> (u16, Value) {
    if auth != format!("Bearer {key}") {
        return (401, json!({"message": "Unauthenticated."}));
    }
    let mut s = state.lock().unwrap();
    match (method, path.strip_prefix("/api/v2/checkouts")) {
        ("POST", Some("")) => {
            s.posts += 1;
            if s.down {
                return (503, json!({"message": "Service Unavailable"}));
            }
            let req: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
            let mut errors = serde_json::Map::new();
            if !req["amount"].is_i64() || req["amount"].as_i64() < Some(50) {
                errors.insert(
                    "amount".into(),
                    json!(["The amount field must be at least 50."]),
                );
            }
            if req["currency"] != "dzd" {
                errors.insert(
                    "currency".into(),
                    json!(["The selected currency is invalid."]),
                );
            }
            if !matches!(
                req["payment_method"].as_str(),
                Some("edahabia" | "cib" | "chargily_app")
            ) {
                errors.insert(
                    "payment_method".into(),
                    json!(["The selected payment method is invalid."]),
                );
            }
            if !req["success_url"].is_string() {
                errors.insert(
                    "success_url".into(),
                    json!(["The success url field is required."]),
                );
            }
            if !errors.is_empty() {
                return (
                    422,
                    json!({"message": "The given data was invalid.", "errors": errors}),
                );
            }
            s.created += 1;
            let id = format!("01fakecheckout{:06}", s.created);
            let c = json!({
                "id": id, "entity": "checkout", "livemode": false,
                "amount": req["amount"], "currency": "dzd", "fees": 0, "status": "pending",
                "locale": req["locale"], "description": req["description"], "metadata": req["metadata"],
                "success_url": req["success_url"], "failure_url": req["failure_url"],
                "webhook_endpoint": req["webhook_endpoint"], "payment_method": req["payment_method"],
                "invoice_id": null, "customer_id": null, "payment_link_id": null,
                "created_at": now(), "updated_at": now(),
                "checkout_url": format!("{base}/test/checkouts/{id}/pay"),
            });
            s.checkouts.insert(id, c.clone());
            (200, c)
        }
        ("GET", Some(rest)) if rest.starts_with('/') => {
            s.gets += 1;
            match s.checkouts.get(&rest[1..]) {
                Some(c) => (200, c.clone()),
                None => (404, json!({"message": "Not found."})),
            }
        }
        _ => (404, json!({"message": "Not found."})),
    }
}
