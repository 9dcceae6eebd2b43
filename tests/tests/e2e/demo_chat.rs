//! The README's demo: `resto-relay demo` (what `scripts/demo.sh` runs after building) starts
//! the relay, the real edge with the demo menu and the Graph sink; the demo chat page's HTTP
//! endpoints talk to the bot through signed webhook → relay → edge → outbox → relay → sink.

use resto_e2e::{free_port, program, temp_dir, wait_until, Relay};
use rusqlite::{Connection, OpenFlags};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Demo {
    dir: PathBuf,
    port: u16,
    /// The edge's console, `127.0.0.1:PORT`.
    console: String,
    child: Option<Child>,
    http: reqwest::blocking::Client,
}

fn demo_command(dir: &std::path::Path, listen: &str, console: &str) -> Command {
    let mut c = Command::new(program("resto-relay"));
    for k in [
        "RELAY_CONFIG",
        "META_APP_SECRET",
        "META_GRAPH_URL",
        "META_SIGNATURE_REQUIRED",
        "RESTO_EDGE_BIN",
    ] {
        c.env_remove(k);
    }
    c.env("RELAY_DATA_DIR", dir)
        .env("RELAY_LISTEN", listen)
        .env("EDGE_CONSOLE_LISTEN", console)
        .arg("demo")
        .arg("--edge-bin")
        .arg(program("resto-edge"));
    c
}

