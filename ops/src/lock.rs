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
}
