//! The menu in SQLite: `import` replaces it whole in one transaction, `load` rebuilds the
//! file's structure from the tables (the console edits the tables; export writes them back).

use crate::domain::menu::*;
use crate::store::Cached;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::Serialize;

fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("menu values always serialise")
}

fn from_json<T: serde::de::DeserializeOwned>(s: String) -> rusqlite::Result<T> {
    serde_json::from_str(&s).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file was refused whole; the stored menu is unchanged.
    #[error("the menu file has {} problem(s); the current menu is unchanged", .0.len())]
    Invalid(Vec<crate::domain::menu::validate::Problem>),
    #[error("database error: {0}")]
    Db(#[from] rusqlite::Error),
}

/// Checks a menu file (JSON bytes) against the reference places and, when it is valid,
/// replaces the stored menu with it in one transaction (`resto-edge menu import`).
pub fn import_json(c: &mut Connection, bytes: &[u8], now: &str) -> Result<Menu, ImportError> {
    let menu = crate::domain::menu::validate::parse_menu(bytes, &crate::domain::places::PLACES)
        .map_err(ImportError::Invalid)?;
    let tx = c.transaction()?;
    import(&tx, &menu, now)?;
    tx.commit()?;
    Ok(menu)
}

/// Replaces the stored menu with `menu` (already validated) in the caller's transaction.
pub fn import(tx: &Transaction<'_>, menu: &Menu, now: &str) -> rusqlite::Result<()> {
    for table in [
        "menu_option_choices",
        "menu_options",
        "menu_items",
        "menu_categories",
        "delivery_zones",
        "faq",
        "restaurant",
    ] {
        tx.run(&format!("DELETE FROM {table}"), [])?;
    }
    let r = &menu.restaurant;
    tx.run(
        "INSERT INTO restaurant (id, name, currency, timezone, wilaya_code, commune, phone, default_language, \
         opening_hours, payment_methods, pickup, min_order, updated_at) VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![r.name, r.currency, r.timezone, r.wilaya_code, r.commune, r.phone, r.default_language.as_str(),
            json(&r.opening_hours), json(&r.payment_methods), r.pickup, menu.delivery.min_order, now],
    )?;
    for (ci, c) in menu.categories.iter().enumerate() {
        tx.run(
            "INSERT INTO menu_categories (id, position, name_fr, name_ar) VALUES (?1, ?2, ?3, ?4)",
            params![c.id, ci as i64, c.name.fr, c.name.ar],
        )?;
        for (ii, it) in c.items.iter().enumerate() {
            tx.run(
                "INSERT INTO menu_items (sku, category_id, position, name_fr, name_ar, aliases, price, available) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![it.sku, c.id, ii as i64, it.name.fr, it.name.ar, json(&it.aliases), it.price, it.available],
            )?;
            for (oi, o) in it.options.iter().enumerate() {
                tx.run(
                    "INSERT INTO menu_options (item_sku, position, name_fr, name_ar, required) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![it.sku, oi as i64, o.name.fr, o.name.ar, o.required],
                )?;
                for (chi, ch) in o.choices.iter().enumerate() {
                    tx.run(
                        "INSERT INTO menu_option_choices (item_sku, option_pos, choice_id, position, name_fr, name_ar, price_delta) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                        params![it.sku, oi as i64, ch.id, chi as i64, ch.name.fr, ch.name.ar, ch.price_delta],
                    )?;
                }
            }
        }
    }
    for (zi, z) in menu.delivery.zones.iter().enumerate() {
        tx.run(
            "INSERT INTO delivery_zones (position, wilaya_code, communes, fee, eta_minutes) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![zi as i64, z.wilaya_code, json(&z.communes), z.fee, z.eta_minutes],
        )?;
    }
    for (fi, f) in menu.faq.iter().enumerate() {
        tx.run(
            "INSERT INTO faq (position, q_fr, q_ar, a_fr, a_ar, keywords) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![fi as i64, f.q.fr, f.q.ar, f.a.fr, f.a.ar, json(&f.keywords)],
        )?;
    }
    crate::store::faq::reindex(tx)?;
    Ok(())
}

