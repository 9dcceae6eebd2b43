//! Online backups of a daemon's SQLite database, their rotation, and restoring one.
//!
//! A backup copies the database with SQLite's online backup API in one step, which reads a
//! consistent snapshot while the daemon keeps writing (WAL: readers never block the writer).
//! It is written to a `.partial` file, checked with `PRAGMA integrity_check`, fsynced and only
//! then renamed into place, so a file named like a backup is always a good one.

use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("database error while copying {path}: {source}")]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the backup of {db} failed its integrity check and was deleted: {detail}. The live database may be damaged: run `PRAGMA integrity_check` on it and restore the last good backup.")]
    Corrupt { db: PathBuf, detail: String },
    #[error("{0} is not a usable backup: {1}. Pick another file (list them with `ls -l` in the backup directory).")]
    BadBackup(PathBuf, String),
    #[error("{0} does not exist; nothing to back up. Is the data directory right?")]
    NoDatabase(PathBuf),
    #[error("{db} already holds data. Restoring replaces it: pass --force to confirm (the current file is kept aside as {db}.before-restore-<time>).")]
    NotEmpty { db: PathBuf },
    #[error("cannot bring the restored database up to date: {0}")]
    Migrate(String),
}

fn sql(path: &Path) -> impl Fn(rusqlite::Error) -> BackupError + '_ {
    move |source| BackupError::Sqlite {
        path: path.to_path_buf(),
        source,
    }
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.to_path_buf(),
        source,
    }
}

#[derive(Debug, Clone)]
pub struct BackupReport {
    pub path: PathBuf,
    pub bytes: u64,
}

/// `PRAGMA integrity_check` on a closed file: `Ok` or the first problems SQLite lists.
pub fn integrity_check(path: &Path) -> Result<(), String> {
    let c = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| e.to_string())?;
    let mut st = c
        .prepare("PRAGMA integrity_check(20)")
        .map_err(|e| e.to_string())?;
    let lines: Vec<String> = st
        .query_map([], |r| r.get(0))
        .and_then(|rows| rows.collect())
        .map_err(|e| e.to_string())?;
    if lines == ["ok"] {
        Ok(())
    } else {
        Err(lines.join("; "))
    }
}

/// Copies the live database `db` to `dest` while its daemon runs.
pub fn backup(db: &Path, dest: &Path) -> Result<BackupReport, BackupError> {
    if !db.exists() {
        return Err(BackupError::NoDatabase(db.to_path_buf()));
    }
    if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
    }
    let partial = with_suffix(dest, ".partial");
    let _ = std::fs::remove_file(&partial);
    let src = Connection::open(db).map_err(sql(db))?;
    src.busy_timeout(Duration::from_secs(10)).map_err(sql(db))?;
    {
        let mut out = Connection::open(&partial).map_err(sql(&partial))?;
        let b = rusqlite::backup::Backup::new(&src, &mut out).map_err(sql(db))?;
        // All pages in one step: one read transaction, one consistent snapshot. Busy/Locked
        // only happen while another connection holds an exclusive lock; wait it out.
        let mut tries = 0;
        loop {
            match b.step(-1).map_err(sql(db))? {
                rusqlite::backup::StepResult::Done => break,
                _ if tries < 600 => {
                    tries += 1;
                    std::thread::sleep(Duration::from_millis(50));
                }
                _ => {
                    return Err(BackupError::Sqlite {
                        path: db.to_path_buf(),
                        source: rusqlite::Error::SqliteFailure(
                            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
                            Some("the database stayed locked for 30 s".into()),
                        ),
                    })
                }
            }
        }
    }
    // The copy keeps the source's WAL flag; a standalone file is easier to move around.
    {
        let c = Connection::open(&partial).map_err(sql(&partial))?;
        c.pragma_update(None, "journal_mode", "DELETE")
            .map_err(sql(&partial))?;
    }
    if let Err(detail) = integrity_check(&partial) {
        let _ = std::fs::remove_file(&partial);
        return Err(BackupError::Corrupt {
            db: db.to_path_buf(),
            detail,
        });
    }
    fsync(&partial)?;
    std::fs::rename(&partial, dest).map_err(io(dest))?;
    fsync_dir(dest);
    let bytes = std::fs::metadata(dest).map_err(io(dest))?.len();
    Ok(BackupReport {
        path: dest.to_path_buf(),
        bytes,
    })
}

