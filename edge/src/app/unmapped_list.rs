//! What the owner's page "Phrases the bot did not understand" shows: the phrases, most
//! frequent first, each with the menu items closest to it as one-tap suggestions; the
//! aliases already taught; and what a phrase may be mapped to besides the menu (the communes
//! the restaurant serves, the intents).

use crate::domain::lexicon::Intent;
use crate::domain::menu::Menu;
use crate::domain::places::PLACES;
use crate::domain::text;
use crate::store::learning::{self, OwnerAlias, Unmapped};
use rusqlite::Connection;
use serde::Serialize;

/// Phrases shown at most: the page is read on a phone.
pub const MAX_PHRASES: i64 = 100;
/// Items suggested per phrase.
const SUGGESTIONS: usize = 3;

/// Every intent, in the order the console lists them.
const INTENTS: [Intent; 18] = [
    Intent::Greeting,
    Intent::ShowMenu,
    Intent::OrderAdd,
    Intent::RemoveItem,
    Intent::ModifyOrder,
    Intent::PriceQuestion,
    Intent::DeliveryQuestion,
    Intent::AddressLocation,
    Intent::PaymentQuestion,
    Intent::OpeningHours,
    Intent::OrderStatus,
    Intent::Cancel,
    Intent::Confirm,
    Intent::Decline,
    Intent::HumanHandoff,
    Intent::Complaint,
    Intent::Thanks,
    Intent::Bye,
];

#[derive(Debug, Serialize)]
pub struct LearningPage {
    pub phrases: Vec<Suggested>,
    pub aliases: Vec<OwnerAlias>,
    pub communes: Vec<CommuneChoice>,
    pub intents: Vec<String>,
}

/// A phrase with the SKUs of the items whose names are closest to it, closest first.
#[derive(Debug, Serialize)]
pub struct Suggested {
    #[serde(flatten)]
    pub phrase: Unmapped,
    pub suggestions: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct CommuneChoice {
    pub code: String,
    pub name_fr: String,
    pub name_ar: String,
}

pub fn learning_page(c: &Connection) -> rusqlite::Result<LearningPage> {
    let menu = crate::store::menu::load(c)?;
    let phrases = learning::list_unmapped(c, MAX_PHRASES)?
        .into_iter()
        .map(|p| Suggested {
            suggestions: menu
                .as_ref()
                .map(|m| closest_items(m, &p.phrase))
                .unwrap_or_default(),
            phrase: p,
        })
        .collect();
    Ok(LearningPage {
        phrases,
        aliases: learning::aliases(c)?,
        communes: menu.as_ref().map(served_communes).unwrap_or_default(),
        intents: INTENTS.iter().map(|i| i.as_str()).collect(),
    })
}

/// The items one of whose names (or a word of it) is within a few edits of the phrase,
/// closest first: "zinger" suggests the burger.
pub fn closest_items(menu: &Menu, phrase: &str) -> Vec<String> {
    // A third of the letters: "zinger" is 2 edits from "burger", 4 from "orange".
    let max = phrase.chars().count() / 3 + 1;
    let mut ranked: Vec<(usize, &str)> = menu
        .items()
        .filter_map(|(_, it)| {
            let names = [&it.name.fr, &it.name.ar].into_iter().chain(&it.aliases);
            names
                .flat_map(|n| {
                    let words = text::phrase(n);
                    let whole = words.join(" ");
                    words.into_iter().chain([whole]).collect::<Vec<_>>()
                })
                .filter_map(|n| text::edit_distance_within(phrase, &n, max))
                .min()
                .map(|d| (d, it.sku.as_str()))
        })
        .collect();
    ranked.sort();
    ranked
        .into_iter()
        .take(SUGGESTIONS)
        .map(|(_, sku)| sku.to_string())
        .collect()
}

/// The communes of the wilayas the restaurant is in or delivers to, by French name.
fn served_communes(menu: &Menu) -> Vec<CommuneChoice> {
    let mut wilayas: Vec<&str> = menu
        .delivery
        .zones
        .iter()
        .map(|z| z.wilaya_code.as_str())
        .collect();
    wilayas.push(menu.restaurant.wilaya_code.as_str());
    let mut out: Vec<CommuneChoice> = PLACES
        .communes
        .iter()
        .filter(|c| {
            wilayas.contains(&c.wilaya_code.as_str())
                || wilayas.contains(&c.wilaya_code_58.as_str())
        })
        .map(|c| CommuneChoice {
            code: c.code.clone(),
            name_fr: c.name_fr.clone(),
            name_ar: c.name_ar.clone(),
        })
        .collect();
    out.sort_by(|a, b| a.name_fr.cmp(&b.name_fr));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nickname_suggests_the_items_whose_names_are_closest() {
        let bytes = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/fixtures/menus/demo_menu.json"
        ))
        .unwrap();
        let menu: Menu = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(
            closest_items(&menu, "zinger"),
            vec!["BG-CLASSIC".to_string()]
        );
        assert_eq!(
            closest_items(&menu, "karantita")
                .first()
                .map(String::as_str),
            Some("KR-KARANTIKA")
        );
        assert!(closest_items(&menu, "xyzxyzxyz").is_empty());
    }

    #[test]
    fn every_intent_is_listed_by_its_name() {
        let names: Vec<String> = INTENTS.iter().map(|i| i.as_str()).collect();
        assert!(names.contains(&"show_menu".to_string()));
        assert!(names.iter().all(|n| Intent::parse(n).is_some()));
    }
}