/// An item as an order line needs it: French name, price, whether it is on today.
pub fn item_for_order(c: &Connection, sku: &str) -> rusqlite::Result<Option<(String, i64, bool)>> {
    c.row(
        "SELECT name_fr, price, available FROM menu_items WHERE sku = ?1",
        params![sku],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
    .optional()
}

/// The restaurant's default language (`fr` before a menu is imported).
pub fn default_language(c: &Connection) -> rusqlite::Result<String> {
    Ok(c.row(
        "SELECT default_language FROM restaurant WHERE id = 1",
        [],
        |r| r.get(0),
    )
    .optional()?
    .unwrap_or_else(|| "fr".into()))
}

/// The stored menu, or `None` before the first import.
pub fn load(c: &Connection) -> rusqlite::Result<Option<Menu>> {
    let restaurant = c
        .row(
            "SELECT name, currency, timezone, wilaya_code, commune, phone, default_language, opening_hours, \
             payment_methods, pickup, min_order FROM restaurant WHERE id = 1",
            [],
            |r| {
                Ok((
                    Restaurant {
                        name: r.get(0)?,
                        currency: r.get(1)?,
                        timezone: r.get(2)?,
                        wilaya_code: r.get(3)?,
                        commune: r.get(4)?,
                        phone: r.get(5)?,
                        default_language: Lang::parse(&r.get::<_, String>(6)?).unwrap_or(Lang::Fr),
                        opening_hours: from_json(r.get(7)?)?,
                        payment_methods: from_json(r.get(8)?)?,
                        pickup: r.get(9)?,
                    },
                    r.get::<_, i64>(10)?,
                ))
            },
        )
        .optional()?;
    let Some((restaurant, min_order)) = restaurant else {
        return Ok(None);
    };
    let mut choices = c.prepare_cached(
        "SELECT choice_id, name_fr, name_ar, price_delta FROM menu_option_choices \
         WHERE item_sku = ?1 AND option_pos = ?2 ORDER BY position",
    )?;
    let mut options = c.prepare_cached(
        "SELECT position, name_fr, name_ar, required FROM menu_options WHERE item_sku = ?1 ORDER BY position",
    )?;
    let mut items = c.prepare_cached(
        "SELECT sku, name_fr, name_ar, aliases, price, available FROM menu_items WHERE category_id = ?1 ORDER BY position",
    )?;
    let mut cats =
        c.prepare_cached("SELECT id, name_fr, name_ar FROM menu_categories ORDER BY position")?;
    let mut categories: Vec<Category> = cats
        .query_map([], |r| {
            Ok(Category {
                id: r.get(0)?,
                name: Names {
                    fr: r.get(1)?,
                    ar: r.get(2)?,
                },
                items: Vec::new(),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    for cat in &mut categories {
        cat.items = items
            .query_map(params![cat.id], |r| {
                Ok(Item {
                    sku: r.get(0)?,
                    name: Names {
                        fr: r.get(1)?,
                        ar: r.get(2)?,
                    },
                    aliases: from_json(r.get(3)?)?,
                    price: r.get(4)?,
                    available: r.get(5)?,
                    options: Vec::new(),
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        for item in &mut cat.items {
            let opts: Vec<(i64, ItemOption)> = options
                .query_map(params![item.sku], |r| {
                    Ok((
                        r.get(0)?,
                        ItemOption {
                            name: Names {
                                fr: r.get(1)?,
                                ar: r.get(2)?,
                            },
                            required: r.get(3)?,
                            choices: Vec::new(),
                        },
                    ))
                })?
                .collect::<rusqlite::Result<_>>()?;
            for (pos, mut opt) in opts {
                opt.choices = choices
                    .query_map(params![item.sku, pos], |r| {
                        Ok(Choice {
                            id: r.get(0)?,
                            name: Names {
                                fr: r.get(1)?,
                                ar: r.get(2)?,
                            },
                            price_delta: r.get(3)?,
                        })
                    })?
                    .collect::<rusqlite::Result<_>>()?;
                item.options.push(opt);
            }
        }
    }
    let zones = c
        .prepare_cached(
            "SELECT wilaya_code, communes, fee, eta_minutes FROM delivery_zones ORDER BY position",
        )?
        .query_map([], |r| {
            Ok(Zone {
                wilaya_code: r.get(0)?,
                communes: from_json(r.get(1)?)?,
                fee: r.get(2)?,
                eta_minutes: r.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let faq = c
        .prepare_cached("SELECT q_fr, q_ar, a_fr, a_ar, keywords FROM faq ORDER BY position")?
        .query_map([], |r| {
            Ok(Faq {
                q: Names {
                    fr: r.get(0)?,
                    ar: r.get(1)?,
                },
                a: Names {
                    fr: r.get(2)?,
                    ar: r.get(3)?,
                },
                keywords: from_json(r.get(4)?)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Some(Menu {
        restaurant,
        categories,
        delivery: Delivery { min_order, zones },
        faq,
    }))
}

/// Staff switch an item on or off for today; false when there is no such item.
pub fn set_available(c: &Connection, sku: &str, available: bool) -> rusqlite::Result<bool> {
    Ok(c.execute(
        "UPDATE menu_items SET available = ?2 WHERE sku = ?1",
        params![sku, available],
    )? == 1)
}

/// The owner changes an item's price or names (`None` keeps the value); false when there is
/// no such item.
pub fn edit_item(
    c: &Connection,
    sku: &str,
    price: Option<i64>,
    name_fr: Option<&str>,
    name_ar: Option<&str>,
) -> rusqlite::Result<bool> {
    Ok(c.execute(
        "UPDATE menu_items SET price = coalesce(?2, price), name_fr = coalesce(?3, name_fr), name_ar = coalesce(?4, name_ar) WHERE sku = ?1",
        params![sku, price, name_fr, name_ar],
    )? == 1)
}

/// Adds an item at the end of its category; false when the code is taken or the category
/// does not exist.
pub fn add_item(
    c: &Connection,
    category_id: &str,
    sku: &str,
    name_fr: &str,
    name_ar: &str,
    price: i64,
) -> rusqlite::Result<bool> {
    Ok(c.execute(
        "INSERT OR IGNORE INTO menu_items (sku, category_id, position, name_fr, name_ar, aliases, price, available) \
         SELECT ?2, id, (SELECT coalesce(max(position), -1) + 1 FROM menu_items WHERE category_id = ?1), ?3, ?4, '[]', ?5, 1 \
         FROM menu_categories WHERE id = ?1",
        params![category_id, sku, name_fr, name_ar, price],
    )? == 1)
}

/// Marks the menu changed now (the console and exports show when).
pub fn touch(c: &Connection, now: &str) -> rusqlite::Result<()> {
    c.execute(
        "UPDATE restaurant SET updated_at = ?1 WHERE id = 1",
        params![now],
    )?;
    Ok(())
}
