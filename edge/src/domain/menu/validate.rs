//! Menu file validation. A restaurant owner edits this file by hand, so a bad file is refused
//! whole with EVERY problem listed (JSON path + what is wrong), not just the first serde error.

use super::Menu;
use crate::domain::places::Places;
use serde_json::{Map, Value};
use std::collections::HashSet;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: String,
    pub what: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.what)
    }
}

pub const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
/// Algeria has no daylight saving time since 1981, so a fixed offset is exact.
pub const SUPPORTED_TIMEZONES: [&str; 2] = ["Africa/Algiers", "UTC"];

/// Parses and checks a menu file. `wilaya_codes` are the codes the device knows.
pub fn parse_menu(bytes: &[u8], places: &Places) -> Result<Menu, Vec<Problem>> {
    let wilaya_codes = &places.wilaya_codes();
    let root: Value = serde_json::from_slice(bytes).map_err(|e| {
        vec![Problem {
            path: "$".into(),
            what: format!("not valid JSON ({e})"),
        }]
    })?;
    let mut c = Check {
        problems: Vec::new(),
        wilaya_codes,
        places,
    };
    c.menu(&root);
    if !c.problems.is_empty() {
        return Err(c.problems);
    }
    serde_json::from_value(root).map_err(|e| {
        vec![Problem {
            path: "$".into(),
            what: e.to_string(),
        }]
    })
}

struct Check<'a> {
    problems: Vec<Problem>,
    wilaya_codes: &'a HashSet<&'a str>,
    places: &'a Places,
}

