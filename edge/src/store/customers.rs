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

/// Moves a WhatsApp customer to their new number: their orders, conversation and history
/// stay theirs, and the bot answers the new number. When the new number already wrote to us
/// (a second customer record exists) nothing is merged and false is returned, for staff to see.
pub fn change_wa_id(
    c: &Connection,
    account_id: &str,
    old: &str,
    new: &str,
) -> rusqlite::Result<bool> {
    let n = c.run(
        "UPDATE customers SET user_id = ?3, phone = ?3 \
         WHERE provider = 'wa' AND account_id = ?1 AND user_id = ?2 \
           AND NOT EXISTS (SELECT 1 FROM customers WHERE provider = 'wa' AND user_id = ?3)",
        params![account_id, old, new],
    )?;
    Ok(n == 1)
}

/// Records a customer's consent: `opted_out` in their flags, or removed. False when it was
/// already so (nothing to tell them twice).
pub fn set_opted_out(c: &Connection, customer_id: i64, out: bool) -> rusqlite::Result<bool> {
    let n = c.run(
        "UPDATE customers SET flags = CASE WHEN ?2 \
             THEN json_insert(flags, '$[#]', 'opted_out') \
             ELSE (SELECT json_group_array(value) FROM json_each(customers.flags) WHERE value <> 'opted_out') END \
         WHERE id = ?1 AND ?2 <> EXISTS (SELECT 1 FROM json_each(customers.flags) WHERE value = 'opted_out')",
        params![customer_id, out],
    )?;
    Ok(n == 1)
}

/// The customer asked for nothing but replies and news of their orders.
pub fn opted_out(c: &Connection, customer_id: i64) -> rusqlite::Result<bool> {
    c.row(
        "SELECT EXISTS (SELECT 1 FROM customers, json_each(customers.flags) \
                        WHERE customers.id = ?1 AND value = 'opted_out')",
        params![customer_id],
        |r| r.get(0),
    )
}
