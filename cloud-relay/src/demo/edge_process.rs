//! The demo's restaurant device: the real `resto-edge` binary, driven through its own command
//! line (`enroll`, `menu import`, `run`) exactly as a technician would, as a child process.

use anyhow::{bail, Context};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The demo menu: a verbatim copy of `shared/fixtures/menus/demo_menu.json`, embedded so the
/// demo needs nothing outside the repository.
pub const DEMO_MENU: &str = include_str!("demo_menu.json");

/// `--edge-bin`, else `RESTO_EDGE_BIN`, else `resto-edge` beside this executable (where
/// `cargo build` puts both).
pub fn locate(explicit: Option<&Path>) -> anyhow::Result<PathBuf> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None => match std::env::var_os("RESTO_EDGE_BIN") {
            Some(p) => PathBuf::from(p),
            None => std::env::current_exe()
                .context("cannot find this executable's directory")?
                .with_file_name("resto-edge"),
        },
    };
    if !path.is_file() {
        bail!(
            "the edge program {} does not exist: run the demo with scripts/demo.sh (it builds both programs), \
             or build it with `cargo build -p resto-edge`, or pass --edge-bin PATH",
            path.display()
        );
    }
    Ok(path)
}

fn run_cli(bin: &Path, data_dir: &Path, args: &[&str]) -> anyhow::Result<String> {
    let out = Command::new(bin)
        .env("EDGE_DATA_DIR", data_dir)
        .args(args)
        .output()
        .with_context(|| format!("cannot run {}", bin.display()))?;
    if !out.status.success() {
        bail!(
            "`resto-edge {}` failed: {}{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim(),
            String::from_utf8_lossy(&out.stdout).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// `resto-edge enroll`, with the node secret passed through a private file removed afterwards
/// (the edge keeps it in its own 0600 `edge.toml`).
pub fn enroll(
    bin: &Path,
    data_dir: &Path,
    relay_url: &str,
    node_id: &str,
    secret: &str,
) -> anyhow::Result<()> {
    let secret_file = data_dir.join("node.secret");
    crate::secrets::write_private(&secret_file, secret.as_bytes())
        .with_context(|| format!("cannot write {}", secret_file.display()))?;
    let result = run_cli(
        bin,
        data_dir,
        &[
            "enroll",
            "--relay",
            relay_url,
            "--node-id",
            node_id,
            "--secret-file",
            &secret_file.display().to_string(),
        ],
    );
    let _ = std::fs::remove_file(&secret_file);
    result.map(|_| ())
}

/// The demo's console login (owner `demo`, password `demo`), set again at every start so the
/// printed credentials always work. Only ever on the loopback demo.
pub const CONSOLE_LOGIN: (&str, &str) = ("demo", "demo");

pub fn ensure_console_login(bin: &Path, data_dir: &Path) -> anyhow::Result<()> {
    let file = data_dir.join("demo-console-password");
    std::fs::write(&file, CONSOLE_LOGIN.1)
        .with_context(|| format!("cannot write {}", file.display()))?;
    let r = run_cli(
        bin,
        data_dir,
        &[
            "staff",
            "add",
            CONSOLE_LOGIN.0,
            "--role",
            "owner",
            "--password-file",
            &file.display().to_string(),
        ],
    );
    let _ = std::fs::remove_file(&file);
    r.map(|_| ())
}

/// What the demo did about the menu.
pub enum MenuOutcome {
    Imported(String),
    /// A menu was already there (maybe edited from the console): kept as it is.
    Kept,
}

/// Imports the demo menu unless the edge already has one. With `around_the_clock`, the
/// restaurant's opening hours become every day 00:00–24:00 so a visitor can order at any
/// hour; everything else is the menu as shipped.
pub fn ensure_menu(
    bin: &Path,
    data_dir: &Path,
    around_the_clock: bool,
) -> anyhow::Result<MenuOutcome> {
    if run_cli(bin, data_dir, &["menu", "export"]).is_ok() {
        return Ok(MenuOutcome::Kept);
    }
    let mut menu: serde_json::Value =
        serde_json::from_str(DEMO_MENU).context("the embedded demo menu is not JSON")?;
    if around_the_clock {
        menu["restaurant"]["opening_hours"] = serde_json::json!([{
            "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "open": "00:00", "close": "24:00"
        }]);
    }
    let file = data_dir.join("demo-menu.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&menu)?)
        .with_context(|| format!("cannot write {}", file.display()))?;
    let said = run_cli(
        bin,
        data_dir,
        &["menu", "import", &file.display().to_string()],
    )?;
    Ok(MenuOutcome::Imported(said))
}

/// A running `resto-edge run`; its log goes to `<edge data>/edge.log`.
pub struct EdgeProcess {
    child: Child,
    pid_file: PathBuf,
}

impl EdgeProcess {
    pub fn start(bin: &Path, data_dir: &Path, console_listen: &str) -> anyhow::Result<Self> {
        let log_path = data_dir.join("edge.log");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .with_context(|| format!("cannot open {}", log_path.display()))?;
        let child = Command::new(bin)
            .env("EDGE_DATA_DIR", data_dir)
            .env("EDGE_CONSOLE_LISTEN", console_listen)
            .arg("run")
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("cannot start {} run", bin.display()))?;
        // So whoever cleans up after a crashed demo knows which process was ours.
        let pid_file = data_dir.join("resto-edge.pid");
        let _ = std::fs::write(&pid_file, child.id().to_string());
        let mut edge = EdgeProcess { child, pid_file };
        // An edge that cannot start (bad edge.toml, database trouble) says so within moments;
        // better to stop here with its words than to serve a chat nobody answers.
        std::thread::sleep(Duration::from_millis(500));
        if let Ok(Some(status)) = edge.child.try_wait() {
            let log = std::fs::read_to_string(&log_path).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(5).collect();
            let _ = std::fs::remove_file(&edge.pid_file);
            bail!(
                "the edge stopped at once ({status}); its last log lines ({}):\n{}",
                log_path.display(),
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            );
        }
        Ok(edge)
    }

    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Asks the edge to stop as Ctrl-C would (SIGINT), without waiting.
    pub fn interrupt(&self) {
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .stderr(Stdio::null())
            .status();
    }

    /// Interrupts the edge, then gives it a few seconds before SIGKILL. Its SQLite data is
    /// safe either way.
    pub fn stop(mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.interrupt();
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = self.child.try_wait() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.pid_file);
    }
}