impl Check<'_> {
    fn bad(&mut self, path: &str, what: impl Into<String>) {
        self.problems.push(Problem {
            path: path.to_string(),
            what: what.into(),
        });
    }

    fn object<'v>(
        &mut self,
        v: &'v Value,
        path: &str,
        keys: &[&str],
    ) -> Option<&'v Map<String, Value>> {
        let Some(o) = v.as_object() else {
            self.bad(path, "must be an object");
            return None;
        };
        for k in o.keys() {
            if !keys.contains(&k.as_str()) {
                self.bad(
                    &format!("{path}.{k}"),
                    format!("unknown field (expected one of: {})", keys.join(", ")),
                );
            }
        }
        Some(o)
    }

    fn field<'v>(&mut self, o: &'v Map<String, Value>, path: &str, key: &str) -> Option<&'v Value> {
        let v = o.get(key);
        if v.is_none() {
            self.bad(&format!("{path}.{key}"), "is missing");
        }
        v
    }

    fn string(&mut self, o: &Map<String, Value>, path: &str, key: &str) -> Option<String> {
        let v = self.field(o, path, key)?;
        match v.as_str() {
            Some(s) if !s.trim().is_empty() => Some(s.to_string()),
            Some(_) => {
                self.bad(&format!("{path}.{key}"), "must not be empty");
                None
            }
            None => {
                self.bad(&format!("{path}.{key}"), "must be a string");
                None
            }
        }
    }

    fn bool(&mut self, o: &Map<String, Value>, path: &str, key: &str) {
        if let Some(v) = self.field(o, path, key) {
            if !v.is_boolean() {
                self.bad(&format!("{path}.{key}"), "must be true or false");
            }
        }
    }

    fn int(&mut self, o: &Map<String, Value>, path: &str, key: &str, min: i64) -> Option<i64> {
        let v = self.field(o, path, key)?;
        match v.as_i64() {
            Some(n) if n >= min && n <= 10_000_000 => Some(n),
            Some(n) => {
                self.bad(
                    &format!("{path}.{key}"),
                    format!("{n} is out of range ({min} to 10000000)"),
                );
                None
            }
            None => {
                self.bad(&format!("{path}.{key}"), "must be a whole number of dinars");
                None
            }
        }
    }

    fn array<'v>(
        &mut self,
        o: &'v Map<String, Value>,
        path: &str,
        key: &str,
        non_empty: bool,
    ) -> &'v [Value] {
        match self.field(o, path, key) {
            Some(Value::Array(a)) if non_empty && a.is_empty() => {
                self.bad(&format!("{path}.{key}"), "must not be empty");
                a
            }
            Some(Value::Array(a)) => a,
            Some(_) => {
                self.bad(&format!("{path}.{key}"), "must be an array");
                &[]
            }
            None => &[],
        }
    }

    fn names(&mut self, o: &Map<String, Value>, path: &str, key: &str) -> Option<String> {
        let v = self.field(o, path, key)?;
        let p = format!("{path}.{key}");
        let n = self.object(v, &p, &["fr", "ar"])?;
        let fr = self.string(n, &p, "fr");
        self.string(n, &p, "ar");
        fr
    }

    fn strings(&mut self, o: &Map<String, Value>, path: &str, key: &str) {
        for (i, v) in self.array(o, path, key, false).iter().enumerate() {
            if v.as_str().map(|s| s.trim().is_empty()).unwrap_or(true) {
                self.bad(&format!("{path}.{key}[{i}]"), "must be a non-empty string");
            }
        }
    }

    fn wilaya(&mut self, o: &Map<String, Value>, path: &str) {
        if let Some(code) = self.string(o, path, "wilaya_code") {
            if !self.wilaya_codes.contains(code.as_str()) {
                self.bad(
                    &format!("{path}.wilaya_code"),
                    format!("{code:?} is not a wilaya code (01 to 69)"),
                );
            }
        }
    }

    fn menu(&mut self, root: &Value) {
        let Some(o) = self.object(root, "$", &["restaurant", "categories", "delivery", "faq"])
        else {
            return;
        };
        if let Some(r) = self.field(o, "$", "restaurant") {
            self.restaurant(r);
        }
        let mut skus = HashSet::new();
        let mut ids = HashSet::new();
        for (i, cat) in self.array(o, "$", "categories", true).iter().enumerate() {
            let p = format!("$.categories[{i}]");
            let Some(c) = self.object(cat, &p, &["id", "name", "items"]) else {
                continue;
            };
            if let Some(id) = self.string(c, &p, "id") {
                if !ids.insert(id.clone()) {
                    self.bad(
                        &format!("{p}.id"),
                        format!("{id:?} is used by another category"),
                    );
                }
            }
            self.names(c, &p, "name");
            for (j, item) in self.array(c, &p, "items", true).iter().enumerate() {
                self.item(item, &format!("{p}.items[{j}]"), &mut skus);
            }
        }
        if let Some(d) = self.field(o, "$", "delivery") {
            self.delivery(d);
        }
        if let Some(Value::Array(faq)) = o.get("faq") {
            for (i, f) in faq.iter().enumerate() {
                let p = format!("$.faq[{i}]");
                let Some(f) = self.object(f, &p, &["q", "a", "keywords"]) else {
                    continue;
                };
                self.names(f, &p, "q");
                self.names(f, &p, "a");
                if f.contains_key("keywords") {
                    self.strings(f, &p, "keywords");
                }
            }
        } else if o.contains_key("faq") {
            self.bad("$.faq", "must be an array");
        }
    }

    fn restaurant(&mut self, r: &Value) {
        let p = "$.restaurant";
        let keys = [
            "name",
            "currency",
            "timezone",
            "wilaya_code",
            "commune",
            "phone",
            "default_language",
            "opening_hours",
            "payment_methods",
            "pickup",
        ];
        let Some(r) = self.object(r, p, &keys) else {
            return;
        };
        self.string(r, p, "name");
        if let Some(cur) = self.string(r, p, "currency") {
            if cur != "DZD" {
                self.bad(
                    &format!("{p}.currency"),
                    format!("{cur:?} is not supported; prices are in DZD"),
                );
            }
        }
        if let Some(tz) = self.string(r, p, "timezone") {
            if !SUPPORTED_TIMEZONES.contains(&tz.as_str()) {
                self.bad(
                    &format!("{p}.timezone"),
                    format!(
                        "{tz:?} is not supported (use one of: {})",
                        SUPPORTED_TIMEZONES.join(", ")
                    ),
                );
            }
        }
        self.wilaya(r, p);
        self.string(r, p, "commune");
        self.string(r, p, "phone");
        if let Some(l) = self.string(r, p, "default_language") {
            if l != "fr" && l != "ar" {
                self.bad(
                    &format!("{p}.default_language"),
                    format!("{l:?} must be \"fr\" or \"ar\""),
                );
            }
        }
        for (i, h) in self.array(r, p, "opening_hours", true).iter().enumerate() {
            let hp = format!("{p}.opening_hours[{i}]");
            let Some(h) = self.object(h, &hp, &["days", "open", "close"]) else {
                continue;
            };
            let days = self.array(h, &hp, "days", true);
            for (j, d) in days.iter().enumerate() {
                if !d.as_str().map(|d| DAYS.contains(&d)).unwrap_or(false) {
                    self.bad(
                        &format!("{hp}.days[{j}]"),
                        format!("{d} is not a day (use {})", DAYS.join(", ")),
                    );
                }
            }
            for key in ["open", "close"] {
                if let Some(t) = self.string(h, &hp, key) {
                    if parse_hhmm(&t).is_none() {
                        self.bad(
                            &format!("{hp}.{key}"),
                            format!("{t:?} is not a time like 11:00"),
                        );
                    }
                }
            }
        }
        for (i, m) in self.array(r, p, "payment_methods", true).iter().enumerate() {
            if !matches!(m.as_str(), Some("cod" | "cib" | "edahabia")) {
                self.bad(
                    &format!("{p}.payment_methods[{i}]"),
                    format!("{m} is not one of cod, cib, edahabia"),
                );
            }
        }
        self.bool(r, p, "pickup");
    }

    fn item(&mut self, item: &Value, p: &str, skus: &mut HashSet<String>) {
        let Some(it) = self.object(
            item,
            p,
            &["sku", "name", "aliases", "price", "available", "options"],
        ) else {
            return;
        };
        if let Some(sku) = self.string(it, p, "sku") {
            if !skus.insert(sku.clone()) {
                self.bad(
                    &format!("{p}.sku"),
                    format!("{sku:?} is used by another item"),
                );
            }
        }
        self.names(it, p, "name");
        match it.get("aliases") {
            Some(Value::Object(per_register)) => self.aliases_per_register(per_register, p),
            Some(_) => self.strings(it, p, "aliases"),
            None => {}
        }
        let price = self.int(it, p, "price", 0);
        self.bool(it, p, "available");
        let Some(opts) = it.get("options") else {
            return;
        };
        let Some(opts) = opts.as_array() else {
            self.bad(&format!("{p}.options"), "must be an array");
            return;
        };
        for (i, opt) in opts.iter().enumerate() {
            let op = format!("{p}.options[{i}]");
            let Some(o) = self.object(opt, &op, &["name", "required", "choices"]) else {
                continue;
            };
            self.names(o, &op, "name");
            self.bool(o, &op, "required");
            let mut ids = HashSet::new();
            for (j, ch) in self.array(o, &op, "choices", true).iter().enumerate() {
                let cp = format!("{op}.choices[{j}]");
                let Some(c) = self.object(ch, &cp, &["id", "name", "price_delta"]) else {
                    continue;
                };
                if let Some(id) = self.string(c, &cp, "id") {
                    if !ids.insert(id.clone()) {
                        self.bad(
                            &format!("{cp}.id"),
                            format!("{id:?} is used twice in this option"),
                        );
                    }
                }
                self.names(c, &cp, "name");
                if let (Some(delta), Some(price)) =
                    (self.int(c, &cp, "price_delta", -10_000_000), price)
                {
                    if price + delta < 0 {
                        self.bad(
                            &format!("{cp}.price_delta"),
                            format!("makes the price negative ({price} {delta:+})"),
                        );
                    }
                }
            }
        }
    }

    fn delivery(&mut self, d: &Value) {
        let p = "$.delivery";
        let Some(d) = self.object(d, p, &["min_order", "zones"]) else {
            return;
        };
        self.int(d, p, "min_order", 0);
        for (i, z) in self.array(d, p, "zones", false).iter().enumerate() {
            let zp = format!("{p}.zones[{i}]");
            let Some(z) = self.object(z, &zp, &["wilaya_code", "communes", "fee", "eta_minutes"])
            else {
                continue;
            };
            self.wilaya(z, &zp);
            match self.field(z, &zp, "communes") {
                Some(Value::String(s)) if s == "*" => {}
                Some(Value::Array(list)) => {
                    self.strings(z, &zp, "communes");
                    let code = z.get("wilaya_code").and_then(Value::as_str).unwrap_or("");
                    if self.wilaya_codes.contains(code) {
                        self.communes(code, list, &zp);
                    }
                }
                Some(_) => self.bad(
                    &format!("{zp}.communes"),
                    "must be \"*\" or an array of commune names",
                ),
                None => {}
            }
            self.int(z, &zp, "fee", 0);
            self.int(z, &zp, "eta_minutes", 1);
        }
    }
}

