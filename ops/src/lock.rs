//! The data directory's lock file: a running daemon holds an exclusive `flock` on
//! `<data dir>/<name>.lock` for its whole life. The kernel drops it when the process dies
//! (even by SIGKILL), so it never goes stale, and `restore` can tell for sure whether a
//! daemon is using the database.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("{path} is locked: a {program} daemon is running on this data directory. Stop it first (`systemctl stop {program}`).")]
    Held { path: PathBuf, program: String },
    #[error("cannot open the lock file {path}: {source}. Check the data directory's permissions.")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Held while alive; dropping it (or the process ending) releases the lock.
#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
    pub path: PathBuf,
}

pub fn lock_path(data_dir: &Path, program: &str) -> PathBuf {
    data_dir.join(format!("{program}.lock"))
}

impl DataDirLock {
    /// Takes the lock without waiting; fails with `Held` if another process has it.
    pub fn acquire(data_dir: &Path, program: &str) -> Result<DataDirLock, LockError> {
        let path = lock_path(data_dir, program);
        let io = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(data_dir).map_err(io)?;
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => Ok(DataDirLock { _file: file, path }),
            Err(TryLockError::WouldBlock) => Err(LockError::Held {
                path,
                program: program.to_string(),
            }),
            Err(TryLockError::Error(e)) => Err(io(e)),
        }
    }
}

/// Serialises schema migrations between processes on one database: the daemon starting and
/// a CLI command (`menu import`, `route add`) run at the same moment would otherwise both read
/// "V7 not applied" and the second would fail on `index … already exists`. Held (blocking,
/// `flock` on `<db>.migrate-lock`) only while the migrations run.
#[derive(Debug)]
pub struct MigrationLock {
    _file: File,
}

impl MigrationLock {
    pub fn wait(db: &Path) -> std::io::Result<MigrationLock> {
        let mut name = db.as_os_str().to_owned();
        name.push(".migrate-lock");
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(PathBuf::from(name))?;
        file.lock()?;
        Ok(MigrationLock { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_until_the_first_lets_go() {
        let dir = std::env::temp_dir().join(format!("ops-lock-{}", std::process::id()));
        let first = DataDirLock::acquire(&dir, "resto-edge").unwrap();
        let err = DataDirLock::acquire(&dir, "resto-edge").unwrap_err();
        assert!(
            err.to_string().contains("systemctl stop resto-edge"),
            "{err}"
        );
        drop(first);
        DataDirLock::acquire(&dir, "resto-edge").unwrap();
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn a_second_migration_waits_for_the_first_to_finish() {
        let dir = std::env::temp_dir().join(format!("ops-mlock-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("x.db");
        let first = MigrationLock::wait(&db).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let db2 = db.clone();
        let second = std::thread::spawn(move || {
            let _l = MigrationLock::wait(&db2).unwrap();
            tx.send(()).unwrap();
        });
        assert!(
            rx.recv_timeout(std::time::Duration::from_millis(300))
                .is_err(),
            "the second migration must not start while the first holds the lock"
        );
        drop(first);
        rx.recv_timeout(std::time::Duration::from_secs(60))
            .expect("the second migration starts once the first is done");
        second.join().unwrap();
        std::fs::remove_dir_all(dir).ok();
    }
}
