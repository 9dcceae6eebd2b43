//! Customers as the chat channels name them (provider and user id), with the language the
//! conversation settled on.

use crate::domain::menu::Lang;
use crate::store::Cached;
use resto_sync::InboundMessage;
use rusqlite::{params, Connection, OptionalExtension};

/// Who wrote, as the conversation needs them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub id: i64,
    pub lang: Option<Lang>,
    /// The customer chose the language themselves (not guessed from their words).
    pub lang_explicit: bool,
}

/// Records the sender of `msg` (new, or returning with a new account, display name, phone
/// or BSUID) and returns who they are. Found by BSUID first, then by the channel's user id;
/// a customer known by phone who now also shows a BSUID is the same customer, and one met
/// twice apart (by BSUID alone, then by phone alone) is merged once a message shows both.
pub fn seen(c: &Connection, msg: &InboundMessage, at: &str) -> rusqlite::Result<Profile> {
    let provider = msg.provider.as_str();
    let bsuid = msg.user_bsuid.as_deref().filter(|b| !b.is_empty());
    // On WhatsApp the user id is the phone unless it is the BSUID itself (phone withheld);
    // Messenger and Instagram ids are page-scoped, never phones.
    let phone = Some(msg.user_id.as_str())
        .filter(|u| msg.provider == resto_sync::Provider::Wa && Some(*u) != bsuid);
    let by_bsuid = match bsuid {
        Some(b) => find(c, "bsuid", provider, b)?,
        None => None,
    };
    let mut by_user = find(c, "user_id", provider, &msg.user_id)?;
    if let (Some(b), Some(new)) = (by_user, bsuid) {
        let known: Option<String> = c.row(
            "SELECT bsuid FROM customers WHERE id = ?1",
            params![b],
            |r| r.get(0),
        )?;
        if known.is_some_and(|k| k != new) {
            // Another WhatsApp user behind the same number (numbers are recycled): the former
            // customer keeps their history under their own BSUID; this is someone new.
            c.run(
                "UPDATE customers SET user_id = bsuid WHERE id = ?1",
                params![b],
            )?;
            by_user = None;
        }
    }
    let id = match (by_bsuid, by_user) {
        (Some(a), Some(b)) if a != b => {
            merge(c, a, b)?;
            a
        }
        (Some(a), _) | (None, Some(a)) => a,
        (None, None) => {
            c.run(
                "INSERT INTO customers (provider, user_id, account_id, display_name, phone, bsuid, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![provider, msg.user_id, msg.account_id, msg.user_name, phone, bsuid, at],
            )?;
            c.last_insert_rowid()
        }
    };
    c.run(
        "UPDATE customers SET account_id = ?2, display_name = coalesce(?3, display_name), \
         phone = coalesce(?4, phone), bsuid = coalesce(bsuid, ?5) WHERE id = ?1",
        params![id, msg.account_id, msg.user_name, phone, bsuid],
    )?;
    c.row(
        "SELECT id, lang, lang_explicit FROM customers WHERE id = ?1",
        params![id],
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

fn find(
    c: &Connection,
    column: &str,
    provider: &str,
    value: &str,
) -> rusqlite::Result<Option<i64>> {
    c.prepare_cached(&format!(
        "SELECT id FROM customers WHERE provider = ?1 AND {column} = ?2"
    ))?
    .query_row(params![provider, value], |r| r.get(0))
    .optional()
}

/// Moves everything of customer `gone` to `keep` and deletes `gone`: every table that refers
/// to customers (found in the schema, so a table added later is not forgotten). Where `keep`
/// already has the one row allowed (its conversation, its cart), `keep`'s stays.
fn merge(c: &Connection, keep: i64, gone: i64) -> rusqlite::Result<()> {
    let refs: Vec<(String, String)> = c
        .prepare(
            "SELECT m.name, f.\"from\" FROM sqlite_master m, pragma_foreign_key_list(m.name) f \
             WHERE m.type = 'table' AND f.\"table\" = 'customers'",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (table, column) in refs {
        c.execute(
            &format!("UPDATE OR IGNORE \"{table}\" SET \"{column}\" = ?1 WHERE \"{column}\" = ?2"),
            params![keep, gone],
        )?;
        c.execute(
            &format!("DELETE FROM \"{table}\" WHERE \"{column}\" = ?1"),
            params![gone],
        )?;
    }
    // The merged customer keeps every flag either had (an opt-out must survive).
    c.execute(
        "UPDATE customers SET flags = (SELECT json_group_array(DISTINCT value) FROM \
           (SELECT value FROM json_each(customers.flags) UNION \
            SELECT value FROM json_each((SELECT flags FROM customers WHERE id = ?2)))), \
         phone = coalesce(phone, (SELECT phone FROM customers WHERE id = ?2)) WHERE id = ?1",
        params![keep, gone],
    )?;
    c.execute("DELETE FROM customers WHERE id = ?1", params![gone])?;
    tracing::info!(
        customer_id = keep,
        merged = gone,
        "one customer met under two ids, merged"
    );
    Ok(())
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

/// Moves a WhatsApp customer to their new number: their orders, conversation and history
/// stay theirs, and the bot answers the new number. Their BSUID is forgotten: Meta gives a
/// new one with a new number, and the next message brings it. When the new number already wrote to us
/// (a second customer record exists) nothing is merged and false is returned, for staff to see.
pub fn change_wa_id(
    c: &Connection,
    account_id: &str,
    old: &str,
    new: &str,
) -> rusqlite::Result<bool> {
    let n = c.run(
        "UPDATE customers SET user_id = ?3, phone = ?3, bsuid = NULL \
         WHERE provider = 'wa' AND account_id = ?1 AND user_id = ?2 \
           AND NOT EXISTS (SELECT 1 FROM customers WHERE provider = 'wa' AND user_id = ?3)",
        params![account_id, old, new],
    )?;
    Ok(n == 1)
}

/// The customer's new BSUID (Meta's user id update); false when another customer has it.
pub fn change_bsuid(c: &Connection, customer_id: i64, bsuid: &str) -> rusqlite::Result<bool> {
    let n = c.run(
        "UPDATE customers SET bsuid = ?2 WHERE id = ?1 AND NOT EXISTS \
           (SELECT 1 FROM customers o WHERE o.provider = customers.provider AND o.bsuid = ?2 AND o.id <> ?1)",
        params![customer_id, bsuid],
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

#[cfg(test)]
mod identity_tests {
    use super::*;
    use crate::store::transcript;
    use serde_json::json;

    fn msg(user_id: &str, bsuid: Option<&str>, id: &str) -> InboundMessage {
        serde_json::from_value(
            json!({"provider": "wa", "account_id": "1", "user_id": user_id,
            "user_bsuid": bsuid, "msg_id": id, "timestamp": "2026-12-05T10:00:00Z",
            "kind": "text", "text": id}),
        )
        .unwrap()
    }

    fn db() -> (std::path::PathBuf, Connection) {
        let dir = std::env::temp_dir().join(format!("edge-ids-{}", ulid::Ulid::new()));
        let c = crate::store::open(&dir.join("edge.db")).unwrap();
        (dir, c)
    }

    fn seen_with_line(c: &Connection, m: &InboundMessage) -> i64 {
        let p = seen(c, m, "2026-12-05T10:00:00.000Z").unwrap();
        transcript::record_in(c, p.id, m, "2026-12-05T10:00:00.000Z").unwrap();
        p.id
    }

    fn all(c: &Connection) -> Vec<(String, Option<String>, Option<String>)> {
        c.prepare("SELECT user_id, phone, bsuid FROM customers ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn a_customer_is_the_same_by_phone_or_bsuid_and_keeps_both() {
        let (dir, c) = db();
        let a = seen_with_line(&c, &msg("213661000001", None, "m1"));
        let b = seen_with_line(&c, &msg("213661000001", Some("DZ.1"), "m2"));
        let d = seen_with_line(&c, &msg("DZ.1", Some("DZ.1"), "m3"));
        assert_eq!(
            (a, b),
            (a, d),
            "one customer, whichever id the message shows"
        );
        assert_eq!(
            all(&c),
            vec![(
                "213661000001".into(),
                Some("213661000001".into()),
                Some("DZ.1".into())
            )]
        );
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn a_customer_met_by_phone_then_by_bsuid_alone_is_merged_when_a_message_shows_both() {
        let (dir, c) = db();
        let by_phone = seen_with_line(&c, &msg("213661000002", None, "m1"));
        c.execute(
            "UPDATE customers SET flags = '[\"opted_out\"]' WHERE id = ?1",
            [by_phone],
        )
        .unwrap();
        let by_bsuid = seen_with_line(&c, &msg("DZ.2", Some("DZ.2"), "m2"));
        assert_ne!(by_phone, by_bsuid, "nothing links them yet");
        let both = seen_with_line(&c, &msg("213661000002", Some("DZ.2"), "m3"));
        assert_eq!(both, by_bsuid);
        assert_eq!(
            all(&c),
            vec![(
                "DZ.2".into(),
                Some("213661000002".into()),
                Some("DZ.2".into())
            )]
        );
        let lines: i64 = c
            .query_row(
                "SELECT count(*) FROM transcript WHERE customer_id = ?1",
                [both],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(lines, 3, "the history of both is theirs");
        assert!(
            opted_out(&c, both).unwrap(),
            "an opt-out survives the merge"
        );
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn a_recycled_number_with_another_bsuid_is_a_new_customer() {
        let (dir, c) = db();
        let first = seen_with_line(&c, &msg("213661000003", Some("DZ.3"), "m1"));
        let second = seen_with_line(&c, &msg("213661000003", Some("DZ.4"), "m2"));
        assert_ne!(first, second);
        assert_eq!(
            all(&c),
            vec![
                (
                    "DZ.3".into(),
                    Some("213661000003".into()),
                    Some("DZ.3".into())
                ),
                (
                    "213661000003".into(),
                    Some("213661000003".into()),
                    Some("DZ.4".into())
                ),
            ]
        );
        std::fs::remove_dir_all(dir).ok();
    }
}
