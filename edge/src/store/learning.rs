//! The owner's learning loop (issue 14): phrases the bot could not map, counted, with the
//! conversations they came from; and the aliases the owner taught from the console, which
//! the engine's vocabulary is built with (`app::handle_message::Kit`).
//!
//! Phrases are stored normalised (`domain::text::phrase` words joined by one space), the key
//! both tables share: a phrase taught as an alias stops being reported, and its row here goes.

use crate::store::Cached;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

/// Conversations kept per phrase: enough for the owner to read a few, bounded on a device
/// that runs for years.
pub const KEEP_SEEN: i64 = 10;

/// Keeps the latest `KEEP_SEEN` sightings of a phrase (on the apply path; walks the primary
/// key of one phrase, `edge/tests/it/learning.rs` checks the plan).
pub const TRIM_SEEN: &str = "DELETE FROM unmapped_phrase_seen WHERE phrase_id = ?1 AND (customer_id, msg_id) NOT IN \
     (SELECT customer_id, msg_id FROM unmapped_phrase_seen WHERE phrase_id = ?1 ORDER BY at DESC LIMIT ?2)";

/// The conversations of one phrase, newest first.
pub const SEEN_OF_PHRASE: &str = "SELECT s.customer_id, u.display_name, u.provider, s.msg_id, s.at \
     FROM unmapped_phrase_seen s JOIN customers u ON u.id = s.customer_id WHERE s.phrase_id = ?1 ORDER BY s.at DESC";

/// What an owner alias names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AliasKind {
    /// A menu item, by SKU.
    Item,
    /// A commune, by its code in `data/dz_communes.json`.
    Commune,
    /// An intent, by its name in `data/intents_fr_ar_darija.json` (`cancel`, `show_menu`…).
    Intent,
}

impl AliasKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AliasKind::Item => "item",
            AliasKind::Commune => "commune",
            AliasKind::Intent => "intent",
        }
    }
    pub fn parse(s: &str) -> Option<AliasKind> {
        match s {
            "item" => Some(AliasKind::Item),
            "commune" => Some(AliasKind::Commune),
            "intent" => Some(AliasKind::Intent),
            _ => None,
        }
    }
}

/// A phrase the bot did not understand, as the console lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unmapped {
    pub id: i64,
    pub phrase: String,
    /// The last spelling as a customer typed it.
    pub sample: String,
    pub count: i64,
    pub first_seen: String,
    pub last_seen: String,
    /// The latest conversations it came from, newest first.
    pub seen: Vec<Seen>,
}

/// One message a phrase came from; the conversation is the customer's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Seen {
    pub customer_id: i64,
    pub display_name: Option<String>,
    pub provider: String,
    pub msg_id: String,
    pub at: String,
}

/// An alias the owner taught.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OwnerAlias {
    pub id: i64,
    pub kind: String,
    pub phrase: String,
    pub target: String,
    pub register: Option<String>,
    pub created_at: String,
    /// The staff account's name; `None` once the account is gone.
    pub created_by: Option<String>,
}

/// An alias to store; `phrase` already normalised, `target` already checked.
#[derive(Debug, Clone)]
pub struct NewAlias<'a> {
    pub kind: AliasKind,
    pub phrase: &'a str,
    pub target: &'a str,
    pub register: Option<&'a str>,
    pub created_by: Option<i64>,
}

/// Counts one more sighting of `phrase` (normalised) in the customer's message `msg_id`.
/// Runs in the message's transaction, on the apply path.
pub fn record_unmapped(
    c: &Connection,
    phrase: &str,
    sample: &str,
    customer_id: i64,
    msg_id: &str,
    at: &str,
) -> rusqlite::Result<()> {
    let id: i64 = c.row(
        "INSERT INTO unmapped_phrases (phrase, sample, count, first_seen, last_seen) VALUES (?1, ?2, 1, ?3, ?3) \
         ON CONFLICT(phrase) DO UPDATE SET count = count + 1, sample = excluded.sample, \
         last_seen = max(last_seen, excluded.last_seen) RETURNING id",
        params![phrase, sample, at],
        |r| r.get(0),
    )?;
    c.run(
        "INSERT OR IGNORE INTO unmapped_phrase_seen (phrase_id, customer_id, msg_id, at) VALUES (?1, ?2, ?3, ?4)",
        params![id, customer_id, msg_id, at],
    )?;
    c.run(TRIM_SEEN, params![id, KEEP_SEEN])?;
    Ok(())
}

