//! The development corpus (`tests/corpus/*.toml`): customer goals per register, with the
//! phrase pools the adaptive customer answers from, and the menu facts it checks them against.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// How a customer writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Register {
    Fr,
    Msa,
    DzAr,
    DzLat,
    Mixed,
}

impl Register {
    pub const ALL: [Register; 5] = [
        Register::Fr,
        Register::Msa,
        Register::DzAr,
        Register::DzLat,
        Register::Mixed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Register::Fr => "fr",
            Register::Msa => "msa",
            Register::DzAr => "dz_ar",
            Register::DzLat => "dz_lat",
            Register::Mixed => "mixed",
        }
    }

    pub fn parse(s: &str) -> Option<Register> {
        Register::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Customers who write Arabic script fall back to the Arabic commune name.
    pub fn arabic_script(self) -> bool {
        matches!(self, Register::Msa | Register::DzAr)
    }
}

/// What a customer of one register says, by purpose. `{qty}`, `{item}` and `{commune}` are
/// filled in by the customer.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pools {
    pub checkout: Vec<String>,
    pub yes: Vec<String>,
    pub pickup: Vec<String>,
    pub delivery: Vec<String>,
    pub pay_cod: Vec<String>,
    pub pay_cib: Vec<String>,
    pub pay_edahabia: Vec<String>,
    pub size_m: Vec<String>,
    pub size_l: Vec<String>,
    pub commune: Vec<String>,
    pub address: Vec<String>,
    pub landmark: Vec<String>,
    pub add: Vec<String>,
    pub set: Vec<String>,
    pub remove: Vec<String>,
    pub reset: Vec<String>,
    /// Number words 1 to 10.
    pub numbers: Vec<String>,
    /// The size as an adjective after an item name, per choice id.
    pub size_word: BTreeMap<String, String>,
    /// Ways to name each item, per sku.
    pub names: BTreeMap<String, Vec<String>>,
}

impl Pools {
    pub fn payment(&self, method: &str) -> &[String] {
        match method {
            "cib" => &self.pay_cib,
            "edahabia" => &self.pay_edahabia,
            _ => &self.pay_cod,
        }
    }

    pub fn size(&self, choice: &str) -> &[String] {
        if choice == "L" {
            &self.size_l
        } else {
            &self.size_m
        }
    }
}

/// One line of an order: `2 PZ-MARG/L`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Line {
    pub sku: String,
    pub qty: u32,
    pub size: Option<String>,
}

impl std::fmt::Display for Line {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.size {
            Some(s) => write!(f, "{} {}/{}", self.qty, self.sku, s),
            None => write!(f, "{} {}", self.qty, self.sku),
        }
    }
}

/// Parses `"2 TC-POULET, 1 PZ-MARG/L"`.
pub fn parse_lines(s: &str) -> Result<Vec<Line>, String> {
    s.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (qty, rest) = p
                .split_once(' ')
                .ok_or_else(|| format!("{p:?}: want \"QTY SKU[/SIZE]\""))?;
            let qty: u32 = qty.parse().map_err(|_| format!("{p:?}: bad quantity"))?;
            let (sku, size) = match rest.trim().split_once('/') {
                Some((s, z)) => (s.to_string(), Some(z.to_string())),
                None => (rest.trim().to_string(), None),
            };
            Ok(Line { sku, qty, size })
        })
        .collect()
}

/// What the first reply should show.
#[derive(Debug, Clone, PartialEq)]
pub enum First {
    /// These lines in the cart (or their size being asked).
    Items(Vec<Line>),
    /// The price of this item.
    Price(String),
    /// The menu (categories or items to choose from).
    Menu,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Get {
    Pickup,
    Delivery {
        /// The commune's `name_fr` in `dz_communes.json`.
        commune: String,
        /// How this customer types it.
        says: String,
        address: Option<String>,
    },
}

/// A slot the customer gives before being asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Slot {
    Fulfilment,
    Commune,
    Payment,
}

