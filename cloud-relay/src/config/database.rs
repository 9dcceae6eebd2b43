//! `RELAY_DATABASE_URL`: which database the relay keeps its state in. Unset (the default):
//! SQLite, `relay.db` in `RELAY_DATA_DIR`. A `postgres://` URL: PostgreSQL, for several
//! relays on one database (docs/relay.md § PostgreSQL backend). Environment only, never the
//! TOML file: the URL carries the database password, and is kept as a `Secret` so it never
//! reaches a log.
//!
//! Every command knows both backends except `backup` and `restore` (which point to
//! PostgreSQL's own tools) and `demo` (which sets up its own embedded SQLite relay).

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

/// `resto-relay demo` builds a throwaway restaurant in its own SQLite database.
pub const DEMO_ON_SQLITE: &str = "`resto-relay demo` sets up a throwaway restaurant in its own SQLite \
     database and never touches a shared one: unset RELAY_DATABASE_URL (and point RELAY_DATA_DIR at an \
     empty directory) to run the demo.";

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
            Backend::Postgres(_) if command == "demo" => Err(DEMO_ON_SQLITE.to_string()),
            Backend::Postgres(_) => Err(format!(
                "`resto-relay {command}` only works on SQLite: unset RELAY_DATABASE_URL"
            )),
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
    fn a_postgres_url_is_selected_kept_secret_and_served() {
        let url = "postgres://relay:hunter2@db:5432/relay";
        let cfg = RelayConfig::load(None, &[("RELAY_DATABASE_URL", url)]).unwrap();
        assert_eq!(cfg.backend(), Backend::Postgres(Secret::new(url)));
        assert!(!format!("{cfg:?}").contains("hunter2"));
        let problems = cfg.fatal_problems();
        assert!(
            !problems.iter().any(|p| p.contains("DATABASE")),
            "{problems:?}"
        );
        let demo = cfg.require_sqlite("demo").unwrap_err();
        assert!(demo.contains("unset RELAY_DATABASE_URL"), "{demo}");
        // A command that only knew SQLite would be refused with the reason.
        let refused = cfg.require_sqlite("a-new-command").unwrap_err();
        assert!(refused.contains("resto-relay a-new-command"), "{refused}");
        let backup = cfg.require_sqlite("backup").unwrap_err();
        assert!(
            backup.contains("pg_dump") && backup.contains("master.key"),
            "{backup}"
        );
        assert!(refused.contains("unset RELAY_DATABASE_URL"), "{refused}");
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
