//! A throwaway PostgreSQL cluster for tests: `initdb` into a temp directory, `postgres` on a
//! free port of 127.0.0.1 with its unix socket inside that directory, and `pg_ctl stop -m
//! immediate` plus removal of the directory on drop. No system service, nothing outside the
//! temp directory is touched, so tests can start as many clusters as they like in parallel.
//!
//! Needs the server binaries of Debian's `postgresql` package (on PATH or in
//! `/usr/lib/postgresql/<version>/bin`). initdb refuses to run as root, so as root every
//! command runs as the `postgres` system user (`runuser -u postgres --`), which owns the
//! temp directory.
//!
//! Only `std` on purpose: `cloud-relay`'s tests include this file with `#[path]` instead of
//! depending on this crate, which would build a second copy of resto-relay and all of
//! resto-edge for them.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

/// Where Debian installs the server binaries, one folder per major version.
const DEBIAN_ROOT: &str = "/usr/lib/postgresql";
/// The role the tests connect as, with a password so the URL exercises real authentication.
const USER: &str = "resto";
const PASSWORD: &str = "resto-test-password";

#[derive(Debug)]
pub enum PgError {
    /// The server binaries are not installed.
    Missing(String),
    /// A command failed; the message carries its output or the server log.
    Failed(String),
}

impl std::fmt::Display for PgError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PgError::Missing(m) | PgError::Failed(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for PgError {}

/// The folder holding `initdb`, `pg_ctl` and `postgres`: the first on `path_var` that has all
/// three, else the newest version under `debian_root`.
pub fn find_bin_dir(path_var: Option<&str>, debian_root: &Path) -> Result<PathBuf, PgError> {
    let complete = |d: &Path| {
        ["initdb", "pg_ctl", "postgres"]
            .iter()
            .all(|b| d.join(b).is_file())
    };
    if let Some(p) = path_var {
        if let Some(d) = std::env::split_paths(p).find(|d| complete(d)) {
            // PATH often holds links (/usr/local/bin/initdb -> /usr/lib/postgresql/15/bin):
            // the real folder also has psql and createdb.
            let real = std::fs::canonicalize(d.join("initdb"))
                .ok()
                .and_then(|i| i.parent().map(Path::to_path_buf))
                .filter(|r| complete(r));
            return Ok(real.unwrap_or(d));
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir(debian_root)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            complete(&bin).then_some((v, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, d)| d).ok_or_else(|| {
        PgError::Missing(format!(
            "PostgreSQL server programs (initdb, pg_ctl, postgres) are not on PATH nor in {}/<version>/bin. \
             Install Debian's `postgresql` package (apt-get install postgresql; .ci/run does) to run the \
             PostgreSQL tests.",
            debian_root.display()
        ))
    })
}

/// Whether this process runs as root (effective uid 0), read from `/proc/self/status` so no
/// libc call (and no `unsafe`) is needed.
fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("Uid:"))?.to_string();
            // Uid: real effective saved filesystem
            line.split_whitespace().nth(2).map(|e| e == "0")
        })
        .unwrap_or(false)
}

/// uid and gid of a system user, from `/etc/passwd`.
fn system_user(name: &str) -> Option<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.len() > 3 && f[0] == name).then(|| Some((f[2].parse().ok()?, f[3].parse().ok()?)))?
    })
}

/// A port nothing listens on now. Another process may take it before the server binds it;
/// `PgCluster::start` then tries again with another.
fn free_port() -> Result<u16, PgError> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| PgError::Failed(format!("cannot find a free port on 127.0.0.1: {e}")))
}

fn fresh_dir() -> Result<PathBuf, PgError> {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!("resto-pg-{}-{n}-{nanos:x}", std::process::id()));
    std::fs::create_dir_all(&dir)
        .map_err(|e| PgError::Failed(format!("cannot create {}: {e}", dir.display())))?;
    Ok(dir)
}

/// A running throwaway cluster. Stopped and deleted on drop.
pub struct PgCluster {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
    /// Run the server programs as this system user (when the tests run as root).
    run_as: Option<&'static str>,
    stopped: bool,
    tls: bool,
}

impl PgCluster {
    /// initdb and start a cluster; fails with a message saying what to install when the
    /// server programs are missing.
    pub fn start() -> Result<PgCluster, PgError> {
        PgCluster::start_inner(false)
    }

    /// A cluster that also accepts TLS, with a server certificate for 127.0.0.1 and
    /// localhost signed by a throwaway CA (`ca_cert_path`). Needs the `openssl` program.
    pub fn start_with_tls() -> Result<PgCluster, PgError> {
        PgCluster::start_inner(true)
    }

