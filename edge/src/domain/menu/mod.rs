//! The restaurant's menu file (`../shared/fixtures/menus/demo_menu.json` format): plain types,
//! validation with every problem listed, and its home in SQLite.

mod aliases;
pub mod validate;

pub use aliases::{Aliases, Register};
use serde::{Deserialize, Serialize};

/// The two languages the restaurant writes in. Darija in Latin letters is read, and answered
/// in French unless the customer chose Arabic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Fr,
    Ar,
}

impl Lang {
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::Ar => "ar",
        }
    }
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "fr" => Some(Lang::Fr),
            "ar" => Some(Lang::Ar),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Names {
    pub fr: String,
    pub ar: String,
}

impl Names {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Fr => &self.fr,
            Lang::Ar => &self.ar,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Menu {
    pub restaurant: Restaurant,
    pub categories: Vec<Category>,
    pub delivery: Delivery,
    #[serde(default)]
    pub faq: Vec<Faq>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Restaurant {
    pub name: String,
    pub currency: String,
    pub timezone: String,
    pub wilaya_code: String,
    pub commune: String,
    pub phone: String,
    pub default_language: Lang,
    pub opening_hours: Vec<OpeningHours>,
    pub payment_methods: Vec<PaymentMethod>,
    pub pickup: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpeningHours {
    pub days: Vec<String>,
    pub open: String,
    pub close: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PaymentMethod {
    Cod,
    Cib,
    Edahabia,
}

impl PaymentMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentMethod::Cod => "cod",
            PaymentMethod::Cib => "cib",
            PaymentMethod::Edahabia => "edahabia",
        }
    }
    pub fn parse(s: &str) -> Option<PaymentMethod> {
        match s {
            "cod" => Some(PaymentMethod::Cod),
            "cib" => Some(PaymentMethod::Cib),
            "edahabia" => Some(PaymentMethod::Edahabia),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub id: String,
    pub name: Names,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub sku: String,
    pub name: Names,
    /// Other names customers use: a plain list, or a list per register (`Aliases`).
    #[serde(default)]
    pub aliases: Aliases,
    pub price: i64,
    pub available: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<ItemOption>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemOption {
    pub name: Names,
    pub required: bool,
    pub choices: Vec<Choice>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub id: String,
    pub name: Names,
    pub price_delta: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Delivery {
    pub min_order: i64,
    pub zones: Vec<Zone>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Zone {
    pub wilaya_code: String,
    pub communes: ZoneCommunes,
    pub fee: i64,
    pub eta_minutes: i64,
}

/// `"*"` (every other commune of the wilaya) or a list of names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ZoneCommunes {
    All(AllCommunes),
    Listed(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum AllCommunes {
    #[serde(rename = "*")]
    Star,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Faq {
    pub q: Names,
    pub a: Names,
    #[serde(default)]
    pub keywords: Vec<String>,
}

impl Menu {
    pub fn items(&self) -> impl Iterator<Item = (&Category, &Item)> {
        self.categories
            .iter()
            .flat_map(|c| c.items.iter().map(move |i| (c, i)))
    }
    pub fn item(&self, sku: &str) -> Option<&Item> {
        self.items().map(|(_, i)| i).find(|i| i.sku == sku)
    }
    pub fn category_of(&self, sku: &str) -> Option<&Category> {
        self.items().find(|(_, i)| i.sku == sku).map(|(c, _)| c)
    }
    pub fn category(&self, id: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.id == id)
    }
}
