//! Changes staff make to the menu from the console: availability (any staff), prices, names
//! and new items (owner). The conversation reads the menu from the store on every batch, so
//! the bot follows at once.

use crate::store::menu as store;
use rusqlite::Connection;
use serde::Deserialize;

#[derive(Debug, thiserror::Error)]
pub enum MenuEditError {
    #[error("item {0} is not on the menu; reload the page")]
    NoSuchItem(String),
    #[error("{0}")]
    Invalid(String),
    #[error("database error: {0}")]
    Db(#[from] rusqlite::Error),
}

pub fn set_available(
    c: &Connection,
    sku: &str,
    available: bool,
    now: &str,
) -> Result<(), MenuEditError> {
    if !store::set_available(c, sku, available)? {
        return Err(MenuEditError::NoSuchItem(sku.into()));
    }
    touch(c, now)
}

fn touch(c: &Connection, now: &str) -> Result<(), MenuEditError> {
    Ok(store::touch(c, now)?)
}

#[derive(Debug, Clone, Deserialize)]
pub struct ItemEdit {
    #[serde(default)]
    pub price: Option<i64>,
    #[serde(default)]
    pub name_fr: Option<String>,
    #[serde(default)]
    pub name_ar: Option<String>,
}

fn check_name(n: &str) -> Result<(), MenuEditError> {
    let len = n.trim().chars().count();
    if !(1..=60).contains(&len) {
        return Err(MenuEditError::Invalid(
            "an item name must be 1 to 60 characters".into(),
        ));
    }
    Ok(())
}

fn check_price(p: i64) -> Result<(), MenuEditError> {
    if !(0..=1_000_000).contains(&p) {
        return Err(MenuEditError::Invalid(
            "a price must be 0 to 1000000 DA".into(),
        ));
    }
    Ok(())
}

pub fn edit_item(c: &Connection, sku: &str, e: &ItemEdit, now: &str) -> Result<(), MenuEditError> {
    if let Some(p) = e.price {
        check_price(p)?;
    }
    for n in [&e.name_fr, &e.name_ar].into_iter().flatten() {
        check_name(n)?;
    }
    let (fr, ar) = (
        e.name_fr.as_deref().map(str::trim),
        e.name_ar.as_deref().map(str::trim),
    );
    if !store::edit_item(c, sku, e.price, fr, ar)? {
        return Err(MenuEditError::NoSuchItem(sku.into()));
    }
    touch(c, now)
}

#[derive(Debug, Clone, Deserialize)]
pub struct NewItem {
    pub category_id: String,
    pub sku: String,
    pub name_fr: String,
    pub name_ar: String,
    pub price: i64,
}

pub fn add_item(c: &Connection, i: &NewItem, now: &str) -> Result<(), MenuEditError> {
    check_name(&i.name_fr)?;
    check_name(&i.name_ar)?;
    check_price(i.price)?;
    if i.sku.is_empty()
        || i.sku.len() > 40
        || !i
            .sku
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(MenuEditError::Invalid(
            "the code (sku) must be 1 to 40 letters, digits, '-' or '_'".into(),
        ));
    }
    if !store::add_item(
        c,
        &i.category_id,
        &i.sku,
        i.name_fr.trim(),
        i.name_ar.trim(),
        i.price,
    )? {
        return Err(MenuEditError::Invalid(format!(
            "cannot add {}: the code is already used or the category {} does not exist",
            i.sku, i.category_id
        )));
    }
    touch(c, now)
}
