//! Algeria's wilayas and communes (`data/dz_*.json`), typo-tolerant lookup in French or
//! Arabic, and the restaurant's delivery zone for a commune.

use crate::domain::lexicon::{phrase_at_with, Fit};
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
    /// `commune_names` indices by the first letter of the name (a typo rarely hits it, and
    /// the 4,600 names are too many to try at every word).
    name_index: std::collections::HashMap<char, Vec<usize>>,
    /// Each commune name without articles or spaces ("El Harrach" → "harach"), with its
    /// number of words: customers glue, split and drop the article ("lharrach", "bach
    /// djerah", "dar lbida", "لباب الزوار").
    commune_compact: Vec<Compact>,
    /// `commune_compact` indices by the key's first letter (a typo rarely hits it).
    compact_index: std::collections::HashMap<char, Vec<usize>>,
    wilaya_names: Vec<(Vec<String>, usize)>,
}

/// A commune name glued: its key, its folded words without articles, the commune.
#[derive(Debug)]
struct Compact {
    key: String,
    words: Vec<String>,
    commune: usize,
}

impl Compact {
    fn new(words: &[String], commune: usize) -> Option<Compact> {
        let key = compact(words.iter().map(String::as_str));
        (key.chars().count() >= 4).then(|| Compact {
            key,
            words: words
                .iter()
                .filter(|w| !ARTICLES.contains(&w.as_str()))
                .map(|w| core(w).to_string())
                .collect(),
            commune,
        })
    }
}

fn index(list: &[Compact]) -> std::collections::HashMap<char, Vec<usize>> {
    let mut m: std::collections::HashMap<char, Vec<usize>> = Default::default();
    for (i, c) in list.iter().enumerate() {
        if let Some(f) = c.key.chars().next() {
            m.entry(f).or_default().push(i);
        }
    }
    m
}

fn name_index(names: &[(Vec<String>, usize)]) -> std::collections::HashMap<char, Vec<usize>> {
    let mut m: std::collections::HashMap<char, Vec<usize>> = Default::default();
    for (k, (words, _)) in names.iter().enumerate() {
        if let Some(f) = words.first().and_then(|w| w.chars().next()) {
            m.entry(f).or_default().push(k);
        }
    }
    m
}

/// A place found in a message, and the tokens that named it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlaceMatch {
    pub place: Place,
    pub start: usize,
    pub len: usize,
    /// Typo edits used (0: spelled as in the data, up to articles and spaces).
    pub edits: usize,
}

/// Article words a commune name may carry or drop.
const ARTICLES: &[&str] = &["el", "al", "l", "le", "la", "les", "ال"];

/// A folded word without a glued article: "lharach" → "harach", "elbiar" → "biar"
/// ("l" only before a consonant: "larbaa" keeps it).
fn core(w: &str) -> &str {
    if w.chars().any(text::is_arabic_letter) {
        return w;
    }
    if w.len() >= 5 {
        if let Some(r) = w.strip_prefix("el") {
            return r;
        }
    }
    match w.strip_prefix('l') {
        Some(r) if r.len() >= 3 && !r.starts_with(['a', 'e', 'i', 'o', 'u', 'y']) => r,
        _ => w,
    }
}