/// `<dir>/<prefix>-<UTC time>.db`: names sort by age.
pub fn scheduled_name(dir: &Path, prefix: &str, now: chrono::DateTime<chrono::Utc>) -> PathBuf {
    dir.join(format!("{prefix}-{}.db", now.format("%Y%m%dT%H%M%SZ")))
}

/// A scheduled backup into `dir`, then rotation keeping the `keep` newest.
pub fn backup_and_rotate(
    db: &Path,
    dir: &Path,
    prefix: &str,
    keep: usize,
) -> Result<(BackupReport, Vec<PathBuf>), BackupError> {
    let dest = scheduled_name(dir, prefix, chrono::Utc::now());
    let report = backup(db, &dest)?;
    let removed = rotate(dir, prefix, keep)?;
    Ok((report, removed))
}

/// Deletes all but the `keep` newest `<prefix>-*.db` files in `dir` (never other files).
pub fn rotate(dir: &Path, prefix: &str, keep: usize) -> Result<Vec<PathBuf>, BackupError> {
    let mut ours: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io(dir))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&format!("{prefix}-")) && n.ends_with(".db"))
        })
        .collect();
    ours.sort();
    let excess = ours.len().saturating_sub(keep.max(1));
    let mut removed = Vec::new();
    for p in ours.into_iter().take(excess) {
        std::fs::remove_file(&p).map_err(io(&p))?;
        removed.push(p);
    }
    Ok(removed)
}

#[derive(Debug)]
pub struct RestoreReport {
    /// Where the database that was replaced now lives (`None`: there was none).
    pub previous: Option<PathBuf>,
    /// Migrations applied to bring an older backup up to this program's schema.
    pub migrated: Vec<String>,
}

/// Replaces `db` with `backup_file`. The caller must hold the data directory's lock (so no
/// daemon is running and none starts meanwhile). `ignore_tables` are tables a fresh,
/// migrated database already has rows in (singletons), which do not make it "non-empty".
pub fn restore(
    backup_file: &Path,
    db: &Path,
    force: bool,
    ignore_tables: &[&str],
    migrate: impl FnOnce(&Path) -> Result<Vec<String>, String>,
) -> Result<RestoreReport, BackupError> {
    integrity_check(backup_file)
        .map_err(|e| BackupError::BadBackup(backup_file.to_path_buf(), e))?;
    let previous = if db.exists() {
        if !force && has_data(db, ignore_tables)? {
            return Err(BackupError::NotEmpty {
                db: db.to_path_buf(),
            });
        }
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
        let aside = with_suffix(db, &format!(".before-restore-{stamp}"));
        // The WAL and shared-memory files travel with the database: they may hold its last
        // committed transactions.
        for ext in ["-wal", "-shm"] {
            let from = with_suffix(db, ext);
            if from.exists() {
                let to = with_suffix(&aside, ext);
                std::fs::rename(&from, &to).map_err(io(&from))?;
            }
        }
        std::fs::rename(db, &aside).map_err(io(db))?;
        Some(aside)
    } else {
        None
    };
    let incoming = with_suffix(db, ".restoring");
    std::fs::copy(backup_file, &incoming).map_err(io(&incoming))?;
    fsync(&incoming)?;
    std::fs::rename(&incoming, db).map_err(io(db))?;
    fsync_dir(db);
    let migrated = migrate(db).map_err(BackupError::Migrate)?;
    Ok(RestoreReport { previous, migrated })
}

/// Any row in any table other than the migration history and `ignore`.
fn has_data(db: &Path, ignore: &[&str]) -> Result<bool, BackupError> {
    let c = Connection::open(db).map_err(sql(db))?;
    c.busy_timeout(Duration::from_secs(5)).map_err(sql(db))?;
    let tables: Vec<String> = c
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'refinery_schema_history'")
        .and_then(|mut st| st.query_map([], |r| r.get(0))?.collect())
        .map_err(sql(db))?;
    for t in tables.iter().filter(|t| !ignore.contains(&t.as_str())) {
        let q = format!(
            "SELECT EXISTS (SELECT 1 FROM \"{}\")",
            t.replace('"', "\"\"")
        );
        let any: bool = c.query_row(&q, [], |r| r.get(0)).map_err(sql(db))?;
        if any {
            return Ok(true);
        }
    }
    Ok(false)
}