#[derive(Debug, Clone)]
pub struct Goal {
    pub id: String,
    pub register: Register,
    /// The opening message.
    pub say: String,
    /// Scripted messages right after the opening (a correction, an addition, "ok give me 2").
    pub then: Vec<String>,
    pub first: First,
    pub order: Vec<Line>,
    pub get: Get,
    pub pay: String,
    pub early: Vec<Slot>,
    /// Failure classes of issue 14 this goal exercises (empty: a plain order).
    pub classes: Vec<u8>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GoalSpec {
    id: String,
    say: String,
    #[serde(default)]
    then: Vec<String>,
    first: Option<String>,
    order: String,
    get: String,
    commune: Option<String>,
    commune_says: Option<String>,
    address: Option<String>,
    pay: String,
    #[serde(default)]
    early: Vec<Slot>,
    #[serde(default)]
    classes: Vec<u8>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CorpusFile {
    register: Register,
    pools: Pools,
    goal: Vec<GoalSpec>,
}

/// Every goal, with its register's pools.
#[derive(Debug, Clone)]
pub struct Corpus {
    pub goals: Vec<Goal>,
    pub pools: BTreeMap<Register, Pools>,
}

impl Corpus {
    pub fn pools(&self, r: Register) -> &Pools {
        &self.pools[&r]
    }

    pub fn goal(&self, id: &str) -> Option<&Goal> {
        self.goals.iter().find(|g| g.id == id)
    }
}

/// `tests/corpus` in this checkout.
pub fn corpus_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/corpus"))
}

/// `../shared/fixtures/menus/demo_menu.json`, the menu the harness and the demo serve.
pub fn demo_menu_path() -> PathBuf {
    crate::meta_fixtures().join("../menus/demo_menu.json")
}

/// `../shared/data/dz_communes.json`.
pub fn communes_path() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/data/dz_communes.json"
    ))
}

pub fn load(dir: &Path) -> Result<Corpus, String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut corpus = Corpus {
        goals: Vec::new(),
        pools: BTreeMap::new(),
    };
    for f in files {
        let text = std::fs::read_to_string(&f).map_err(|e| format!("{}: {e}", f.display()))?;
        let file: CorpusFile =
            toml::from_str(&text).map_err(|e| format!("{}: {e}", f.display()))?;
        for g in file.goal {
            let goal = goal_from(file.register, g).map_err(|e| format!("{}: {e}", f.display()))?;
            corpus.goals.push(goal);
        }
        if corpus.pools.insert(file.register, file.pools).is_some() {
            return Err(format!("{}: a second file for this register", f.display()));
        }
    }
    Ok(corpus)
}

fn goal_from(register: Register, g: GoalSpec) -> Result<Goal, String> {
    let id = g.id.clone();
    let order = parse_lines(&g.order).map_err(|e| format!("{id}: {e}"))?;
    let first = match g.first.as_deref() {
        None => First::Items(order.clone()),
        Some("menu") => First::Menu,
        Some(p) if p.starts_with("price:") => First::Price(p["price:".len()..].to_string()),
        Some(lines) => First::Items(parse_lines(lines).map_err(|e| format!("{id}: {e}"))?),
    };
    let get = match g.get.as_str() {
        "pickup" => Get::Pickup,
        "delivery" => Get::Delivery {
            commune: g
                .commune
                .ok_or_else(|| format!("{id}: delivery without commune"))?,
            says: g
                .commune_says
                .ok_or_else(|| format!("{id}: delivery without commune_says"))?,
            address: g.address,
        },
        other => return Err(format!("{id}: get = {other:?}")),
    };
    Ok(Goal {
        id: g.id,
        register,
        say: g.say,
        then: g.then,
        first,
        order,
        get,
        pay: g.pay,
        early: g.early,
        classes: g.classes,
    })
}

/// A size choice of an item: id, French and Arabic names.
#[derive(Debug, Clone)]
pub struct Choice {
    pub id: String,
    pub fr: String,
    pub ar: String,
}

#[derive(Debug, Clone)]
pub struct Item {
    pub sku: String,
    pub fr: String,
    pub ar: String,
    pub aliases: Vec<String>,
    pub price: i64,
    pub available: bool,
    /// Choices of the item's required option (its size), empty when it has none.
    pub sizes: Vec<(Choice, i64)>,
}

/// What the customer and the checks need from the menu file (read as plain JSON, so a change
/// of the edge's menu types does not change what customers know).
#[derive(Debug, Clone)]
pub struct MenuFacts {
    pub items: Vec<Item>,
    pub min_order: i64,
    pub payment_methods: Vec<String>,
}

