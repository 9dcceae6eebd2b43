//! `scripts/provision.sh`: from nothing to an enrolled, syncing edge, with the node secret
//! only ever in 0600 files — never on the screen or in a log. (Direct mode: this machine
//! has no systemd as PID 1; the systemd path is exercised by scripts/test-deb-install.sh.)

use resto_e2e::{program, temp_dir, wa_text, wait_until, Relay};
use std::os::unix::fs::PermissionsExt;
use std::process::Command;

const PHONE: &str = "109876543210987";

fn script() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/provision.sh")
}

#[test]
fn provisioning_enrolls_a_device_that_syncs_and_never_shows_the_secret() {
    let relay = Relay::start(&[]);
    let work = temp_dir("provision");
    let node_file = work.join("shop.node");
    let out = Command::new("bash")
        .arg(script())
        .args([
            "node",
            "Pizzeria Test",
            "--direct",
            "--route",
            &format!("wa:{PHONE}"),
            "--out",
        ])
        .arg(&node_file)
        .env("RESTO_RELAY", program("resto-relay"))
        .envs(relay.env().iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .output()
        .unwrap();
    let shown = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{shown}");
    let creds: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&node_file).unwrap()).unwrap();
    let secret = creds["node_secret"].as_str().unwrap().to_string();
    assert_eq!(secret.len(), 64);
    assert!(!shown.contains(&secret), "the secret was printed: {shown}");
    let mode = std::fs::metadata(&node_file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);

    let data = work.join("edge");
    let out = Command::new("bash")
        .arg(script())
        .args(["device", "--relay", &relay.url(""), "--node-file"])
        .arg(&node_file)
        .arg("--data-dir")
        .arg(&data)
        .env("RESTO_EDGE", program("resto-edge"))
        .output()
        .unwrap();
    let shown = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{shown}");
    assert!(shown.contains("preflight: OK"), "{shown}");
    assert!(!shown.contains(&secret), "the secret was printed: {shown}");
    assert!(!node_file.exists(), "the node file is deleted once used");
    let toml = data.join("edge.toml");
    assert_eq!(
        std::fs::metadata(&toml).unwrap().permissions().mode() & 0o777,
        0o600
    );

    // The provisioned device runs and receives the restaurant's messages.
    let log = std::fs::File::create(work.join("edge.log")).unwrap();
    let mut edge = Command::new(program("resto-edge"))
        .env("EDGE_DATA_DIR", &data)
        .env(
            "EDGE_CONSOLE_LISTEN",
            format!("127.0.0.1:{}", resto_e2e::free_port()),
        )
        .arg("run")
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    let (code, _) = relay.post_signed(&wa_text(PHONE, "wamid.provisioned.1", "salam"));
    assert_eq!(code, 200);
    let db = data.join("edge.db");
    wait_until(120, "the provisioned edge applied the message", || {
        rusqlite::Connection::open(&db)
            .and_then(|c| {
                c.query_row(
                    "SELECT count(*) FROM inbound_messages WHERE msg_id = 'wamid.provisioned.1'",
                    [],
                    |r| r.get::<_, i64>(0),
                )
            })
            .unwrap_or(0)
            == 1
    });
    let _ = edge.kill();
    let _ = edge.wait();
    let edge_log = std::fs::read_to_string(work.join("edge.log")).unwrap();
    assert!(
        !edge_log.contains(&secret),
        "the secret is in the edge's log"
    );
    assert!(
        !relay.log().contains(&secret),
        "the secret is in the relay's log"
    );
    std::fs::remove_dir_all(work).ok();
}
