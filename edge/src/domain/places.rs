//! Algeria's wilayas and communes (`data/dz_*.json`), typo-tolerant lookup in French or
//! Arabic, and the restaurant's delivery zone for a commune.

use crate::domain::lexicon::phrase_at;
use crate::domain::menu::{Menu, Zone, ZoneCommunes};
use crate::domain::text::{self, Token};
use serde::Deserialize;

const COMMUNES_JSON: &str = include_str!("../../data/dz_communes.json");
const WILAYAS_JSON: &str = include_str!("../../data/dz_wilayas.json");

#[derive(Debug, Clone, Deserialize)]
pub struct Commune {
    pub code: String,
    pub wilaya_code: String,
    pub wilaya_code_58: String,
    pub name_fr: String,
    pub name_ar: String,
    #[serde(default)]
    pub aliases: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Wilaya {
    pub code: String,
    pub name_fr: String,
    pub name_ar: String,
}

#[derive(Debug)]
pub struct Places {
    pub communes: Vec<Commune>,
    pub wilayas: Vec<Wilaya>,
    commune_names: Vec<(Vec<String>, usize)>,
    wilaya_names: Vec<(Vec<String>, usize)>,
}

/// What a customer's words pointed at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Commune(usize),
    /// A wilaya named without a commune (e.g. "Oran").
    Wilaya(usize),
}

/// The embedded reference data, parsed once per process.
pub static PLACES: std::sync::LazyLock<Places> = std::sync::LazyLock::new(Places::embedded);

impl Places {
    /// The embedded data plus names the owner taught, as `(commune code, phrase)` (code as
    /// in `dz_communes.json`, e.g. "1603"); an unknown code is ignored.
    pub fn with_aliases(taught: &[(String, String)]) -> Places {
        let mut p = Places::embedded();
        for (code, phrase) in taught {
            let words = text::phrase(phrase);
            if let Some(i) = p.communes.iter().position(|c| &c.code == code) {
                if !words.is_empty() {
                    p.commune_names.push((words, i));
                }
            }
        }
        p
    }

    pub fn embedded() -> Places {
        let communes: Vec<Commune> =
            serde_json::from_str(COMMUNES_JSON).expect("embedded communes are valid");
        let wilayas: Vec<Wilaya> =
            serde_json::from_str(WILAYAS_JSON).expect("embedded wilayas are valid");
        let mut commune_names = Vec::new();
        for (i, c) in communes.iter().enumerate() {
            for n in std::iter::once(&c.name_fr)
                .chain([&c.name_ar])
                .chain(&c.aliases)
            {
                let words = text::phrase(n);
                if !words.is_empty() {
                    commune_names.push((words, i));
                }
            }
        }
        let wilaya_names = wilayas
            .iter()
            .enumerate()
            .flat_map(|(i, w)| [(text::phrase(&w.name_fr), i), (text::phrase(&w.name_ar), i)])
            .filter(|(w, _)| !w.is_empty())
            .collect();
        Places {
            communes,
            wilayas,
            commune_names,
            wilaya_names,
        }
    }

    pub fn wilaya_codes(&self) -> std::collections::HashSet<&str> {
        self.wilayas.iter().map(|w| w.code.as_str()).collect()
    }

    /// Whether `name` is a commune of wilaya `code` (2026 or pre-2026 numbering), compared
    /// after normalisation, in French or Arabic or by alias. If not: up to three names of
    /// that wilaya's communes closest to it, for the error message.
    pub fn check_commune(&self, code: &str, name: &str) -> Result<(), Vec<String>> {
        let wanted = text::phrase(name);
        let in_wilaya = |c: &&Commune| c.wilaya_code == code || c.wilaya_code_58 == code;
        let names = |c: &Commune| {
            std::iter::once(c.name_fr.clone())
                .chain([c.name_ar.clone()])
                .chain(c.aliases.clone())
                .collect::<Vec<_>>()
        };
        if self
            .communes
            .iter()
            .filter(in_wilaya)
            .any(|c| names(c).iter().any(|n| text::phrase(n) == wanted))
        {
            return Ok(());
        }
        let folded = wanted.join(" ");
        let mut ranked: Vec<(usize, &str)> = self
            .communes
            .iter()
            .filter(in_wilaya)
            .map(|c| {
                let d = names(c)
                    .iter()
                    .filter_map(|n| {
                        text::edit_distance_within(&folded, &text::phrase(n).join(" "), 64)
                    })
                    .min()
                    .unwrap_or(usize::MAX);
                (d, c.name_fr.as_str())
            })
            .collect();
        ranked.sort();
        Err(ranked.iter().take(3).map(|(_, n)| n.to_string()).collect())
    }

    pub fn wilaya(&self, code: &str) -> Option<&Wilaya> {
        self.wilayas.iter().find(|w| w.code == code)
    }

    /// The place named in the message. Among equally good matches a commune of one of the
    /// `preferred` wilayas (the restaurant's) wins: many commune names exist in several
    /// wilayas. A commune beats a wilaya of the same name (Oran the commune is in Oran).
    pub fn find(&self, toks: &[Token], preferred: &[&str]) -> Option<Place> {
        self.find_all(toks, preferred).into_iter().next()
    }

