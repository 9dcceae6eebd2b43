//! Files that hold secrets (the master key, the demo's generated app secret and token):
//! written readable by their owner only, read back trimmed.
//!
//! May import: nothing else in this crate, so `nodes`, `demo` and `cli` can all use it.

use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum PrivateFileError {
    // The io error is the source, not part of the message: `{:#}` prints "…: <io error>" once.
    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Writes a file only its owner can read, creating parent directories.
pub fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(contents)?;
    f.sync_all()
}

/// The secret kept in `path`, or a new random one (32 hex characters) written there first,
/// so a secret the demo generated survives restarts.
pub fn read_or_create_private(path: &Path) -> Result<String, PrivateFileError> {
    match std::fs::read_to_string(path) {
        Ok(s) => Ok(s.trim().to_string()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let s = hex::encode(rand::random::<[u8; 16]>());
            write_private(path, s.as_bytes()).map_err(|source| PrivateFileError::Write {
                path: path.to_path_buf(),
                source,
            })?;
            Ok(s)
        }
        Err(source) => Err(PrivateFileError::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}