impl MenuFacts {
    pub fn load(path: &Path) -> Result<MenuFacts, String> {
        let v: serde_json::Value = serde_json::from_slice(
            &std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?,
        )
        .map_err(|e| format!("{}: {e}", path.display()))?;
        let s = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
        let mut items = Vec::new();
        for cat in v["categories"].as_array().into_iter().flatten() {
            for it in cat["items"].as_array().into_iter().flatten() {
                let sizes = it["options"]
                    .as_array()
                    .and_then(|o| o.first())
                    .and_then(|o| o["choices"].as_array())
                    .into_iter()
                    .flatten()
                    .map(|c| {
                        (
                            Choice {
                                id: s(&c["id"]),
                                fr: s(&c["name"]["fr"]),
                                ar: s(&c["name"]["ar"]),
                            },
                            c["price_delta"].as_i64().unwrap_or(0),
                        )
                    })
                    .collect();
                items.push(Item {
                    sku: s(&it["sku"]),
                    fr: s(&it["name"]["fr"]),
                    ar: s(&it["name"]["ar"]),
                    aliases: it["aliases"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(s)
                        .collect(),
                    price: it["price"].as_i64().unwrap_or(0),
                    available: it["available"].as_bool().unwrap_or(true),
                    sizes,
                });
            }
        }
        Ok(MenuFacts {
            items,
            min_order: v["delivery"]["min_order"].as_i64().unwrap_or(0),
            payment_methods: v["restaurant"]["payment_methods"]
                .as_array()
                .into_iter()
                .flatten()
                .map(s)
                .collect(),
        })
    }

    pub fn demo() -> MenuFacts {
        MenuFacts::load(&demo_menu_path()).expect("the demo menu")
    }

    pub fn item(&self, sku: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.sku == sku)
    }

    /// The French name of a size choice (what order lines store).
    pub fn size_name_fr(&self, sku: &str, choice: &str) -> Option<&str> {
        self.item(sku)?
            .sizes
            .iter()
            .find(|(c, _)| c.id == choice)
            .map(|(c, _)| c.fr.as_str())
    }

    pub fn subtotal(&self, lines: &[Line]) -> i64 {
        lines
            .iter()
            .map(|l| {
                let Some(it) = self.item(&l.sku) else {
                    return 0;
                };
                let delta = it
                    .sizes
                    .iter()
                    .find(|(c, _)| Some(&c.id) == l.size.as_ref())
                    .map_or(0, |(_, d)| *d);
                (it.price + delta) * l.qty as i64
            })
            .sum()
    }
}

/// A commune of `dz_communes.json`: its names and known other spellings.
#[derive(Debug, Clone, Deserialize)]
pub struct Commune {
    pub wilaya_code: String,
    pub name_fr: String,
    pub name_ar: String,
    #[serde(default)]
    pub aliases: Vec<String>,
}

pub fn communes() -> Vec<Commune> {
    let p = communes_path();
    serde_json::from_slice(&std::fs::read(&p).expect("dz_communes.json")).expect("communes json")
}

/// Problems with the corpus against the menu and the communes: unknown or unavailable
/// items, a missing or unknown size, a delivery under the minimum, an unknown commune, an
/// unknown payment method, a register without names for an item it orders, duplicate ids.
pub fn check(corpus: &Corpus, menu: &MenuFacts, communes: &[Commune]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut ids = std::collections::BTreeSet::new();
    for g in &corpus.goals {
        let p = |m: String| format!("{}: {m}", g.id);
        if !ids.insert(g.id.clone()) {
            problems.push(p("duplicate id".into()));
        }
        let mut lines = g.order.clone();
        if let First::Items(f) = &g.first {
            lines.extend(f.iter().cloned());
        }
        for l in &lines {
            match menu.item(&l.sku) {
                None => problems.push(p(format!("unknown sku {}", l.sku))),
                Some(it) if !it.available => problems.push(p(format!("{} is unavailable", l.sku))),
                Some(it) => {
                    let sized = !it.sizes.is_empty();
                    let known = l
                        .size
                        .as_ref()
                        .is_none_or(|s| it.sizes.iter().any(|(c, _)| &c.id == s));
                    if !known || (sized && l.size.is_none() && g.order.contains(l)) {
                        problems.push(p(format!("{l}: size missing or unknown")));
                    }
                    if !corpus.pools(g.register).names.contains_key(&l.sku) {
                        problems.push(p(format!("no {} names for {}", g.register.as_str(), l.sku)));
                    }
                }
            }
            if l.qty == 0 || l.qty > 10 {
                problems.push(p(format!("{l}: quantity out of 1..10")));
            }
        }
        if let First::Price(sku) = &g.first {
            if menu.item(sku).is_none() {
                problems.push(p(format!("price of unknown sku {sku}")));
            }
        }
        if let Get::Delivery { commune, .. } = &g.get {
            if menu.subtotal(&g.order) < menu.min_order {
                problems.push(p(format!(
                    "delivery under the minimum of {}",
                    menu.min_order
                )));
            }
            if !communes
                .iter()
                .any(|c| c.wilaya_code == "16" && &c.name_fr == commune)
            {
                problems.push(p(format!("{commune:?} is no commune of Algiers")));
            }
        }
        if !menu.payment_methods.contains(&g.pay) {
            problems.push(p(format!("payment {:?} not offered", g.pay)));
        }
    }
    problems
}