    /// Every place that matches equally well: more than one commune means the name exists
    /// in several wilayas (none of them the restaurant's) and the customer must choose.
    pub fn find_all(&self, toks: &[Token], preferred: &[&str]) -> Vec<Place> {
        let mut best: Option<(usize, usize, bool)> = None;
        let mut found: Vec<Place> = Vec::new();
        let mut consider = |words: &[String], place: Place, preferred_hit: bool| {
            for start in 0..toks.len() {
                if let Some(edits) = phrase_at(toks, start, words, 4) {
                    let key = (words.len(), usize::MAX - edits, preferred_hit);
                    if best.map(|k| key > k).unwrap_or(true) {
                        best = Some(key);
                        found.clear();
                    }
                    if best == Some(key) && !found.contains(&place) {
                        found.push(place);
                    }
                }
            }
        };
        for (words, i) in &self.commune_names {
            let c = &self.communes[*i];
            let pref = preferred.contains(&c.wilaya_code.as_str())
                || preferred.contains(&c.wilaya_code_58.as_str());
            consider(words, Place::Commune(*i), pref);
        }
        for (words, i) in &self.wilaya_names {
            consider(words, Place::Wilaya(*i), false);
        }
        // A commune beats a wilaya of the same name (Oran the commune is in Oran).
        if found.iter().any(|p| matches!(p, Place::Commune(_))) {
            found.retain(|p| matches!(p, Place::Commune(_)));
        }
        found
    }
}

/// The delivery zone that serves `commune`: a zone listing it by name first, then a `"*"`
/// zone of its wilaya (old or new numbering); `None` when the restaurant does not deliver there.
pub fn zone_for<'m>(menu: &'m Menu, commune: &Commune) -> Option<&'m Zone> {
    let in_wilaya =
        |z: &&Zone| z.wilaya_code == commune.wilaya_code || z.wilaya_code == commune.wilaya_code_58;
    let names: Vec<Vec<String>> = std::iter::once(&commune.name_fr)
        .chain([&commune.name_ar])
        .chain(&commune.aliases)
        .map(|n| text::phrase(n))
        .collect();
    menu.delivery
        .zones
        .iter()
        .filter(in_wilaya)
        .find(|z| match &z.communes {
            ZoneCommunes::Listed(list) => list.iter().any(|n| names.contains(&text::phrase(n))),
            ZoneCommunes::All(_) => false,
        })
        .or_else(|| {
            menu.delivery
                .zones
                .iter()
                .filter(in_wilaya)
                .find(|z| matches!(z.communes, ZoneCommunes::All(_)))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::text::tokens;

    fn name(p: &Places, s: &str) -> Option<String> {
        match p.find(&tokens(s), &["16"])? {
            Place::Commune(i) => Some(format!(
                "{} ({})",
                p.communes[i].name_fr, p.communes[i].wilaya_code
            )),
            Place::Wilaya(i) => Some(format!("wilaya {}", p.wilayas[i].name_fr)),
        }
    }

    #[test]
    fn a_commune_name_shared_by_several_wilayas_far_from_the_restaurant_is_ambiguous() {
        let p = Places::embedded();
        let all = p.find_all(&tokens("Larbaa"), &["16"]);
        assert_eq!(all.len(), 3, "{all:?}");
        assert_eq!(
            p.find_all(&tokens("El Marsa"), &["16"]).len(),
            1,
            "the restaurant's wilaya wins"
        );
        assert_eq!(p.find_all(&tokens("Kouba"), &["16"]).len(), 1);
    }

    #[test]
    fn zone_communes_are_checked_in_their_wilaya_with_the_closest_names_suggested() {
        let p = Places::embedded();
        assert_eq!(p.check_commune("16", "Bab Ezzouar"), Ok(()));
        assert_eq!(p.check_commune("16", "bab ezzouar"), Ok(()));
        assert_eq!(p.check_commune("16", "باب الزوار"), Ok(()));
        assert_eq!(
            p.check_commune("16", "Bab Ezouar"),
            Ok(()),
            "doubled letters fold"
        );
        let e = p.check_commune("16", "Bab Ezzouir").unwrap_err();
        assert_eq!(e[0], "Bab Ezzouar", "{e:?}");
        assert!(
            p.check_commune("31", "Bab Ezzouar").is_err(),
            "not a commune of Oran"
        );
    }

    #[test]
    fn communes_are_found_in_french_arabic_and_with_typos() {
        let p = Places::embedded();
        assert_eq!(p.communes.len(), 1541);
        assert_eq!(
            name(&p, "je suis à Bab Ezzouar").as_deref(),
            Some("Bab Ezzouar (16)")
        );
        assert_eq!(name(&p, "bab ezouar").as_deref(), Some("Bab Ezzouar (16)"));
        assert_eq!(name(&p, "باب الزوار").as_deref(), Some("Bab Ezzouar (16)"));
        assert_eq!(name(&p, "hydra svp").as_deref(), Some("Hydra (16)"));
        assert_eq!(
            name(&p, "rani f bordj el kifan").as_deref(),
            Some("Bordj El Kiffan (16)")
        );
    }

    #[test]
    fn a_name_shared_by_several_wilayas_prefers_the_restaurants() {
        let p = Places::embedded();
        assert_eq!(name(&p, "Mohammadia").as_deref(), Some("Mohammadia (16)"));
    }
}