impl Demo {
    fn start() -> Demo {
        let dir = temp_dir("demo");
        let port = free_port();
        let console = format!("127.0.0.1:{}", free_port());
        let out = std::fs::File::create(dir.join("demo.out")).unwrap();
        let err = std::fs::File::create(dir.join("demo.err")).unwrap();
        let child = demo_command(&dir, &format!("127.0.0.1:{port}"), &console)
            .stdout(out)
            .stderr(err)
            .spawn()
            .expect("spawn resto-relay demo");
        let mut d = Demo {
            dir,
            port,
            console,
            child: Some(child),
            http: reqwest::blocking::Client::builder()
                .timeout(Duration::from_secs(40))
                .build()
                .unwrap(),
        };
        wait_until(60, "the demo printed its URLs", || {
            if let Some(Ok(Some(s))) = d.child.as_mut().map(Child::try_wait) {
                panic!("resto-relay demo exited with {s}: {}", d.stderr());
            }
            d.stdout().contains("Ctrl-C stops")
        });
        d
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn stdout(&self) -> String {
        std::fs::read_to_string(self.dir.join("demo.out")).unwrap_or_default()
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(self.dir.join("demo.err")).unwrap_or_default()
    }

    fn edge_pid(&self) -> Option<u32> {
        std::fs::read_to_string(self.dir.join("edge/resto-edge.pid"))
            .ok()
            .and_then(|s| s.trim().parse().ok())
    }

    /// What the page does when the visitor types or taps: `POST /demo/api/send`.
    fn send(&self, from: &str, message: Value) -> Value {
        let r = self
            .http
            .post(self.url("/demo/api/send"))
            .json(&json!({"from": from, "message": message}))
            .send()
            .unwrap();
        let status = r.status().as_u16();
        let body: Value = r.json().unwrap_or(Value::Null);
        assert_eq!(status, 200, "send refused: {body}");
        body["entry"].clone()
    }

    fn say(&self, from: &str, text: &str) -> Value {
        self.send(from, json!({"kind": "text", "text": text}))
    }

    /// The page's feed, as its long-poll reads it.
    fn feed(&self, chat: &str, after: u64) -> Vec<Value> {
        let r: Value = self
            .http
            .get(self.url(&format!("/demo/api/feed?chat={chat}&after={after}")))
            .send()
            .unwrap()
            .json()
            .unwrap();
        r["entries"].as_array().cloned().unwrap_or_default()
    }

    /// Waits for the bot's reply after `after` that shows `needle`.
    fn bot_reply(&self, chat: &str, after: u64, needle: &str) -> Value {
        let mut found = None;
        wait_until(60, &format!("the bot answered {needle:?}"), || {
            found = self.feed(chat, after).into_iter().find(|e| {
                // In the text or in a choice's title.
                e["from"] == "bot" && e["bubble"].to_string().contains(needle)
            });
            found.is_some()
        });
        found.unwrap()
    }

    fn relay_db(&self) -> Connection {
        Connection::open_with_flags(self.dir.join("relay.db"), OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap()
    }

    fn edge_db(&self) -> Connection {
        let c = Connection::open(self.dir.join("edge/edge.db")).unwrap();
        c.busy_timeout(Duration::from_secs(5)).unwrap();
        c
    }

    fn count(c: &Connection, sql: &str, arg: &str) -> i64 {
        c.query_row(sql, [arg], |r| r.get(0)).unwrap()
    }

    /// The whole path of one exchange, read from both databases: the visitor's message is a
    /// stored relay event the edge received, and the bot's reply was an edge outbox item that
    /// the relay sent to the sink (the sink's wamid came back to the edge as its status).
    fn assert_went_the_real_path(&self, visitor: &Value, reply: &Value) {
        let sent = visitor["wamid"].as_str().unwrap();
        let got = reply["wamid"].as_str().unwrap();
        let relay = self.relay_db();
        assert_eq!(
            Self::count(
                &relay,
                "SELECT count(*) FROM events WHERE kind = 'inbound_message' AND json_extract(payload, '$.msg_id') = ?1",
                sent
            ),
            1,
            "the visitor's message is not a stored relay event"
        );
        // The sink shows the bubble as Graph answers; the relay records `sent` just after.
        let sent_row = || -> Option<String> {
            relay
                .query_row(
                    "SELECT id FROM outbox_items WHERE state = 'sent' AND provider_msg_id = ?1",
                    [got],
                    |r| r.get(0),
                )
                .ok()
        };
        wait_until(10, "the relay records the reply as sent", || {
            sent_row().is_some()
        });
        let outbox_id: String =
            sent_row().expect("the reply is a relay outbox item the sink accepted");
        let edge = self.edge_db();
        assert_eq!(
            Self::count(
                &edge,
                "SELECT count(*) FROM inbound_messages WHERE msg_id = ?1",
                sent
            ),
            1,
            "the edge did not receive the visitor's message"
        );
        wait_until(30, "the edge learned its outbox item was sent", || {
            edge.query_row(
                "SELECT count(*) FROM message_statuses WHERE msg_id = ?1 AND status = 'sent' AND outbox_id = ?2",
                [got, outbox_id.as_str()],
                |r| r.get::<_, i64>(0),
            )
            .unwrap()
                == 1
        });
    }

    fn signal(&self, sig: &str) {
        if let Some(c) = &self.child {
            let _ = Command::new("kill")
                .args([sig, &c.id().to_string()])
                .status();
        }
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let edge = self.edge_pid();
        self.signal("-KILL");
        if let Some(mut c) = self.child.take() {
            let _ = c.wait();
        }
        // A SIGKILLed demo cannot stop its edge: do it here, by the pid it recorded.
        if let Some(pid) = edge {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .stderr(Stdio::null())
                .status();
        }
        if std::thread::panicking() {
            eprintln!("--- demo stderr ---\n{}", self.stderr());
            eprintln!(
                "--- edge log ---\n{}",
                std::fs::read_to_string(self.dir.join("edge/edge.log")).unwrap_or_default()
            );
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| !s.contains(") Z "))
        .unwrap_or(false)
}

#[test]
fn a_visitor_greeting_in_darija_or_arabic_is_answered_in_their_language_through_the_real_path() {
    let demo = Demo::start();
    assert!(
        demo.stdout().contains(&demo.url("/demo/")),
        "{}",
        demo.stdout()
    );
    let (page_status, page) = {
        let r = demo.http.get(demo.url("/demo/")).send().unwrap();
        (r.status().as_u16(), r.text().unwrap())
    };
    assert_eq!(page_status, 200);
    assert!(page.contains("api/send") && page.contains("rtl"));

    // Darija in Latin letters is answered in Darija in Latin letters (issue 14).
    let visitor = demo.say("213555900001", "salam");
    let reply = demo.bot_reply("213555900001", 0, "Marhba bikom f Pizzeria El Bahdja");
    assert_eq!(reply["bubble"]["kind"], "buttons");
    demo.assert_went_the_real_path(&visitor, &reply);

    let visitor = demo.say("213555900002", "السلام عليكم");
    let reply = demo.bot_reply("213555900002", 0, "مرحبا بكم في Pizzeria El Bahdja");
    demo.assert_went_the_real_path(&visitor, &reply);
    // Each phone shows only its own conversation.
    assert!(demo
        .feed("213555900002", 0)
        .iter()
        .all(|e| e["chat"] == "213555900002"));
}

#[test]
fn a_visitor_sends_the_recorded_voice_note_and_the_console_plays_it_from_the_device() {
    let demo = Demo::start();
    let fixture = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/voice-note.ogg"),
    )
    .unwrap();
    // The page's 🎤 button: the visitor's bubble plays the recording shipped with the demo.
    let visitor = demo.send("213555900004", json!({"kind": "voice_note"}));
    assert_eq!(visitor["bubble"]["kind"], "voice", "{visitor}");
    let page_copy = demo
        .http
        .get(demo.url(&format!(
            "/demo/{}",
            visitor["bubble"]["url"].as_str().unwrap()
        )))
        .send()
        .unwrap()
        .bytes()
        .unwrap();
    assert_eq!(page_copy.to_vec(), fixture);
    // The bot answers as for any voice note, through the real path.
    let reply = demo.bot_reply("213555900004", 0, "écouter");
    demo.assert_went_the_real_path(&visitor, &reply);
    // The relay fetched the id from the Graph stand-in with the route's token and the edge
    // keeps the very bytes of tests/fixtures/voice-note.ogg.
    let wamid = visitor["wamid"].as_str().unwrap().to_string();
    let mut kept: Option<(i64, String)> = None;
    wait_until(60, "the edge has the voice note", || {
        kept = demo
            .edge_db()
            .query_row(
                "SELECT id, path FROM media_files WHERE msg_id = ?1 AND state = 'have'",
                [&wamid],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .ok();
        kept.is_some()
    });
    let (id, path) = kept.unwrap();
    assert_eq!(std::fs::read(path).unwrap(), fixture);
    // The staff console (demo / demo) serves it.
    let console = format!("http://{}", demo.console);
    let login = demo
        .http
        .post(format!("{console}/api/login"))
        .json(&json!({"name": "demo", "password": "demo"}))
        .send()
        .unwrap();
    assert_eq!(login.status().as_u16(), 200);
    let cookie = login.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let served = demo
        .http
        .get(format!("{console}/api/media/{id}"))
        .header("cookie", cookie)
        .send()
        .unwrap();
    assert_eq!(served.status().as_u16(), 200);
    assert_eq!(served.bytes().unwrap().to_vec(), fixture);
    // Without the route's token the stand-in refuses, as Meta does.
    let anon = demo
        .http
        .get(demo.url("/demo/graph/v25.0/demo-voice.X"))
        .send()
        .unwrap();
    assert_eq!(anon.status().as_u16(), 401);
}

#[test]
fn a_visitor_orders_by_typing_and_tapping_choices_and_the_edge_records_the_order() {
    let demo = Demo::start();
    let me = "213555900003";
    demo.say(me, "Bonjour");
    let welcome = demo.bot_reply(me, 0, "Bienvenue");
    // Tapping a reply button sends a button_reply; a list row a list_reply.
    let menu = welcome["bubble"]["choices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "act:menu")
        .cloned()
        .expect("a menu button");
    let tapped = demo.send(
        me,
        json!({"kind": "button", "id": menu["id"], "title": menu["title"]}),
    );
    let mut list = None;
    wait_until(60, "the bot showed the categories as a list", || {
        list = demo
            .feed(me, tapped["seq"].as_u64().unwrap())
            .into_iter()
            .find(|e| e["bubble"]["kind"] == "list");
        list.is_some()
    });
    let row = list.unwrap()["bubble"]["choices"][0].clone();
    let tapped = demo.send(
        me,
        json!({"kind": "list_row", "id": row["id"], "title": row["title"]}),
    );
    let items = demo.bot_reply(me, tapped["seq"].as_u64().unwrap(), "Pizza Margherita");
    assert_eq!(items["bubble"]["kind"], "list");

    let mut last = demo.say(me, "2 tacos et une limonade");
    demo.bot_reply(me, last["seq"].as_u64().unwrap(), "Tacos Poulet");
    for line in ["commander", "à emporter", "espèces"] {
        last = demo.say(me, line);
        let seq = last["seq"].as_u64().unwrap();
        wait_until(60, &format!("the bot answered {line:?}"), || {
            demo.feed(me, seq).iter().any(|e| e["from"] == "bot")
        });
    }
    let summary = demo.bot_reply(me, last["seq"].as_u64().unwrap(), "Total à payer : 1400 DA");
    let confirm = summary["bubble"]["choices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "yes")
        .cloned()
        .expect("a confirm button");
    let tapped = demo.send(
        me,
        json!({"kind": "button", "id": confirm["id"], "title": confirm["title"]}),
    );
    let placed = demo.bot_reply(
        me,
        tapped["seq"].as_u64().unwrap(),
        "Commande A-001 enregistrée",
    );
    demo.assert_went_the_real_path(&tapped, &placed);
    let (number, total): (String, i64) = demo
        .edge_db()
        .query_row("SELECT number, total FROM orders", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!((number.as_str(), total), ("A-001", 1400));
}

#[test]
fn ctrl_c_stops_the_relay_and_the_edge() {
    let mut demo = Demo::start();
    let edge = demo.edge_pid().expect("the demo recorded its edge's pid");
    assert!(alive(edge));
    demo.signal("-INT");
    let mut child = demo.child.take().unwrap();
    let mut status = None;
    wait_until(60, "the demo exited", || {
        status = child.try_wait().unwrap();
        status.is_some()
    });
    assert!(status.unwrap().success(), "{}", demo.stderr());
    wait_until(30, "the edge exited", || !alive(edge));
    assert!(demo.stdout().contains("demo stopped"));
}

#[test]
fn the_demo_only_listens_on_this_machine_and_serve_has_no_demo_routes() {
    let dir = temp_dir("demo-lan");
    let out = demo_command(
        &dir,
        &format!("0.0.0.0:{}", free_port()),
        &format!("127.0.0.1:{}", free_port()),
    )
    .output()
    .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("127.0.0.1"), "{err}");
    assert!(!dir.join("relay.db").exists(), "nothing was set up");

    let relay = Relay::start(&[]);
    for path in ["/demo/", "/demo/api/feed?chat=213555900001"] {
        assert_eq!(relay.get(path).0, 404, "{path} exists without demo mode");
    }
    let (status, _) = relay.post_raw(
        "/demo/graph/v25.0/109876543210987/messages",
        b"{}".to_vec(),
        None,
    );
    assert_eq!(status, 404);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn another_web_site_cannot_talk_through_the_demo_and_the_sink_refuses_a_wrong_token() {
    let demo = Demo::start();
    let msg = json!({"from": "213555900009", "message": {"kind": "text", "text": "salam"}});
    let cross_site = demo
        .http
        .post(demo.url("/demo/api/send"))
        .header("origin", "http://evil.example")
        .json(&msg)
        .send()
        .unwrap();
    assert_eq!(cross_site.status().as_u16(), 403);
    // A cross-site form post needs no CORS preflight: refused by its content type.
    let form = demo
        .http
        .post(demo.url("/demo/api/send"))
        .header("content-type", "text/plain")
        .body(msg.to_string())
        .send()
        .unwrap();
    assert_eq!(form.status().as_u16(), 415);
    assert_eq!(
        demo.relay_db()
            .query_row("SELECT count(*) FROM events", [], |r| r.get::<_, i64>(0))
            .unwrap(),
        0,
        "a refused message reached the relay"
    );

    let r = demo
        .http
        .post(demo.url("/demo/graph/v25.0/109876543210987/messages"))
        .bearer_auth("not-the-token")
        .json(&json!({"messaging_product": "whatsapp", "to": "213555900009", "type": "text", "text": {"body": "x"}}))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let body: Value = r.json().unwrap();
    assert_eq!(body["error"]["code"], 190);
    assert!(demo.feed("213555900009", 0).is_empty());
}

/// Runs Debian's headless Chromium on `url` with its own profile. The page polls every second
/// (`poll=short`) and Chromium runs it for 5 s of virtual time — its clock only advances when
/// nothing is loading — so the feed has been fetched and drawn before the DOM is dumped or the
/// screenshot taken, however slow the machine.
fn chromium(arg: &str, url: &str, profile: &std::path::Path) -> std::process::Output {
    Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=412,860",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(arg)
        .arg(url)
        .stdin(Stdio::null())
        .output()
        .expect("run chromium: install Debian's chromium package (apt-get install chromium)")
}

#[test]
fn the_chat_page_in_a_real_browser_shows_the_bots_arabic_reply_right_to_left() {
    let demo = Demo::start();
    let me = "213555900010";
    demo.say(me, "السلام عليكم");
    demo.bot_reply(me, 0, "مرحبا بكم في");
    let url = demo.url(&format!("/demo/?chat={me}&lang=ar&poll=short"));
    let profile = demo.dir.join("chromium");
    let out = chromium("--dump-dom", &url, &profile);
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(dom.contains(r#"<html lang="ar" dir="rtl">"#), "{dom}");
    let bot = dom
        .split(r#"<div class="row bot""#)
        .nth(1)
        .unwrap_or_else(|| panic!("no bot bubble on the page: {dom}"));
    assert!(bot.contains("مرحبا بكم في Pizzeria El Bahdja"), "{bot}");
    // The welcome's reply buttons are tappable buttons on the page.
    assert!(bot.contains(r#"<button class="choice""#), "{bot}");
    assert!(dom.contains(r#"<div class="row visitor""#) && dom.contains("السلام عليكم"));

    // A screenshot for people to look at (not compared): target/test-artefacts/.
    let artefacts = program("resto-relay")
        .parent()
        .and_then(|d| d.parent())
        .unwrap()
        .join("test-artefacts");
    std::fs::create_dir_all(&artefacts).unwrap();
    let shot = artefacts.join("demo-chat-ar.png");
    let _ = std::fs::remove_file(&shot);
    let out = chromium(&format!("--screenshot={}", shot.display()), &url, &profile);
    assert!(
        shot.exists(),
        "no screenshot: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