/// The phrases not understood, most frequent first, with their latest conversations.
pub fn list_unmapped(c: &Connection, limit: i64) -> rusqlite::Result<Vec<Unmapped>> {
    let mut st = c.prepare_cached(
        "SELECT id, phrase, sample, count, first_seen, last_seen FROM unmapped_phrases \
         ORDER BY count DESC, last_seen DESC LIMIT ?1",
    )?;
    let mut out = st
        .query_map(params![limit], |r| {
            Ok(Unmapped {
                id: r.get(0)?,
                phrase: r.get(1)?,
                sample: r.get(2)?,
                count: r.get(3)?,
                first_seen: r.get(4)?,
                last_seen: r.get(5)?,
                seen: Vec::new(),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut seen = c.prepare_cached(SEEN_OF_PHRASE)?;
    for u in &mut out {
        u.seen = seen
            .query_map(params![u.id], |r| {
                Ok(Seen {
                    customer_id: r.get(0)?,
                    display_name: r.get(1)?,
                    provider: r.get(2)?,
                    msg_id: r.get(3)?,
                    at: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
    }
    Ok(out)
}

/// Removes `phrase` (normalised) from the list, with its sightings; how many rows went.
pub fn forget_unmapped(c: &Connection, phrase: &str) -> rusqlite::Result<usize> {
    c.run(
        "DELETE FROM unmapped_phrases WHERE phrase = ?1",
        params![phrase],
    )
}

/// The owner dismissed phrase `id` (not worth an alias); false when there is none.
pub fn dismiss_unmapped(c: &Connection, id: i64) -> rusqlite::Result<bool> {
    Ok(c.run("DELETE FROM unmapped_phrases WHERE id = ?1", params![id])? == 1)
}

/// Stores an alias; the same phrase taught again for the same kind replaces the old target.
pub fn save_alias(c: &Connection, a: &NewAlias<'_>, at: &str) -> rusqlite::Result<i64> {
    c.row(
        "INSERT INTO owner_aliases (kind, phrase, target, register, created_at, created_by) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
         ON CONFLICT(kind, phrase) DO UPDATE SET target = excluded.target, register = excluded.register, \
         created_at = excluded.created_at, created_by = excluded.created_by RETURNING id",
        params![a.kind.as_str(), a.phrase, a.target, a.register, at, a.created_by],
        |r| r.get(0),
    )
}

/// Every alias the owner taught, oldest first (the order the engine adds them in).
pub fn aliases(c: &Connection) -> rusqlite::Result<Vec<OwnerAlias>> {
    let mut st = c.prepare_cached(
        "SELECT a.id, a.kind, a.phrase, a.target, a.register, a.created_at, s.name \
         FROM owner_aliases a LEFT JOIN staff s ON s.id = a.created_by ORDER BY a.id",
    )?;
    let rows = st.query_map([], |r| {
        Ok(OwnerAlias {
            id: r.get(0)?,
            kind: r.get(1)?,
            phrase: r.get(2)?,
            target: r.get(3)?,
            register: r.get(4)?,
            created_at: r.get(5)?,
            created_by: r.get(6)?,
        })
    })?;
    rows.collect()
}

/// Removes alias `id`; false when there is none.
pub fn remove_alias(c: &Connection, id: i64) -> rusqlite::Result<bool> {
    Ok(c.run("DELETE FROM owner_aliases WHERE id = ?1", params![id])? == 1)
}

/// The alias of `kind` for `phrase`, if one was taught.
pub fn alias_for(
    c: &Connection,
    kind: AliasKind,
    phrase: &str,
) -> rusqlite::Result<Option<String>> {
    c.row(
        "SELECT target FROM owner_aliases WHERE kind = ?1 AND phrase = ?2",
        params![kind.as_str(), phrase],
        |r| r.get(0),
    )
    .optional()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> (Connection, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("edge-learning-{}", ulid::Ulid::new()));
        let c = crate::store::open(&dir.join("edge.db")).unwrap();
        for (id, user) in [(1, "213555000001"), (2, "213555000002")] {
            c.execute(
                "INSERT INTO customers (id, provider, user_id, account_id, display_name, created_at) \
                 VALUES (?1, 'wa', ?2, '1', 'Client', '2026-12-01T10:00:00.000Z')",
                params![id, user],
            )
            .unwrap();
        }
        (c, dir)
    }

    #[test]
    fn a_phrase_is_counted_with_its_conversations_newest_first() {
        let (c, dir) = db();
        record_unmapped(&c, "zinger", "Zinger", 1, "m1", "2026-12-01T10:00:00.000Z").unwrap();
        record_unmapped(&c, "zinger", "ZINGER", 2, "m2", "2026-12-01T11:00:00.000Z").unwrap();
        record_unmapped(&c, "lbig", "lbig", 2, "m3", "2026-12-01T11:30:00.000Z").unwrap();
        let list = list_unmapped(&c, 50).unwrap();
        assert_eq!(list.len(), 2);
        let z = &list[0];
        assert_eq!((z.phrase.as_str(), z.count), ("zinger", 2));
        assert_eq!(z.sample, "ZINGER");
        assert_eq!(z.first_seen, "2026-12-01T10:00:00.000Z");
        assert_eq!(z.last_seen, "2026-12-01T11:00:00.000Z");
        let who: Vec<_> = z
            .seen
            .iter()
            .map(|s| (s.customer_id, s.msg_id.as_str()))
            .collect();
        assert_eq!(who, vec![(2, "m2"), (1, "m1")]);
        assert_eq!(forget_unmapped(&c, "zinger").unwrap(), 1);
        assert_eq!(list_unmapped(&c, 50).unwrap().len(), 1);
        let orphans: i64 = c
            .query_row(
                "SELECT count(*) FROM unmapped_phrase_seen WHERE msg_id IN ('m1', 'm2')",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(orphans, 0, "the sightings go with the phrase");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn only_the_latest_conversations_of_a_phrase_are_kept() {
        let (c, dir) = db();
        for i in 0..KEEP_SEEN + 5 {
            let at = format!("2026-12-01T10:{i:02}:00.000Z");
            record_unmapped(&c, "zinger", "zinger", 1, &format!("m{i}"), &at).unwrap();
        }
        let z = &list_unmapped(&c, 50).unwrap()[0];
        assert_eq!(z.count, KEEP_SEEN + 5);
        assert_eq!(z.seen.len() as i64, KEEP_SEEN);
        assert_eq!(z.seen[0].msg_id, format!("m{}", KEEP_SEEN + 4));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn teaching_a_phrase_again_replaces_its_target() {
        let (c, dir) = db();
        let mut a = NewAlias {
            kind: AliasKind::Item,
            phrase: "zinger",
            target: "BG-CLASSIC",
            register: Some("fr"),
            created_by: None,
        };
        let first = save_alias(&c, &a, "2026-12-01T10:00:00.000Z").unwrap();
        a.target = "TC-POULET";
        let again = save_alias(&c, &a, "2026-12-01T10:05:00.000Z").unwrap();
        assert_eq!(first, again);
        assert_eq!(
            alias_for(&c, AliasKind::Item, "zinger").unwrap().as_deref(),
            Some("TC-POULET")
        );
        assert_eq!(alias_for(&c, AliasKind::Commune, "zinger").unwrap(), None);
        assert_eq!(aliases(&c).unwrap().len(), 1);
        assert!(remove_alias(&c, first).unwrap());
        assert!(aliases(&c).unwrap().is_empty());
        let _ = std::fs::remove_dir_all(dir);
    }
}
