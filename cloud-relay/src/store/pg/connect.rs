//! From `RELAY_DATABASE_URL` to connections: the pool every query uses, and single
//! connections for the migration lock and LISTEN, which must keep one session of their own.
//!
//! TLS goes through rustls (no OpenSSL): `sslmode=disable` never uses it, `prefer` (the
//! default) uses it when the server offers it, `require` insists on it (`verify-ca` and
//! `verify-full` are taken as `require`). Whenever TLS is used the server's certificate and
//! name are verified — stricter than libpq's `require` — against the Mozilla roots
//! (webpki-roots), so a managed database with a public certificate works as is, or against
//! the CA certificates of `sslrootcert=/path/ca.pem` only, as libpq does, for a deployment's
//! own CA.

use super::super::StoreError;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio_postgres::config::SslMode;
use tokio_postgres_rustls::MakeRustlsConnect;

/// Connections each relay keeps at most; PostgreSQL's default max_connections (100) fits a
/// few relays plus operators.
pub const DEFAULT_POOL_SIZE: usize = 16;

/// A parsed database URL and the TLS it asks for.
#[derive(Clone)]
pub struct PgTarget {
    pub config: tokio_postgres::Config,
    tls: MakeRustlsConnect,
}

impl std::fmt::Debug for PgTarget {
    // No Debug of the config: it would print the password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgTarget")
            .field("hosts", &self.config.get_hosts())
            .field("dbname", &self.config.get_dbname())
            .field("ssl_mode", &self.config.get_ssl_mode())
            .finish()
    }
}

impl PgTarget {
    /// Parses a `postgres://user:password@host:port/db?sslmode=…` URL. The error never
    /// repeats the URL (it holds the password).
    pub fn parse(url: &str) -> Result<PgTarget, StoreError> {
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(StoreError::Invalid(
                "RELAY_DATABASE_URL must be a postgres:// URL, e.g. postgres://relay:PASSWORD@db.example:5432/relay?sslmode=require".into(),
            ));
        }
        let (url, root_cert) = libpq_tls_params(url)?;
        let mut config: tokio_postgres::Config = url.parse().map_err(|e| {
            StoreError::Invalid(format!(
                "RELAY_DATABASE_URL is not a valid PostgreSQL URL ({e}); expected postgres://user:password@host:port/db"
            ))
        })?;
        if config.get_dbname().is_none() {
            return Err(StoreError::Invalid(
                "RELAY_DATABASE_URL names no database: add it after the host, e.g. …@db.example:5432/relay".into(),
            ));
        }
        if config.get_application_name().is_none() {
            config.application_name("resto-relay");
        }
        // The 200 the relay answers Meta is a promise: a commit must be on disk (and on the
        // synchronous replicas the operator configured) before it returns, whatever the
        // server's or role's default.
        let options = match config.get_options() {
            Some(o) => format!("{o} -c synchronous_commit=on"),
            None => "-c synchronous_commit=on".to_string(),
        };
        config.options(options);
        config.connect_timeout(Duration::from_secs(10));
        let roots = match &root_cert {
            Some(path) => own_roots(path)?,
            None => rustls::RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            },
        };
        Ok(PgTarget {
            config,
            tls: rustls_connector(roots),
        })
    }

    /// `postgres://host:port/db`, for messages: no user, no password.
    pub fn shown(&self) -> String {
        let host = match self.config.get_hosts().first() {
            Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
            Some(tokio_postgres::config::Host::Unix(p)) => p.display().to_string(),
            None => "localhost".into(),
        };
        let port = self.config.get_ports().first().copied().unwrap_or(5432);
        let db = self.config.get_dbname().unwrap_or_default();
        format!("postgres://{host}:{port}/{db}")
    }

    pub fn ssl_mode(&self) -> SslMode {
        self.config.get_ssl_mode()
    }

    /// The pool of connections for queries and the group-commit writer.
    pub fn pool(&self, size: usize) -> Result<Pool, StoreError> {
        let manager = Manager::from_config(
            self.config.clone(),
            self.tls.clone(),
            ManagerConfig {
                // A connection that died (server restart, failover) is noticed before it is
                // handed out, not by the webhook that would use it.
                recycling_method: RecyclingMethod::Fast,
            },
        );
        Pool::builder(manager)
            .max_size(size)
            .wait_timeout(Some(Duration::from_secs(10)))
            .create_timeout(Some(Duration::from_secs(10)))
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .build()
            .map_err(|e| StoreError::Invalid(format!("cannot build the PostgreSQL pool: {e}")))
    }

    /// One connection of its own, driven by a task that forwards what the server sends
    /// outside of queries (notifications) to `messages`, if given.
    pub async fn connect_one(
        &self,
        messages: Option<tokio::sync::mpsc::UnboundedSender<tokio_postgres::AsyncMessage>>,
    ) -> Result<tokio_postgres::Client, StoreError> {
        let (client, mut connection) = self.config.connect(self.tls.clone()).await?;
        tokio::spawn(async move {
            let mut messages = messages;
            loop {
                let next = std::future::poll_fn(|cx| connection.poll_message(cx)).await;
                match next {
                    Some(Ok(msg)) => {
                        if let Some(tx) = &messages {
                            if tx.send(msg).is_err() {
                                messages = None;
                            }
                        }
                    }
                    Some(Err(e)) => {
                        tracing::warn!(error = %e, "PostgreSQL connection closed");
                        break;
                    }
                    None => break,
                }
            }
        });
        Ok(client)
    }
}