impl Check<'_> {
    /// `{"fr": [...], "ar": [...], "darija": [...], "arabizi": [...], "any": [...]}`.
    fn aliases_per_register(&mut self, per_register: &Map<String, Value>, p: &str) {
        let ap = format!("{p}.aliases");
        for (k, v) in per_register {
            if k != super::aliases::ANY && super::Register::parse(k).is_none() {
                self.bad(
                    &format!("{ap}.{k}"),
                    "is not a register (use fr, ar, darija, arabizi or any)",
                );
                continue;
            }
            if v.is_array() {
                self.strings(per_register, &ap, k);
            } else {
                self.bad(&format!("{ap}.{k}"), "must be an array of names");
            }
        }
    }

    fn communes(&mut self, code: &str, list: &[Value], zp: &str) {
        for (j, name) in list.iter().enumerate() {
            let Some(name) = name.as_str() else { continue };
            if let Err(closest) = self.places.check_commune(code, name) {
                self.bad(
                    &format!("{zp}.communes[{j}]"),
                    format!(
                        "{name:?} is not a commune of wilaya {code}; closest: {}",
                        closest.join(", ")
                    ),
                );
            }
        }
    }
}

/// "HH:MM" → minutes after midnight; "24:00" is accepted as the end of the day.
pub fn parse_hhmm(s: &str) -> Option<u32> {
    let (h, m) = s.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
}
