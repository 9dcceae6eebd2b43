//! The owner teaches the bot a phrase from the console: it becomes an alias of a menu item,
//! a commune or an intent, matched from the next message on (`app::vocabulary`), and leaves
//! the list of phrases not understood.

use crate::app::record_unmapped::{phrase_key, MAX_WORDS};
use crate::domain::lexicon::Intent;
use crate::domain::menu::Register;
use crate::domain::places::PLACES;
use crate::store::learning::{self, AliasKind, NewAlias};
use rusqlite::Connection;
use serde::Deserialize;

/// What the console sends: `{"kind": "item", "phrase": "zinger", "target": "BG-CLASSIC",
/// "register": "arabizi"}` (`register` optional).
/// A field left out reads as empty and is refused with the field's own message.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Teach {
    pub kind: String,
    pub phrase: String,
    pub target: String,
    pub register: Option<String>,
}

/// The alias as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taught {
    pub id: i64,
    pub kind: AliasKind,
    /// Normalised as the engine matches it.
    pub phrase: String,
    pub target: String,
    /// Whether the phrase was on the list of phrases not understood (it left it).
    pub was_unmapped: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum TeachError {
    #[error("{0:?} is not something a phrase can name: choose item, commune or intent")]
    Kind(String),
    #[error("the phrase has no letters or digits")]
    EmptyPhrase,
    #[error("the phrase is too long to be a name: {MAX_WORDS} words at most")]
    LongPhrase,
    #[error("no item of the menu has the code {0:?}; pick an item from the menu")]
    NoItem(String),
    #[error("no commune has the code {0:?}; pick a commune from the list")]
    NoCommune(String),
    #[error("{0:?} is not an intent the bot knows; pick one from the list")]
    NoIntent(String),
    #[error("{0:?} is not a register: use fr, ar, darija or arabizi, or leave it empty")]
    Register(String),
    #[error("database error: {0}")]
    Db(#[from] rusqlite::Error),
}

/// Checks the target exists, normalises the phrase the way the engine does, stores the alias
/// (replacing an earlier one of the same kind and phrase) and takes the phrase off the list
/// of phrases not understood. `staff_id` is the owner who taught it.
pub fn teach_alias(
    c: &Connection,
    t: &Teach,
    staff_id: Option<i64>,
    at: &str,
) -> Result<Taught, TeachError> {
    let kind = AliasKind::parse(t.kind.trim()).ok_or_else(|| TeachError::Kind(t.kind.clone()))?;
    let phrase = match phrase_key(&t.phrase) {
        Some(p) => p,
        None if crate::domain::text::phrase(&t.phrase).is_empty() => {
            return Err(TeachError::EmptyPhrase)
        }
        None => return Err(TeachError::LongPhrase),
    };
    let register = match t.register.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(r) => Some(
            Register::parse(r)
                .ok_or_else(|| TeachError::Register(r.to_string()))?
                .as_str(),
        ),
    };
    let target = t.target.trim().to_string();
    check_target(c, kind, &target)?;
    let id = learning::save_alias(
        c,
        &NewAlias {
            kind,
            phrase: &phrase,
            target: &target,
            register,
            created_by: staff_id,
        },
        at,
    )?;
    let was_unmapped = learning::forget_unmapped(c, &phrase)? > 0;
    tracing::info!(alias_id = id, kind = kind.as_str(), target = %target, staff_id, "owner alias taught");
    Ok(Taught {
        id,
        kind,
        phrase,
        target,
        was_unmapped,
    })
}

fn check_target(c: &Connection, kind: AliasKind, target: &str) -> Result<(), TeachError> {
    let exists = match kind {
        AliasKind::Item => crate::store::menu::item_for_order(c, target)?.is_some(),
        AliasKind::Commune => PLACES.communes.iter().any(|x| x.code == target),
        AliasKind::Intent => Intent::parse(target).is_some(),
    };
    if exists {
        return Ok(());
    }
    Err(match kind {
        AliasKind::Item => TeachError::NoItem(target.to_string()),
        AliasKind::Commune => TeachError::NoCommune(target.to_string()),
        AliasKind::Intent => TeachError::NoIntent(target.to_string()),
    })
}
