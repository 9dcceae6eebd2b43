//! `RELAY_DATABASE_URL`: which database the relay keeps its state in. Unset (the default):
//! SQLite, `relay.db` in `RELAY_DATA_DIR`. A `postgres://` URL: PostgreSQL (issue 18), for
//! several relays on one database. Environment only, never the TOML file: the URL carries
//! the database password, and is kept as a `Secret` so it never reaches a log.
//!
//! The PostgreSQL backend is being built in steps; until every part of the relay runs on it,
//! `serve` (and every command that would quietly use SQLite instead) refuses to start with
//! the URL set, rather than run half on one database and half on the other. `migrate`,
//! `node`, `route`, `dlq` and `funnel` already work on PostgreSQL; `backup` and `restore` point to
//! PostgreSQL's own tools.

use super::env::EnvSource;
use super::RelayConfig;
use resto_ops::Secret;
use std::path::PathBuf;

/// Where the relay's state lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    /// `relay.db` at this path.
    Sqlite(PathBuf),
    /// The server at this URL.
    Postgres(Secret),
}

/// Why a relay with `RELAY_DATABASE_URL` set does not serve yet; said by `serve`,
/// `preflight` and the commands that only know SQLite.
pub const POSTGRES_NOT_READY: &str =
    "RELAY_DATABASE_URL selects PostgreSQL, which this relay cannot serve from yet: \
     ingest, reading, acks, cross-relay wake-ups, away notices, retention, housekeeping, nodes, \
     routes and the outbox store are built, but Graph sending, payments, media and metrics still \
     run on SQLite only (issue 18). Unset RELAY_DATABASE_URL to run on SQLite in RELAY_DATA_DIR; \
     `resto-relay migrate`, `node`, `route`, `dlq` and `funnel` already work on PostgreSQL.";

/// `resto-relay backup` and `restore` copy `relay.db`; a PostgreSQL deployment is backed up
/// with PostgreSQL's own tools.
pub const POSTGRES_BACKUP: &str = "RELAY_DATABASE_URL selects PostgreSQL: `resto-relay backup` and `restore` \
     only copy the SQLite relay.db. Back up the PostgreSQL database with its own tools: `pg_dump -Fc` \
     (a logical copy, restored with pg_restore) or `pg_basebackup` with WAL archiving (point-in-time \
     recovery; a streaming replica is not a backup). Keep master.key with the backups: it is not in \
     the database, and every relay of the deployment needs the same one.";

impl RelayConfig {
    pub(super) fn apply_database_env(&mut self, env: &dyn EnvSource, problems: &mut Vec<String>) {
        let Some(url) = env
            .get("RELAY_DATABASE_URL")
            .filter(|v| !v.trim().is_empty())
        else {
            return;
        };
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            self.database_url = Some(Secret::new(url));
        } else {
            // Not echoed: it may hold a password.
            problems.push(
                "RELAY_DATABASE_URL must be a postgres:// URL such as \
                 postgres://relay:PASSWORD@db.example:5432/relay?sslmode=require, or unset for SQLite"
                    .into(),
            );
        }
    }

    pub fn backend(&self) -> Backend {
        match &self.database_url {
            Some(url) => Backend::Postgres(url.clone()),
            None => Backend::Sqlite(self.db_path()),
        }
    }

    /// Refuses a command that only works on SQLite when PostgreSQL is selected.
    pub fn require_sqlite(&self, command: &str) -> Result<PathBuf, String> {
        match self.backend() {
            Backend::Sqlite(path) => Ok(path),
            Backend::Postgres(_) if matches!(command, "backup" | "restore") => {
                Err(POSTGRES_BACKUP.to_string())
            }
            Backend::Postgres(_) => Err(format!("`resto-relay {command}`: {POSTGRES_NOT_READY}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_keeps_sqlite_in_the_data_dir() {
        let cfg = RelayConfig::load(None, &[("RELAY_DATA_DIR", "/srv/relay")]).unwrap();
        assert_eq!(
            cfg.backend(),
            Backend::Sqlite(PathBuf::from("/srv/relay/relay.db"))
        );
        assert!(cfg.require_sqlite("node add").is_ok());
    }

    #[test]
    fn a_postgres_url_is_selected_kept_secret_and_refused_by_serve() {
        let url = "postgres://relay:hunter2@db:5432/relay";
        let cfg = RelayConfig::load(None, &[("RELAY_DATABASE_URL", url)]).unwrap();
        assert_eq!(cfg.backend(), Backend::Postgres(Secret::new(url)));
        assert!(!format!("{cfg:?}").contains("hunter2"));
        let problems = cfg.fatal_problems().join("\n");
        assert!(problems.contains("cannot serve from yet"), "{problems}");
        // Every command but backup and restore knows PostgreSQL now; one that did not would
        // be refused with the reason.
        let refused = cfg.require_sqlite("a-new-command").unwrap_err();
        assert!(refused.contains("resto-relay a-new-command"), "{refused}");
        let backup = cfg.require_sqlite("backup").unwrap_err();
        assert!(
            backup.contains("pg_dump") && backup.contains("master.key"),
            "{backup}"
        );
        assert!(refused.contains("Unset RELAY_DATABASE_URL"), "{refused}");
    }

    #[test]
    fn another_scheme_is_a_problem_that_does_not_echo_the_url() {
        let err = RelayConfig::load(
            None,
            &[("RELAY_DATABASE_URL", "mysql://u:hunter2@db/relay")],
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("RELAY_DATABASE_URL must be a postgres:// URL"),
            "{err}"
        );
        assert!(!err.contains("hunter2"), "{err}");
    }
}
