//! Customers as the chat channels name them (provider and user id), with the language the
//! conversation settled on.

use crate::domain::menu::Lang;
use crate::store::Cached;
use resto_sync::InboundMessage;
use rusqlite::{params, Connection};

/// Who wrote, as the conversation needs them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub id: i64,
    pub lang: Option<Lang>,
    /// The customer chose the language themselves (not guessed from their words).
    pub lang_explicit: bool,
}

/// Records the sender of `msg` (new, or returning with a new account or display name) and
/// returns who they are.
pub fn seen(c: &Connection, msg: &InboundMessage, at: &str) -> rusqlite::Result<Profile> {
    c.run(
        "INSERT INTO customers (provider, user_id, account_id, display_name, created_at) VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (provider, user_id) DO UPDATE SET account_id = excluded.account_id, \
         display_name = coalesce(excluded.display_name, customers.display_name)",
        params![msg.provider.as_str(), msg.user_id, msg.account_id, msg.user_name, at],
    )?;
    c.row(
        "SELECT id, lang, lang_explicit FROM customers WHERE provider = ?1 AND user_id = ?2",
        params![msg.provider.as_str(), msg.user_id],
        |r| {
            Ok(Profile {
                id: r.get(0)?,
                lang: r
                    .get::<_, Option<String>>(1)?
                    .as_deref()
                    .and_then(Lang::parse),
                lang_explicit: r.get(2)?,
            })
        },
    )
}

/// `lang` `None` keeps the language already known.
pub fn set_lang(
    c: &Connection,
    customer_id: i64,
    lang: Option<Lang>,
    explicit: bool,
) -> rusqlite::Result<()> {
    c.run(
        "UPDATE customers SET lang = coalesce(?2, lang), lang_explicit = ?3 WHERE id = ?1",
        params![customer_id, lang.map(Lang::as_str), explicit],
    )?;
    Ok(())
}

/// A customer met at the counter or on the phone: `account_id` is empty (no chat to write
/// to) and the key is the phone number when one was given. Returns their id.
pub fn walk_in(
    c: &Connection,
    user_id: &str,
    name: Option<&str>,
    phone: Option<&str>,
    at: &str,
) -> rusqlite::Result<i64> {
    c.run(
        "INSERT INTO customers (provider, user_id, account_id, display_name, phone, flags, created_at) \
         VALUES ('wa', ?1, '', ?2, ?3, '[\"walk_in\"]', ?4) \
         ON CONFLICT (provider, user_id) DO UPDATE SET display_name = coalesce(excluded.display_name, customers.display_name)",
        params![user_id, name, phone, at],
    )?;
    c.row(
        "SELECT id FROM customers WHERE provider = 'wa' AND user_id = ?1",
        params![user_id],
        |r| r.get(0),
    )
}

/// Fills in the name and phone staff typed for a chat customer, keeping what is already known
/// (the name their chat profile gives wins over a spelling heard in a voice note).
pub fn complete(
    c: &Connection,
    customer_id: i64,
    name: Option<&str>,
    phone: Option<&str>,
) -> rusqlite::Result<()> {
    c.run(
        "UPDATE customers SET display_name = coalesce(display_name, ?2), phone = coalesce(phone, ?3) WHERE id = ?1",
        params![customer_id, name, phone],
    )?;
    Ok(())
}
