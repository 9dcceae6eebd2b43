//! The words the engine matches, with the aliases the owner taught from the console: built
//! from the store for every batch of messages (`handle_message::Kit::load`), so an alias
//! taught in the console answers the very next message. Nothing is cached across batches:
//! there is no stale vocabulary to invalidate.

use crate::domain::lexicon::{Intent, Lexicon, LEXICON};
use crate::domain::menu::Menu;
use crate::domain::places::{Places, PLACES};
use crate::engine::Catalog;
use crate::store::learning::{AliasKind, OwnerAlias};

/// The lexicon and places with the owner's aliases; `None` where the owner taught none of
/// that kind, so the common case shares the process-wide reference data.
#[derive(Default)]
pub struct Learned {
    pub lexicon: Option<Lexicon>,
    pub places: Option<Places>,
}

impl Learned {
    pub fn lexicon(&self) -> &Lexicon {
        self.lexicon.as_ref().unwrap_or(&LEXICON)
    }
    pub fn places(&self) -> &Places {
        self.places.as_ref().unwrap_or(&PLACES)
    }
}

fn of_kind(aliases: &[OwnerAlias], kind: AliasKind) -> impl Iterator<Item = &OwnerAlias> {
    aliases.iter().filter(move |a| a.kind == kind.as_str())
}

/// The menu's catalog with the owner's item aliases; an alias of an item the menu no longer
/// has is skipped (a new menu was imported since).
pub fn catalog(menu: &Menu, aliases: &[OwnerAlias]) -> Catalog {
    let taught: Vec<(String, String)> = of_kind(aliases, AliasKind::Item)
        .map(|a| (a.target.clone(), a.phrase.clone()))
        .collect();
    Catalog::with_aliases(menu, &taught)
}

/// The intent lexicon and the places with the owner's intent and commune aliases.
pub fn learned(aliases: &[OwnerAlias]) -> Learned {
    let intents: Vec<(Intent, String)> = of_kind(aliases, AliasKind::Intent)
        .filter_map(|a| Some((Intent::parse(&a.target)?, a.phrase.clone())))
        .collect();
    let communes: Vec<(String, String)> = of_kind(aliases, AliasKind::Commune)
        .map(|a| (a.target.clone(), a.phrase.clone()))
        .collect();
    Learned {
        lexicon: (!intents.is_empty()).then(|| Lexicon::with_aliases(&intents)),
        places: (!communes.is_empty()).then(|| Places::with_aliases(&communes)),
    }
}
