//! Staff accounts: argon2id password hashes, a lockout that survives restarts, sessions whose
//! tokens are stored hashed, and the scopes each role grants (checked on every endpoint).

use super::fmt_ts;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Consecutive failures that lock an account, and for how long.
pub const MAX_FAILURES: u32 = 5;
pub const LOCKOUT_MINUTES: i64 = 15;
pub const SESSION_HOURS: i64 = 12;
pub const MIN_SECRET_CHARS: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Owner,
    Staff,
}

/// What an endpoint needs. Roles are sets of scopes, so the check is the same everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Board, counter orders, conversations, availability toggles.
    Service,
    /// Prices, new items, names.
    MenuEdit,
    /// Money owed back to customers (refunds).
    Refunds,
    /// The business's settings and figures: anti-abuse policy and security log, FAQ,
    /// conversion funnel, QR table cards.
    Settings,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "owner" => Some(Role::Owner),
            "staff" => Some(Role::Staff),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Staff => "staff",
        }
    }
    pub fn allows(self, scope: Scope) -> bool {
        match self {
            Role::Owner => true,
            Role::Staff => scope == Scope::Service,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StaffError {
    #[error("the name must be 1 to 40 letters, digits, '.', '-' or '_'")]
    BadName,
    #[error("the password or PIN must have at least {MIN_SECRET_CHARS} characters")]
    ShortSecret,
    #[error("cannot hash the password: {0}")]
    Hash(String),
    #[error("database error: {0}")]
    Db(#[from] rusqlite::Error),
}

fn valid_name(n: &str) -> bool {
    (1..=40).contains(&n.chars().count())
        && n.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

pub fn hash_secret(secret: &str) -> Result<String, StaffError> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| StaffError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(secret.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StaffError::Hash(e.to_string()))
}

fn verify_secret(secret: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(secret.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Creates the account, or replaces the password and role of an existing one (which also
/// lifts a lockout and ends its sessions). Returns true when the account is new.
pub fn add(
    c: &Connection,
    name: &str,
    role: Role,
    secret: &str,
    now: &str,
) -> Result<bool, StaffError> {
    if !valid_name(name) {
        return Err(StaffError::BadName);
    }
    if secret.chars().count() < MIN_SECRET_CHARS {
        return Err(StaffError::ShortSecret);
    }
    let hash = hash_secret(secret)?;
    let existed: Option<i64> = c
        .query_row("SELECT id FROM staff WHERE name = ?1", params![name], |r| {
            r.get(0)
        })
        .optional()?;
    c.execute(
        "INSERT INTO staff (name, role, password_hash, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4) \
         ON CONFLICT (name) DO UPDATE SET role = excluded.role, password_hash = excluded.password_hash, \
         failed_logins = 0, locked_until = NULL, updated_at = excluded.updated_at",
        params![name, role.as_str(), hash, now],
    )?;
    if let Some(id) = existed {
        c.execute(
            "DELETE FROM staff_sessions WHERE staff_id = ?1",
            params![id],
        )?;
    }
    Ok(existed.is_none())
}

/// The lockout rule as a plain function: after `MAX_FAILURES` consecutive failures the account
/// is locked for `LOCKOUT_MINUTES`.
pub fn lock_after_failure(failures_so_far: u32, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    (failures_so_far + 1 >= MAX_FAILURES).then(|| now + Duration::minutes(LOCKOUT_MINUTES))
}

#[derive(Debug, PartialEq, Eq)]
pub enum LoginOutcome {
    /// The session token (for the cookie) and the CSRF token.
    Ok {
        token: String,
        csrf: String,
        staff: StaffInfo,
    },
    Wrong,
    Locked {
        until: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaffInfo {
    pub id: i64,
    pub name: String,
    pub role: Role,
}

fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Checks the password; a wrong one counts toward the lockout, and a locked account is
/// refused even with the right password. Unknown names cost the same argon2 work.
pub fn login(
    c: &Connection,
    name: &str,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<LoginOutcome, StaffError> {
    let row: Option<(i64, String, String, u32, Option<String>)> = c
        .query_row(
            "SELECT id, name, role, failed_logins, locked_until FROM staff WHERE name = ?1",
            params![name],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    let hash: Option<String> = match &row {
        Some((id, ..)) => Some(c.query_row(
            "SELECT password_hash FROM staff WHERE id = ?1",
            params![id],
            |r| r.get(0),
        )?),
        None => None,
    };
    let Some((id, name, role, failures, locked_until)) = row else {
        let _ = verify_secret(secret, &DUMMY_HASH);
        security_event(c, "login_unknown_name", &format!("name={name:?}"), now)?;
        return Ok(LoginOutcome::Wrong);
    };
    if let Some(until) = locked_until
        .as_deref()
        .and_then(|u| DateTime::parse_from_rfc3339(u).ok())
    {
        if until.with_timezone(&Utc) > now {
            security_event(c, "login_while_locked", &format!("name={name:?}"), now)?;
            return Ok(LoginOutcome::Locked {
                until: until.to_rfc3339(),
            });
        }
    }
    if !verify_secret(secret, hash.as_deref().unwrap_or(&DUMMY_HASH)) {
        // A lockout that expired starts a fresh count.
        let failures = if locked_until.is_some() { 0 } else { failures };
        let lock = lock_after_failure(failures, now);
        c.execute(
            "UPDATE staff SET failed_logins = ?2, locked_until = ?3 WHERE id = ?1",
            params![
                id,
                if lock.is_some() { 0 } else { failures + 1 },
                lock.map(fmt_ts)
            ],
        )?;
        security_event(
            c,
            "login_failed",
            &format!("name={name:?} failures={}", failures + 1),
            now,
        )?;
        if let Some(until) = lock {
            security_event(c, "account_locked", &format!("name={name:?}"), now)?;
            return Ok(LoginOutcome::Locked {
                until: fmt_ts(until),
            });
        }
        return Ok(LoginOutcome::Wrong);
    }
    c.execute(
        "UPDATE staff SET failed_logins = 0, locked_until = NULL WHERE id = ?1",
        params![id],
    )?;
    let token = random_token();
    let csrf = random_token();
    c.execute(
        "DELETE FROM staff_sessions WHERE expires_at < ?1",
        params![fmt_ts(now)],
    )?;
    c.execute(
        "INSERT INTO staff_sessions (token_hash, staff_id, csrf_token, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![token_hash(&token), id, csrf, fmt_ts(now), fmt_ts(now + Duration::hours(SESSION_HOURS))],
    )?;
    Ok(LoginOutcome::Ok {
        token,
        csrf,
        staff: StaffInfo {
            id,
            name,
            role: Role::parse(&role).unwrap_or(Role::Staff),
        },
    })
}

/// A valid session for `token`: who it is and its CSRF token.
pub fn session(
    c: &Connection,
    token: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<Option<(StaffInfo, String)>> {
    c.query_row(
        "SELECT s.id, s.name, s.role, x.csrf_token FROM staff_sessions x JOIN staff s ON s.id = x.staff_id \
         WHERE x.token_hash = ?1 AND x.expires_at > ?2",
        params![token_hash(token), fmt_ts(now)],
        |r| {
            Ok((
                StaffInfo {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    role: Role::parse(&r.get::<_, String>(2)?).unwrap_or(Role::Staff),
                },
                r.get(3)?,
            ))
        },
    )
    .optional()
}

pub fn logout(c: &Connection, token: &str) -> rusqlite::Result<()> {
    c.execute(
        "DELETE FROM staff_sessions WHERE token_hash = ?1",
        params![token_hash(token)],
    )?;
    Ok(())
}

pub fn security_event(
    c: &Connection,
    kind: &str,
    detail: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    // Refused logins and requests look like attacks: warn, and keep them in the same log as
    // the trust decisions so the owner reads one security page.
    tracing::warn!(kind, detail, "security event");
    crate::store::trust::record_event(c, now, kind, "", None, detail)
}

/// Verified against when the name is unknown, so that the answer takes as long as for a
/// real account (no probing for names by timing).
static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash_secret(&random_token()).unwrap_or_default());

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Connection {
        let dir = std::env::temp_dir().join(format!("edge-staff-{}", ulid::Ulid::new()));
        crate::store::open(&dir.join("edge.db")).unwrap()
    }

    #[test]
    fn staff_may_serve_but_only_the_owner_edits_the_menu() {
        assert!(Role::Staff.allows(Scope::Service));
        assert!(!Role::Staff.allows(Scope::MenuEdit));
        assert!(Role::Owner.allows(Scope::MenuEdit));
        assert!(!Role::Staff.allows(Scope::Refunds));
        assert!(Role::Owner.allows(Scope::Refunds));
    }

    #[test]
    fn the_fifth_wrong_password_locks_the_account_even_for_the_right_one() {
        let c = db();
        let now = Utc::now();
        add(&c, "amina", Role::Staff, "4821", &fmt_ts(now)).unwrap();
        for _ in 0..MAX_FAILURES - 1 {
            assert_eq!(
                login(&c, "amina", "0000", now).unwrap(),
                LoginOutcome::Wrong
            );
        }
        assert!(matches!(
            login(&c, "amina", "0000", now).unwrap(),
            LoginOutcome::Locked { .. }
        ));
        assert!(matches!(
            login(&c, "amina", "4821", now).unwrap(),
            LoginOutcome::Locked { .. }
        ));
        let later = now + Duration::minutes(LOCKOUT_MINUTES + 1);
        assert!(matches!(
            login(&c, "amina", "4821", later).unwrap(),
            LoginOutcome::Ok { .. }
        ));
    }

    #[test]
    fn a_session_token_is_stored_only_as_a_hash_and_expires() {
        let c = db();
        let now = Utc::now();
        add(&c, "karim", Role::Owner, "long secret", &fmt_ts(now)).unwrap();
        let LoginOutcome::Ok { token, .. } = login(&c, "karim", "long secret", now).unwrap() else {
            panic!("login refused")
        };
        let stored: i64 = c
            .query_row(
                "SELECT count(*) FROM staff_sessions WHERE token_hash = ?1",
                params![token],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(stored, 0);
        assert!(session(&c, &token, now).unwrap().is_some());
        assert!(
            session(&c, &token, now + Duration::hours(SESSION_HOURS + 1))
                .unwrap()
                .is_none()
        );
    }
}
