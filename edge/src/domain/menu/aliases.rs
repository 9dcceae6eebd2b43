//! An item's other names in the menu file. The original format is a plain list, for any
//! register; the owner may instead write one list per register, the way each kind of customer
//! names the dish:
//!
//! ```json
//! "aliases": ["margherita", "margarita"]
//! "aliases": {"fr": ["margarita"], "ar": ["مارغريتا"], "darija": ["مارڨريتا"],
//!             "arabizi": ["margrita"], "any": ["marg"]}
//! ```
//!
//! Every alias is matched the same way whatever its register (after `text::phrase`); the
//! register says who writes it, for the owner reading the file and the console.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;

/// How a customer writes: French, Modern Standard Arabic, Darija in Arabic letters, Darija
/// in Latin letters with digits for sounds (Arabizi: "3assir", "9ahwa").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Register {
    Fr,
    Ar,
    Darija,
    Arabizi,
}

impl Register {
    pub const ALL: [Register; 4] = [
        Register::Fr,
        Register::Ar,
        Register::Darija,
        Register::Arabizi,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Register::Fr => "fr",
            Register::Ar => "ar",
            Register::Darija => "darija",
            Register::Arabizi => "arabizi",
        }
    }

    /// `msa` is accepted for Modern Standard Arabic too; it is written back as `ar`.
    pub fn parse(s: &str) -> Option<Register> {
        match s {
            "fr" => Some(Register::Fr),
            "ar" | "msa" => Some(Register::Ar),
            "darija" => Some(Register::Darija),
            "arabizi" => Some(Register::Arabizi),
            _ => None,
        }
    }
}

/// The key of a per-register list that holds aliases for any register.
pub const ANY: &str = "any";

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Aliases {
    /// Aliases for any register (the plain-list format).
    pub any: Vec<String>,
    pub by_register: BTreeMap<Register, Vec<String>>,
}

impl Aliases {
    pub fn iter(&self) -> AliasIter<'_> {
        self.into_iter()
    }

    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }

    pub fn push(&mut self, register: Option<Register>, alias: String) {
        match register {
            None => self.any.push(alias),
            Some(r) => self.by_register.entry(r).or_default().push(alias),
        }
    }
}

impl From<Vec<String>> for Aliases {
    fn from(any: Vec<String>) -> Aliases {
        Aliases {
            any,
            by_register: BTreeMap::new(),
        }
    }
}

pub type AliasIter<'a> = std::iter::Chain<
    std::slice::Iter<'a, String>,
    std::iter::Flatten<std::collections::btree_map::Values<'a, Register, Vec<String>>>,
>;

/// Every alias, whatever its register: the matchers iterate `&item.aliases`.
impl<'a> IntoIterator for &'a Aliases {
    type Item = &'a String;
    type IntoIter = AliasIter<'a>;
    fn into_iter(self) -> AliasIter<'a> {
        self.any.iter().chain(self.by_register.values().flatten())
    }
}

/// A file without registers is written back as it was read: a plain list.
impl Serialize for Aliases {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.by_register.is_empty() {
            return self.any.serialize(s);
        }
        let mut map: BTreeMap<&str, &Vec<String>> = self
            .by_register
            .iter()
            .map(|(r, v)| (r.as_str(), v))
            .collect();
        if !self.any.is_empty() {
            map.insert(ANY, &self.any);
        }
        map.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Aliases {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Aliases, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            List(Vec<String>),
            PerRegister(BTreeMap<String, Vec<String>>),
        }
        match Raw::deserialize(d)? {
            Raw::List(any) => Ok(Aliases::from(any)),
            Raw::PerRegister(map) => {
                let mut out = Aliases::default();
                for (k, v) in map {
                    let register = match k.as_str() {
                        ANY => None,
                        r => Some(Register::parse(r).ok_or_else(|| {
                            serde::de::Error::custom(format!("{k:?} is not a register"))
                        })?),
                    };
                    for a in v {
                        out.push(register, a);
                    }
                }
                Ok(out)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_list_reads_and_writes_back_as_a_plain_list() {
        let a: Aliases = serde_json::from_str(r#"["margarita", "مارغريتا"]"#).unwrap();
        assert_eq!(a.iter().count(), 2);
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            r#"["margarita","مارغريتا"]"#
        );
    }

    #[test]
    fn per_register_lists_keep_their_register_and_msa_reads_as_ar() {
        let a: Aliases = serde_json::from_str(
            r#"{"fr": ["margarita"], "msa": ["مارغريتا"], "arabizi": ["margrita"], "any": ["marg"]}"#,
        )
        .unwrap();
        let all: Vec<&str> = a.iter().map(String::as_str).collect();
        assert_eq!(all, vec!["marg", "margarita", "مارغريتا", "margrita"]);
        assert_eq!(a.by_register[&Register::Ar], vec!["مارغريتا".to_string()]);
        let back = serde_json::to_value(&a).unwrap();
        assert_eq!(
            back,
            serde_json::json!({"fr": ["margarita"], "ar": ["مارغريتا"], "arabizi": ["margrita"], "any": ["marg"]})
        );
        assert_eq!(serde_json::from_value::<Aliases>(back).unwrap(), a);
    }

    #[test]
    fn an_unknown_register_is_refused() {
        assert!(serde_json::from_str::<Aliases>(r#"{"klingon": ["x"]}"#).is_err());
    }

    fn demo() -> serde_json::Value {
        let bytes = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/fixtures/menus/demo_menu.json"
        ))
        .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    fn parse(v: &serde_json::Value) -> Result<crate::domain::menu::Menu, Vec<String>> {
        let bytes = serde_json::to_vec(v).unwrap();
        crate::domain::menu::validate::parse_menu(&bytes, &crate::domain::places::PLACES)
            .map_err(|ps| ps.iter().map(|p| p.to_string()).collect())
    }

    #[test]
    fn the_menu_file_takes_aliases_per_register_and_still_takes_plain_lists() {
        let mut m = demo();
        let plain = parse(&m).expect("the demo menu loads as it is");
        assert_eq!(plain.item("PZ-MARG").unwrap().aliases.iter().count(), 4);
        m["categories"][1]["items"][1]["aliases"] = serde_json::json!({
            "fr": ["chawarma", "shawarma"], "msa": ["شاورما"], "darija": ["شوارمة"],
            "arabizi": ["chwarma", "chawarma lham"]
        });
        let menu = parse(&m).expect("per-register aliases are a valid menu");
        let item = menu.item("CH-VIANDE").unwrap();
        assert_eq!(item.aliases.by_register.len(), 4);
        assert_eq!(
            item.aliases.by_register[&Register::Darija],
            vec!["شوارمة".to_string()]
        );
    }

    #[test]
    fn a_bad_register_or_a_bad_list_is_named_with_its_path() {
        let mut m = demo();
        m["categories"][0]["items"][0]["aliases"] =
            serde_json::json!({"kabyle": ["x"], "fr": "margarita", "darija": ["", "مارڨريتا"]});
        let problems = parse(&m).unwrap_err();
        let p = "$.categories[0].items[0].aliases";
        for want in [
            format!("{p}.kabyle: is not a register"),
            format!("{p}.fr: must be an array of names"),
            format!("{p}.darija[0]: must be a non-empty string"),
        ] {
            assert!(
                problems.iter().any(|x| x.starts_with(&want)),
                "{want} in {problems:?}"
            );
        }
    }
}
