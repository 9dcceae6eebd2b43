//! From `RELAY_DATABASE_URL` to connections: the pool every query uses, and single
//! connections for the migration lock and LISTEN, which must keep one session of their own.
//!
//! TLS goes through rustls (no OpenSSL): `sslmode=disable` never uses it, `prefer` (the
//! default) uses it when the server offers it, `require` insists on it. Whenever TLS is used
//! the server's certificate is verified against the Mozilla roots (webpki-roots), stricter
//! than libpq's `require`: a managed database with a public certificate works as is.

use super::super::StoreError;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
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
        Ok(PgTarget {
            config,
            tls: rustls_connector(),
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

/// rustls with the ring provider and the Mozilla roots, the same as the relay's HTTPS client.
fn rustls_connector() -> MakeRustlsConnect {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
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
    }
}