/// The words of a name glued without articles.
fn compact<'a>(words: impl IntoIterator<Item = &'a str>) -> String {
    words
        .into_iter()
        .filter(|w| !ARTICLES.contains(w))
        .map(core)
        .collect()
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
                    p.commune_compact.extend(Compact::new(&words, i));
                    p.commune_names.push((words, i));
                }
            }
        }
        p.compact_index = index(&p.commune_compact);
        p.name_index = name_index(&p.commune_names);
        p
    }

    pub fn embedded() -> Places {
        let communes: Vec<Commune> =
            serde_json::from_str(COMMUNES_JSON).expect("embedded communes are valid");
        let wilayas: Vec<Wilaya> =
            serde_json::from_str(WILAYAS_JSON).expect("embedded wilayas are valid");
        let mut commune_names = Vec::new();
        let mut commune_compact = Vec::new();
        for (i, c) in communes.iter().enumerate() {
            for n in std::iter::once(&c.name_fr)
                .chain([&c.name_ar])
                .chain(&c.aliases)
            {
                let words = text::phrase(n);
                if !words.is_empty() {
                    commune_compact.extend(Compact::new(&words, i));
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
            name_index: name_index(&commune_names),
            commune_names,
            compact_index: index(&commune_compact),
            commune_compact,
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
    /// Words the bot knows as something else match only exactly (`words::is_function_word`).
    pub fn find_all(&self, toks: &[Token], preferred: &[&str]) -> Vec<Place> {
        let fits: Vec<Fit> = toks
            .iter()
            .map(|t| {
                if crate::domain::words::is_function_word(t) {
                    Fit::Exact
                } else {
                    Fit::Fuzzy
                }
            })
            .collect();
        let fit = |i: usize| fits[i];
        self.find_matches(toks, fit, preferred)
            .into_iter()
            .map(|m| m.place)
            .collect()
    }

    /// The best matches, as `find_all`, with where they are; `fit(i)` says how token `i`
    /// may match.
    pub fn find_matches(
        &self,
        toks: &[Token],
        fit: impl Fn(usize) -> Fit,
        preferred: &[&str],
    ) -> Vec<PlaceMatch> {
        let mut best: Option<(usize, usize, bool)> = None;
        let mut found: Vec<PlaceMatch> = Vec::new();
        let mut consider = |m: PlaceMatch, name_words: usize, preferred_hit: bool| {
            let key = (name_words, usize::MAX - m.edits, preferred_hit);
            if best.map(|k| key > k).unwrap_or(true) {
                best = Some(key);
                found.clear();
            }
            if best == Some(key) && !found.iter().any(|f| f.place == m.place) {
                found.push(m);
            }
        };
        let pref = |c: &Commune| {
            preferred.contains(&c.wilaya_code.as_str())
                || preferred.contains(&c.wilaya_code_58.as_str())
        };
        for start in 0..toks.len() {
            let Some(f) = toks[start].fold.chars().next() else {
                continue;
            };
            for &k in self.name_index.get(&f).into_iter().flatten() {
                let (words, i) = &self.commune_names[k];
                if let Some(edits) = phrase_at_with(toks, start, words, 4, &fit) {
                    let m = PlaceMatch {
                        place: Place::Commune(*i),
                        start,
                        len: words.len(),
                        edits,
                    };
                    consider(m, words.len(), pref(&self.communes[*i]));
                }
            }
        }
        for (name_words, i, start, len, edits) in self.compact_hits(toks, &fit) {
            let m = PlaceMatch {
                place: Place::Commune(i),
                start,
                len,
                edits,
            };
            consider(m, name_words, pref(&self.communes[i]));
        }
        for (words, i) in &self.wilaya_names {
            for start in 0..toks.len() {
                if let Some(edits) = phrase_at_with(toks, start, words, 4, &fit) {
                    let m = PlaceMatch {
                        place: Place::Wilaya(*i),
                        start,
                        len: words.len(),
                        edits,
                    };
                    consider(m, words.len(), false);
                }
            }
        }
        // A commune beats a wilaya of the same name (Oran the commune is in Oran).
        if found.iter().any(|p| matches!(p.place, Place::Commune(_))) {
            found.retain(|p| matches!(p.place, Place::Commune(_)));
        }
        found
    }

    /// Commune names matched glued, split or with another article: windows of up to four
    /// tokens compared without articles and spaces; a leading Arabic preposition ("لباب",
    /// "فالحراش") may be dropped. A word that must match exactly must be a word of the name.
    /// Gives (words of the name, commune, start, len, edits).
    fn compact_hits(
        &self,
        toks: &[Token],
        fit: &impl Fn(usize) -> Fit,
    ) -> Vec<(usize, usize, usize, usize, usize)> {
        let mut out = Vec::new();
        for start in 0..toks.len() {
            for len in 1..=4.min(toks.len() - start) {
                let window = &toks[start..start + len];
                let article = |t: &Token| ARTICLES.contains(&t.fold.as_str());
                if article(&window[0])
                    || window.iter().any(|t| t.number.is_some())
                    || (start..start + len).any(|i| fit(i) == Fit::Never)
                {
                    continue;
                }
                let exact: Vec<&str> = (start..start + len)
                    .filter(|&i| fit(i) == Fit::Exact && !article(&toks[i]))
                    .map(|i| core(&toks[i].fold))
                    .collect();
                let mut keys = vec![compact(window.iter().map(|t| t.fold.as_str()))];
                let first = window[0].fold.as_str();
                if let Some(r) = ["ل", "ب", "ف"]
                    .iter()
                    .find_map(|p| first.strip_prefix(p))
                    .filter(|r| r.chars().count() >= 3)
                {
                    let rest = window[1..].iter().map(|t| t.fold.as_str());
                    keys.push(compact(std::iter::once(r).chain(rest)));
                }
                for typed in keys {
                    let Some(f) = typed.chars().next() else {
                        continue;
                    };
                    if typed.chars().count() < 4 {
                        continue;
                    }
                    for &k in self.compact_index.get(&f).into_iter().flatten() {
                        let c = &self.commune_compact[k];
                        if !exact.iter().all(|w| c.words.iter().any(|n| n == w)) {
                            continue;
                        }
                        if let Some(edits) = text::word_match(&typed, &c.key) {
                            out.push((c.words.len().max(1), c.commune, start, len, edits));
                        }
                    }
                }
            }
        }
        out
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
    fn communes_are_found_glued_split_with_or_without_their_article() {
        let p = Places::embedded();
        for (typed, want) in [
            ("lharrach", "El Harrach"),
            ("f lharrach", "El Harrach"),
            ("el harrach", "El Harrach"),
            ("el-harrach", "El Harrach"),
            ("elharrach", "El Harrach"),
            ("harrach", "El Harrach"),
            ("الحراش", "El Harrach"),
            ("للحراش", "El Harrach"),
            ("bach djerah", "Badjarah"),
            ("bachdjerrah", "Badjarah"),
            ("a bach djarah", "Badjarah"),
            ("ana f dar lbida", "Dar El Beïda"),
            ("dar el beida", "Dar El Beïda"),
            ("ana f bordj lkiffan", "Bordj El Kiffan"),
            ("bordjelkiffan", "Bordj El Kiffan"),
            ("برج الكيفان", "Bordj El Kiffan"),
            ("لباب الزوار", "Bab Ezzouar"),
            ("babezzouar", "Bab Ezzouar"),
        ] {
            assert_eq!(
                name(&p, typed).as_deref(),
                Some(format!("{want} (16)").as_str()),
                "{typed}"
            );
        }
    }

    #[test]
    fn words_the_bot_knows_never_name_a_commune_by_a_typo() {
        let p = Places::embedded();
        // "أريد" (I want) is one letter from آريس, "نخلص" (I pay) from النخلة.
        assert_eq!(name(&p, "أريد التوصيل"), None);
        assert_eq!(name(&p, "نخلص كي توصلو"), None);
        assert_eq!(name(&p, "je veux une livraison"), None);
    }

    #[test]
    fn a_name_shared_by_several_wilayas_prefers_the_restaurants() {
        let p = Places::embedded();
        assert_eq!(name(&p, "Mohammadia").as_deref(), Some("Mohammadia (16)"));
    }
}