/// Takes out of the URL what libpq understands and tokio-postgres does not: `sslrootcert`
/// (returned), and `sslmode=verify-ca|verify-full` (made `require`: this relay always
/// verifies). Returns the URL tokio-postgres can parse.
fn libpq_tls_params(raw: &str) -> Result<(String, Option<PathBuf>), StoreError> {
    let mut url = url::Url::parse(raw).map_err(|e| {
        StoreError::Invalid(format!(
            "RELAY_DATABASE_URL is not a valid URL ({e}); expected postgres://user:password@host:port/db"
        ))
    })?;
    let mut root_cert = None;
    // Raw segments are kept as written: re-encoding would turn `%20` into `+`, which
    // tokio-postgres does not read as a space.
    let mut kept: Vec<String> = Vec::new();
    for raw in url
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|s| !s.is_empty())
    {
        let (k, v) = url::form_urlencoded::parse(raw.as_bytes())
            .next()
            .unwrap_or_default();
        match (k.as_ref(), v.as_ref()) {
            // libpq's "system": the default roots.
            ("sslrootcert", "system") => {}
            ("sslrootcert", path) => root_cert = Some(PathBuf::from(path)),
            ("sslmode", "verify-ca" | "verify-full") => kept.push("sslmode=require".into()),
            _ => kept.push(raw.to_string()),
        }
    }
    url.set_query(
        Some(&kept.join("&"))
            .filter(|q| !q.is_empty())
            .map(|q| q.as_str()),
    );
    Ok((url.into(), root_cert))
}

/// The CA certificates of an `sslrootcert` PEM file.
fn own_roots(path: &Path) -> Result<rustls::RootCertStore, StoreError> {
    let unreadable = |e: &dyn std::fmt::Display| {
        StoreError::Invalid(format!(
            "cannot read the CA certificates in sslrootcert={} ({e}); give a PEM file of the database server's CA",
            path.display()
        ))
    };
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(path).map_err(|e| unreadable(&e))? {
        roots
            .add(cert.map_err(|e| unreadable(&e))?)
            .map_err(|e| unreadable(&e))?;
    }
    if roots.is_empty() {
        return Err(unreadable(&"no certificate in it"));
    }
    Ok(roots)
}

/// rustls with the ring provider, the same as the relay's HTTPS client.
fn rustls_connector(roots: rustls::RootCertStore) -> MakeRustlsConnect {
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("ring supports the default TLS versions")
    .with_root_certificates(roots)
    .with_no_client_auth();
    MakeRustlsConnect::new(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_and_errors_never_echo_the_password() {
        let e = PgTarget::parse("mysql://u:secretpw@h/db").unwrap_err();
        assert!(!e.to_string().contains("secretpw"));
        let e = PgTarget::parse("postgres://u:secretpw@h:notaport/db").unwrap_err();
        assert!(!e.to_string().contains("secretpw"), "{e}");
        let e = PgTarget::parse("postgres://u:secretpw@h:5432").unwrap_err();
        assert!(e.to_string().contains("names no database"), "{e}");
        let t = PgTarget::parse("postgres://u:secretpw@h:5432/relay?sslmode=require").unwrap();
        assert_eq!(t.ssl_mode(), SslMode::Require);
        assert!(!format!("{t:?}").contains("secretpw"));
        assert_eq!(t.shown(), "postgres://h:5432/relay");
        assert!(t
            .config
            .get_options()
            .unwrap()
            .contains("synchronous_commit=on"));
        let t =
            PgTarget::parse("postgres://u:pw@h/relay?options=-c%20statement_timeout%3D5s").unwrap();
        assert_eq!(
            t.config.get_options(),
            Some("-c statement_timeout=5s -c synchronous_commit=on")
        );
        let t = PgTarget::parse("postgres://u:pw@h/relay?sslmode=verify-full&sslrootcert=system")
            .unwrap();
        assert_eq!(t.ssl_mode(), SslMode::Require);
        let e =
            PgTarget::parse("postgres://u:pw@h/relay?sslrootcert=/nonexistent/ca.pem").unwrap_err();
        assert!(
            e.to_string().contains("sslrootcert=/nonexistent/ca.pem"),
            "{e}"
        );
    }
}
