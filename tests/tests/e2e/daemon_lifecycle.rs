//! Both daemons under systemd's notification protocol (a real `NOTIFY_SOCKET` datagram
//! socket, as systemd gives a `Type=notify` service): READY=1 only when they answer,
//! WATCHDOG=1 pings while they work, STOPPING=1 and exit 0 on SIGTERM. Plus the edge's
//! `/healthz` and `preflight`.

use resto_e2e::{free_port, temp_dir, Edge, Relay};
use std::os::unix::net::UnixDatagram;
use std::time::Duration;

struct Notify {
    sock: UnixDatagram,
    path: String,
}

impl Notify {
    fn new() -> Notify {
        let path = temp_dir("notify").join("n.sock");
        let sock = UnixDatagram::bind(&path).unwrap();
        sock.set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        Notify {
            sock,
            path: path.display().to_string(),
        }
    }

    /// Waits for a datagram containing `what`; returns everything received until then.
    fn expect(&self, what: &str) -> Vec<String> {
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            let n = self
                .sock
                .recv(&mut buf)
                .unwrap_or_else(|e| panic!("no {what} from the daemon ({e}); got {seen:?}"));
            let msg = String::from_utf8_lossy(&buf[..n]).to_string();
            let hit = msg.lines().any(|l| l == what);
            seen.push(msg);
            if hit {
                return seen;
            }
        }
    }
}

fn http_get(url: &str) -> u16 {
    reqwest::blocking::get(url)
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

#[test]
fn the_relay_says_ready_when_it_answers_pings_the_watchdog_and_says_stopping_on_sigterm() {
    let n = Notify::new();
    let mut relay = Relay::start(&[("NOTIFY_SOCKET", &n.path), ("WATCHDOG_USEC", "1000000")]);
    n.expect("READY=1");
    assert_eq!(relay.get("/healthz").0, 200);
    // Two pings: the heartbeat keeps going through the database writer.
    n.expect("WATCHDOG=1");
    n.expect("WATCHDOG=1");
    let status = relay.stop();
    n.expect("STOPPING=1");
    assert!(status.success(), "{}", relay.log());
}

#[test]
fn the_edge_says_ready_pings_the_watchdog_answers_healthz_and_stops_cleanly_on_sigterm() {
    let relay = Relay::start(&[]);
    let (node, secret) = relay.enroll_node("shop");
    let n = Notify::new();
    let mut edge = Edge::enroll_and_start_with(
        &relay.url(""),
        &node,
        &secret,
        &[("NOTIFY_SOCKET", &n.path), ("WATCHDOG_USEC", "1000000")],
    );
    n.expect("READY=1");
    assert_eq!(http_get(&format!("http://{}/healthz", edge.console)), 200);
    n.expect("WATCHDOG=1");
    n.expect("WATCHDOG=1");
    let status = edge.stop();
    n.expect("STOPPING=1");
    assert!(status.success(), "{}", edge.log());
    assert!(edge.log().contains("resto-edge stopped"), "{}", edge.log());
}

#[test]
fn a_second_edge_on_the_same_data_directory_is_refused() {
    let relay = Relay::start(&[]);
    let (node, secret) = relay.enroll_node("shop");
    let edge = Edge::enroll_and_start(&relay.url(""), &node, &secret);
    let out = std::process::Command::new(resto_e2e::program("resto-edge"))
        .env("EDGE_DATA_DIR", &edge.dir)
        .env("EDGE_CONSOLE_LISTEN", format!("127.0.0.1:{}", free_port()))
        .arg("run")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("daemon is running"), "{err}");
}

#[test]
fn edge_preflight_lists_every_problem_and_treats_an_unreachable_relay_as_a_warning() {
    // Not enrolled, data directory is a file: every problem at once, exit 1.
    let file = temp_dir("pf").join("not-a-dir");
    std::fs::write(&file, b"x").unwrap();
    let out = std::process::Command::new(resto_e2e::program("resto-edge"))
        .env("EDGE_DATA_DIR", &file)
        .arg("preflight")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("RELAY_URL is not set"), "{text}");
    assert!(text.contains("node id or secret is missing"), "{text}");
    assert!(text.contains("EDGE_DATA_DIR"), "{text}");

    // Enrolled, relay up: OK.
    let mut relay = Relay::start(&[]);
    let (node, secret) = relay.enroll_node("shop");
    let edge = Edge::enroll_and_start(&relay.url(""), &node, &secret);
    let out = edge.cli(&["preflight"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("preflight: OK"), "{text}");

    // Relay down: a warning only, the device works offline.
    relay.kill9();
    let out = edge.cli(&["preflight"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("unreachable"), "{text}");
}