    fn start_inner(tls: bool) -> Result<PgCluster, PgError> {
        let bin = find_bin_dir(
            std::env::var("PATH").ok().as_deref(),
            Path::new(DEBIAN_ROOT),
        )?;
        let dir = fresh_dir()?;
        let run_as = if running_as_root() {
            let (uid, gid) = system_user("postgres").ok_or_else(|| {
                PgError::Missing(
                    "running as root, and initdb refuses root: the `postgres` system user is needed \
                     to run the test cluster (Debian's `postgresql` package creates it)"
                        .into(),
                )
            })?;
            std::os::unix::fs::chown(&dir, Some(uid), Some(gid)).map_err(|e| {
                PgError::Failed(format!("cannot give {} to postgres: {e}", dir.display()))
            })?;
            Some("postgres")
        } else {
            None
        };
        let mut cluster = PgCluster {
            dir,
            bin,
            port: 0,
            run_as,
            stopped: true,
            tls,
        };
        cluster.initdb()?;
        if tls {
            cluster.make_certificates()?;
        }
        // A port found free can be taken by someone else before the server binds it.
        let mut last = None;
        for _ in 0..5 {
            cluster.port = free_port()?;
            match cluster.start_server() {
                Ok(()) => {
                    cluster.stopped = false;
                    return Ok(cluster);
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| PgError::Failed("the server did not start".into())))
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn socket_dir(&self) -> PathBuf {
        self.dir.join("socket")
    }

    fn log_path(&self) -> PathBuf {
        self.dir.join("server.log")
    }

    /// A command for one of the server programs, as the postgres user when we are root.
    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        let mut c = match self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(path);
                c
            }
            None => Command::new(path),
        };
        // The caller's working directory may not be readable by the postgres user.
        c.current_dir(&self.dir);
        c.env("LC_ALL", "C");
        c
    }

    fn run(&self, what: &str, mut c: Command) -> Result<Output, PgError> {
        let out = c
            .output()
            .map_err(|e| PgError::Failed(format!("cannot run {what}: {e}")))?;
        if out.status.success() {
            return Ok(out);
        }
        Err(PgError::Failed(format!(
            "{what} failed ({}): {}{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            self.log_tail()
        )))
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.log_path()).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(20).collect();
        if tail.is_empty() {
            return String::new();
        }
        let lines: Vec<&str> = tail.into_iter().rev().collect();
        format!("\nserver log:\n{}", lines.join("\n"))
    }

    fn initdb(&self) -> Result<(), PgError> {
        let pwfile = self.dir.join("pwfile");
        std::fs::write(&pwfile, PASSWORD)
            .map_err(|e| PgError::Failed(format!("cannot write {}: {e}", pwfile.display())))?;
        if let Some((uid, gid)) = self.run_as.and_then(system_user) {
            std::os::unix::fs::chown(&pwfile, Some(uid), Some(gid)).map_err(|e| {
                PgError::Failed(format!("cannot give the password file to postgres: {e}"))
            })?;
        }
        let mut c = self.command("initdb");
        c.arg("-D")
            .arg(self.data())
            .args([
                "-U",
                USER,
                "--auth=scram-sha-256",
                "-E",
                "UTF8",
                "--no-locale",
                "--no-sync",
            ])
            .arg(format!("--pwfile={}", pwfile.display()));
        self.run("initdb", c)?;
        std::fs::create_dir_all(self.socket_dir())
            .map_err(|e| PgError::Failed(format!("cannot create the socket directory: {e}")))?;
        if let Some((uid, gid)) = self.run_as.and_then(system_user) {
            std::os::unix::fs::chown(self.socket_dir(), Some(uid), Some(gid)).map_err(|e| {
                PgError::Failed(format!("cannot give the socket directory to postgres: {e}"))
            })?;
        }
        Ok(())
    }

    fn start_server(&self) -> Result<(), PgError> {
        // Small memory settings: several clusters run at once on a small CI machine.
        let mut options = format!(
            "-c listen_addresses=127.0.0.1 -p {} -k {} -c shared_buffers=16MB -c max_connections=60 \
             -c dynamic_shared_memory_type=mmap",
            self.port,
            self.socket_dir().display()
        );
        if self.tls {
            options.push_str(&format!(
                " -c ssl=on -c ssl_cert_file={} -c ssl_key_file={}",
                self.dir.join("server.crt").display(),
                self.dir.join("server.key").display()
            ));
        }
        let mut c = self.command("pg_ctl");
        c.arg("start")
            .arg("-D")
            .arg(self.data())
            .arg("-l")
            .arg(self.log_path())
            .args(["-w", "-t", "60", "-o", &options]);
        self.run("pg_ctl start", c)?;
        // pg_ctl -w waits until the server accepts connections on its socket; TCP is there too.
        TcpStream::connect_timeout(&([127, 0, 0, 1], self.port).into(), Duration::from_secs(5))
            .map_err(|e| {
                PgError::Failed(format!(
                    "the server does not answer on port {}: {e}",
                    self.port
                ))
            })?;
        Ok(())
    }

    /// A CA and a server certificate it signs, made with the `openssl` program; the key is
    /// the server's (owned by it, mode 0600, or PostgreSQL refuses it).
    fn make_certificates(&self) -> Result<(), PgError> {
        let d = &self.dir;
        std::fs::write(
            d.join("server.ext"),
            "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
        )
        .map_err(|e| PgError::Failed(format!("cannot write the certificate extensions: {e}")))?;
        let ec = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
        ];
        let steps: [Vec<&str>; 3] = [
            [
                &["req", "-x509"][..],
                &ec,
                &["-keyout", "ca.key", "-out", "ca.crt", "-days", "2"],
                &[
                    "-subj",
                    "/CN=resto-test-ca",
                    "-addext",
                    "basicConstraints=critical,CA:TRUE",
                    "-addext",
                    "keyUsage=critical,keyCertSign,cRLSign",
                ],
            ]
            .concat(),
            [
                &["req"][..],
                &ec,
                &[
                    "-keyout",
                    "server.key",
                    "-out",
                    "server.csr",
                    "-subj",
                    "/CN=localhost",
                ],
            ]
            .concat(),
            vec![
                "x509",
                "-req",
                "-in",
                "server.csr",
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                "server.crt",
                "-days",
                "2",
                "-extfile",
                "server.ext",
            ],
        ];
        for args in steps {
            let mut c = Command::new("openssl");
            c.current_dir(d).args(&args);
            let out = c.output().map_err(|e| {
                PgError::Missing(format!(
                    "cannot run openssl ({e}): the TLS test cluster makes its certificates with it \
                     (Debian's `openssl` package, which `postgresql` pulls in)"
                ))
            })?;
            if !out.status.success() {
                return Err(PgError::Failed(format!(
                    "openssl {} failed: {}",
                    args.join(" "),
                    String::from_utf8_lossy(&out.stderr)
                )));
            }
        }
        let key = d.join("server.key");
        std::fs::set_permissions(&key, std::os::unix::fs::PermissionsExt::from_mode(0o600))
            .map_err(|e| PgError::Failed(format!("cannot protect the server key: {e}")))?;
        if let Some((uid, gid)) = self.run_as.and_then(system_user) {
            for f in ["server.key", "server.crt", "ca.crt"] {
                std::os::unix::fs::chown(d.join(f), Some(uid), Some(gid))
                    .map_err(|e| PgError::Failed(format!("cannot give {f} to postgres: {e}")))?;
            }
        }
        Ok(())
    }

    /// The throwaway CA that signed the server certificate (`start_with_tls`).
    pub fn ca_cert_path(&self) -> PathBuf {
        self.dir.join("ca.crt")
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The unix socket directory (inside the cluster's temp directory).
    pub fn socket_dir_path(&self) -> PathBuf {
        self.socket_dir()
    }

    /// The cluster's temp directory (data, socket and log).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `postgres://` URL of database `db` over TCP on 127.0.0.1.
    pub fn url_for(&self, db: &str) -> String {
        format!("postgres://{USER}:{PASSWORD}@127.0.0.1:{}/{db}", self.port)
    }

    /// URL of the `postgres` database that initdb creates.
    pub fn url(&self) -> String {
        self.url_for("postgres")
    }

    /// Creates an empty database and returns its URL (one cluster, several independent
    /// databases).
    pub fn create_database(&self, name: &str) -> Result<String, PgError> {
        let mut c = self.command("createdb");
        c.env("PGPASSWORD", PASSWORD).args([
            "-h",
            "127.0.0.1",
            "-p",
            &self.port.to_string(),
            "-U",
            USER,
            name,
        ]);
        self.run("createdb", c)?;
        Ok(self.url_for(name))
    }

    /// Runs one SQL command with `psql` and returns its unaligned output (columns joined by
    /// `|`, rows by newlines, NULL as "").
    pub fn psql(&self, db: &str, sql: &str) -> Result<String, PgError> {
        let rows = psql_rows(&self.url_for(db), sql)?;
        Ok(rows
            .iter()
            .map(|r| {
                r.iter()
                    .map(|v| v.as_deref().unwrap_or(""))
                    .collect::<Vec<_>>()
                    .join("|")
            })
            .collect::<Vec<_>>()
            .join("\n"))
    }

    /// Stops the server at once (`-m immediate`: a crash, as far as the server knows; the
    /// data is thrown away anyway).
    pub fn stop(&mut self) -> Result<(), PgError> {
        if self.stopped {
            return Ok(());
        }
        self.stopped = true;
        let mut c = self.command("pg_ctl");
        c.arg("stop")
            .arg("-D")
            .arg(self.data())
            .args(["-m", "immediate", "-w"]);
        self.run("pg_ctl stop", c).map(|_| ())
    }
}

impl PgCluster {
    /// Starts the stopped server again on the same port and data, as after a crash
    /// (`stop` is an immediate shutdown, so the server recovers from its WAL).
    pub fn restart(&mut self) -> Result<(), PgError> {
        if !self.stopped {
            return Err(PgError::Failed(
                "the server is running; stop it first".into(),
            ));
        }
        self.start_server()?;
        self.stopped = false;
        Ok(())
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        if let Err(e) = self.stop() {
            eprintln!("pg test cluster: {e}");
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Rows of one query on the database at `url`, each column as text (None for NULL), for
/// tests that read the same tables on either backend.
pub fn psql_rows(url: &str, sql: &str) -> Result<Vec<Vec<Option<String>>>, PgError> {
    const NULL: &str = "\u{1}";
    let bin = find_bin_dir(
        std::env::var("PATH").ok().as_deref(),
        Path::new(DEBIAN_ROOT),
    )?;
    let out = Command::new(bin.join("psql"))
        .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"])
        .args([
            "-F",
            "\u{1f}",
            "-R",
            "\u{1e}",
            "-P",
            &format!("null={NULL}"),
        ])
        .args(["-d", url, "-c", sql])
        .output()
        .map_err(|e| PgError::Failed(format!("cannot run psql: {e}")))?;
    if !out.status.success() {
        return Err(PgError::Failed(format!(
            "psql failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let text = text.strip_suffix('\n').unwrap_or(&text);
    Ok(text
        .split('\u{1e}')
        .filter(|r| !r.is_empty())
        .map(|r| {
            r.split('\u{1f}')
                .map(|v| (v != NULL).then(|| v.to_string()))
                .collect()
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_binaries_say_what_to_install() {
        let empty = std::env::temp_dir().join(format!("resto-pg-none-{}", std::process::id()));
        let err = find_bin_dir(Some(""), &empty).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, PgError::Missing(_)));
        assert!(msg.contains("apt-get install postgresql"), "{msg}");
    }

    #[test]
    fn a_cluster_starts_answers_sql_and_is_gone_after_drop() {
        let cluster = PgCluster::start().unwrap_or_else(|e| panic!("{e}"));
        let (port, dir) = (cluster.port(), cluster.dir().to_path_buf());
        assert!(cluster
            .socket_dir_path()
            .join(format!(".s.PGSQL.{port}"))
            .exists());
        assert_eq!(cluster.psql("postgres", "SELECT 40 + 2").unwrap(), "42");
        let url = cluster.create_database("shop").unwrap();
        assert!(url.starts_with("postgres://") && url.ends_with(&format!(":{port}/shop")));
        assert_eq!(
            cluster.psql("shop", "SELECT current_database()").unwrap(),
            "shop"
        );
        // Password authentication is on: a wrong password is refused.
        let mut c = cluster.command("psql");
        c.env("PGPASSWORD", "wrong").args([
            "-X",
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-U",
            USER,
            "-c",
            "SELECT 1",
            "postgres",
        ]);
        assert!(
            !c.output().unwrap().status.success(),
            "a wrong password must be refused"
        );
        drop(cluster);
        assert!(!dir.exists(), "the temp directory is removed");
        assert!(
            TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_secs(1))
                .is_err(),
            "the server is stopped"
        );
    }

    #[test]
    fn two_clusters_run_side_by_side() {
        let a = PgCluster::start().unwrap_or_else(|e| panic!("{e}"));
        let b = PgCluster::start().unwrap_or_else(|e| panic!("{e}"));
        assert_ne!(a.port(), b.port());
        a.psql("postgres", "CREATE TABLE only_in_a (x int)")
            .unwrap();
        assert_eq!(
            b.psql(
                "postgres",
                "SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_a'"
            )
            .unwrap(),
            "0"
        );
    }
}