fn with_suffix(p: &Path, suffix: &str) -> PathBuf {
    let mut s = p.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

fn fsync(p: &Path) -> Result<(), BackupError> {
    std::fs::File::open(p)
        .and_then(|f| f.sync_all())
        .map_err(io(p))
}

fn fsync_dir(p: &Path) {
    if let Some(d) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
        if let Ok(f) = std::fs::File::open(d) {
            let _ = f.sync_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "ops-backup-{name}-{}-{}",
            std::process::id(),
            chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0)
        ));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn db_with(path: &Path, rows: &[i64]) {
        let c = Connection::open(path).unwrap();
        c.pragma_update(None, "journal_mode", "WAL").unwrap();
        c.execute_batch("CREATE TABLE IF NOT EXISTS t (x INTEGER)")
            .unwrap();
        for r in rows {
            c.execute("INSERT INTO t VALUES (?1)", [r]).unwrap();
        }
    }

    fn rows(path: &Path) -> Vec<i64> {
        let c = Connection::open(path).unwrap();
        let mut st = c.prepare("SELECT x FROM t ORDER BY x").unwrap();
        st.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    #[test]
    fn a_restore_brings_back_exactly_the_backed_up_rows_and_keeps_the_old_file_aside() {
        let d = tmp("roundtrip");
        let db = d.join("x.db");
        db_with(&db, &[1, 2]);
        let b = backup(&db, &d.join("b.db")).unwrap();
        db_with(&db, &[3]);
        let err = restore(&b.path, &db, false, &[], |_| Ok(vec![])).unwrap_err();
        assert!(err.to_string().contains("--force"), "{err}");
        let r = restore(&b.path, &db, true, &[], |_| Ok(vec!["V9".into()])).unwrap();
        assert_eq!(rows(&db), vec![1, 2]);
        assert_eq!(rows(r.previous.as_ref().unwrap()), vec![1, 2, 3]);
        assert_eq!(r.migrated, vec!["V9".to_string()]);
        std::fs::remove_dir_all(d).ok();
    }

    #[test]
    fn a_damaged_backup_file_is_refused_and_the_database_is_untouched() {
        let d = tmp("damaged");
        let db = d.join("x.db");
        db_with(&db, &[1]);
        let bad = d.join("bad.db");
        std::fs::write(&bad, b"this is not sqlite at all, just text").unwrap();
        let err = restore(&bad, &db, true, &[], |_| Ok(vec![])).unwrap_err();
        assert!(matches!(err, BackupError::BadBackup(..)), "{err}");
        assert_eq!(rows(&db), vec![1]);
        std::fs::remove_dir_all(d).ok();
    }

    #[test]
    fn rotation_keeps_the_newest_backups_and_nothing_else_is_touched() {
        let d = tmp("rotate");
        for day in 1..=9 {
            std::fs::write(d.join(format!("edge-2026010{day}T030000Z.db")), b"x").unwrap();
        }
        std::fs::write(d.join("notes.txt"), b"keep me").unwrap();
        let removed = rotate(&d, "edge", 7).unwrap();
        assert_eq!(removed.len(), 2);
        assert!(!d.join("edge-20260101T030000Z.db").exists());
        assert!(d.join("edge-20260109T030000Z.db").exists());
        assert!(d.join("notes.txt").exists());
        std::fs::remove_dir_all(d).ok();
    }

    #[test]
    fn an_empty_migrated_database_can_be_restored_over_without_force() {
        let d = tmp("empty");
        let db = d.join("x.db");
        db_with(&db, &[1]);
        let b = backup(&db, &d.join("b.db")).unwrap();
        std::fs::remove_file(&db).ok();
        let c = Connection::open(&db).unwrap();
        c.execute_batch("CREATE TABLE t (x INTEGER); CREATE TABLE single (id INTEGER); INSERT INTO single VALUES (1);").unwrap();
        drop(c);
        restore(&b.path, &db, false, &["single"], |_| Ok(vec![])).unwrap();
        assert_eq!(rows(&db), vec![1]);
        std::fs::remove_dir_all(d).ok();
    }
}
