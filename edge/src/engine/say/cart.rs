//! Replies about the menu and the cart: categories, items, options, the cart with its total,
//! what was added or removed.

use super::widgets::{buttons, list, text};
use super::{Ctx, PAGE};
use crate::domain::menu::{Lang, Menu};
use crate::domain::wording::{da, t, tr};
use crate::engine::{subtotal, unit_price, CartLine};
use resto_sync::outbound::OutgoingMessage;

/// An item's name in the reply's language; the sku when the menu no longer has it.
pub(super) fn item_name(c: &Ctx<'_>, sku: &str) -> String {
    c.menu
        .item(sku)
        .map(|i| i.name.get(c.lang).to_string())
        .unwrap_or_else(|| sku.to_string())
}

/// One cart line as text: "2 × Pizza Margherita (Grande) — 2000 DA".
pub fn line_text(menu: &Menu, lang: Lang, l: &CartLine) -> String {
    let Some(item) = menu.item(&l.sku) else {
        return String::new();
    };
    let opts: Vec<&str> = item
        .options
        .iter()
        .zip(&l.choices)
        .filter_map(|(o, id)| {
            o.choices
                .iter()
                .find(|c| &c.id == id)
                .map(|c| c.name.get(lang))
        })
        .collect();
    let opts = if opts.is_empty() {
        String::new()
    } else {
        format!(" ({})", opts.join(", "))
    };
    let price = unit_price(menu, l).unwrap_or(0) * l.qty as i64;
    format!(
        "{} × {}{} — {}",
        l.qty,
        item.name.get(lang),
        opts,
        da(price)
    )
}

pub(super) fn cart_text(c: &Ctx<'_>) -> String {
    let lines: Vec<String> = c
        .conv
        .cart
        .iter()
        .map(|l| format!("• {}", line_text(c.menu, c.lang, l)))
        .collect();
    let sub = subtotal(c.menu, &c.conv.cart);
    format!(
        "{}\n{}",
        lines.join("\n"),
        t(
            c.lang,
            &format!("Total : {}", da(sub)),
            &format!("المجموع: {}", da(sub))
        )
    )
}

pub(super) fn cart_buttons(c: &Ctx<'_>, text: String) -> OutgoingMessage {
    let l = c.lang;
    buttons(
        text,
        &[
            ("act:checkout", t(l, "Commander ✅", "تأكيد الطلب ✅")),
            ("act:menu", t(l, "Ajouter ➕", "إضافة ➕")),
            ("act:clear", t(l, "Vider le panier", "إفراغ السلة")),
        ],
    )
}

pub(super) fn categories(c: &Ctx<'_>) -> OutgoingMessage {
    let l = c.lang;
    let m = c.menu;
    list(
        t(
            l,
            "Notre menu 📋 Choisissez une catégorie :",
            "القائمة تاعنا 📋 اختار صنف:",
        ),
        t(l, "Catégories", "الأصناف"),
        m.categories
            .iter()
            .map(|cat| (format!("cat:{}", cat.id), cat.name.get(l).to_string(), None))
            .collect(),
    )
}

pub(super) fn category_items(c: &Ctx<'_>, category: &str, page: usize) -> OutgoingMessage {
    let l = c.lang;
    let m = c.menu;
    let Some(cat) = m.category(category) else {
        return text(t(l, "Cette catégorie n'existe plus.", "هذا الصنف ما بقاش."));
    };
    let mut rows: Vec<(String, String, Option<String>)> = cat
        .items
        .iter()
        .skip(page * PAGE)
        .take(PAGE)
        .map(|it| {
            let price = if it.available {
                da(it.price)
            } else {
                format!("{} — {}", da(it.price), t(l, "épuisé", "غير متوفر"))
            };
            (
                format!("item:{}", it.sku),
                it.name.get(l).to_string(),
                Some(price),
            )
        })
        .collect();
    if cat.items.len() > (page + 1) * PAGE {
        rows.push((
            format!("cat:{}:{}", cat.id, page + 1),
            t(l, "Plus…", "المزيد…"),
            None,
        ));
    }
    list(
        t(
            l,
            &format!("{} — que voulez-vous ?", cat.name.fr),
            &format!("{} — واش تحب؟", cat.name.ar),
        ),
        t(l, "Voir", "شوف"),
        rows,
    )
}

pub(super) fn ask_option(c: &Ctx<'_>, sku: &str, option: usize) -> OutgoingMessage {
    let l = c.lang;
    let m = c.menu;
    let Some(item) = m.item(sku) else {
        return text(String::new());
    };
    let Some(opt) = item.options.get(option) else {
        return text(String::new());
    };
    let q = t(
        l,
        &format!("{} : quelle {} ?", item.name.fr, opt.name.fr.to_lowercase()),
        &format!("{}: واش من {}؟", item.name.ar, opt.name.ar),
    );
    let choices: Vec<(String, String)> = opt
        .choices
        .iter()
        .map(|ch| {
            let title = if ch.price_delta == 0 {
                ch.name.get(l).to_string()
            } else {
                format!("{} (+{})", ch.name.get(l), ch.price_delta)
            };
            (format!("opt:{}", ch.id), title)
        })
        .collect();
    if choices.len() <= 3 {
        let b: Vec<(&str, String)> = choices
            .iter()
            .map(|(id, ti)| (id.as_str(), ti.clone()))
            .collect();
        buttons(q, &b)
    } else {
        list(
            q,
            opt.name.get(l).to_string(),
            choices.into_iter().map(|(id, ti)| (id, ti, None)).collect(),
        )
    }
}

pub(super) fn added(c: &Ctx<'_>, sku: &str, qty: u32) -> OutgoingMessage {
    cart_buttons(
        c,
        format!(
            "{}\n\n{}",
            tr(
                c.register(),
                &format!("Ajouté : {qty} × {} ✅", item_name(c, sku)),
                &format!("تزاد: {qty} × {} ✅", item_name(c, sku)),
                &format!("تمت الإضافة: {qty} × {} ✅", item_name(c, sku)),
                &format!("Zedt : {qty} × {} ✅", item_name(c, sku))
            ),
            cart_text(c)
        ),
    )
}

/// The cart under `head`, with the checkout / add / clear buttons.
pub(super) fn cart(c: &Ctx<'_>, head: String) -> OutgoingMessage {
    cart_buttons(c, format!("{head}\n{}", cart_text(c)))
}

pub(super) fn removed(c: &Ctx<'_>, sku: &str) -> OutgoingMessage {
    let l = c.lang;
    let head = tr(
        c.register(),
        &format!("{} retiré du panier.", item_name(c, sku)),
        &format!("{} تنحى من السلة.", item_name(c, sku)),
        &format!("تمت إزالة {} من السلة.", item_name(c, sku)),
        &format!("{} tna7a mel panier.", item_name(c, sku)),
    );
    if c.conv.cart.is_empty() {
        buttons(head, &[("act:menu", t(l, "Voir le menu", "القائمة"))])
    } else {
        cart_buttons(c, format!("{head}\n\n{}", cart_text(c)))
    }
}

pub(super) fn quantity_set(c: &Ctx<'_>, sku: &str, qty: u32) -> OutgoingMessage {
    cart_buttons(
        c,
        format!(
            "{}\n\n{}",
            tr(
                c.register(),
                &format!("Quantité de {} : {qty}.", item_name(c, sku)),
                &format!("الكمية تاع {}: {qty}.", item_name(c, sku)),
                &format!("كمية {}: {qty}.", item_name(c, sku)),
                &format!("La quantité ta3 {} : {qty}.", item_name(c, sku))
            ),
            cart_text(c)
        ),
    )
}

pub(super) fn unavailable(c: &Ctx<'_>, sku: &str, alternatives: &[String]) -> OutgoingMessage {
    let l = c.lang;
    let m = c.menu;
    let head = t(
        l,
        &format!(
            "Désolé, {} n'est pas disponible pour le moment.",
            item_name(c, sku)
        ),
        &format!("سمحلنا، {} غير متوفر حاليا.", item_name(c, sku)),
    );
    if alternatives.is_empty() {
        text(head)
    } else {
        let rows = alternatives
            .iter()
            .filter_map(|s| m.item(s))
            .map(|it| {
                (
                    format!("item:{}", it.sku),
                    it.name.get(l).to_string(),
                    Some(da(it.price)),
                )
            })
            .collect();
        list(
            format!("{head} {}", t(l, "Nous vous proposons :", "نقترحو عليك:")),
            t(l, "Voir", "شوف"),
            rows,
        )
    }
}

pub(super) fn item_price(c: &Ctx<'_>, sku: &str) -> OutgoingMessage {
    let l = c.lang;
    let m = c.menu;
    let Some(it) = m.item(sku) else {
        return text(String::new());
    };
    let opts: Vec<String> = it
        .options
        .iter()
        .flat_map(|o| o.choices.iter())
        .filter(|ch| ch.price_delta != 0)
        .map(|ch| format!("{} {}", ch.name.get(l), da(it.price + ch.price_delta)))
        .collect();
    let extra = if opts.is_empty() {
        String::new()
    } else {
        format!(" ({})", opts.join(", "))
    };
    text(format!("{} : {}{extra}", it.name.get(l), da(it.price)))
}

/// "I did not find « coca » — did you mean …?", with the closest items as buttons.
pub(super) fn not_found(c: &Ctx<'_>, spans: &[String], suggestions: &[String]) -> OutgoingMessage {
    let l = c.lang;
    let r = c.register();
    let quoted = spans
        .iter()
        .map(|s| format!("« {s} »"))
        .collect::<Vec<_>>()
        .join(", ");
    if suggestions.is_empty() {
        let head = tr(
            r,
            &format!("Je n'ai pas trouvé {quoted} dans le menu."),
            &format!("ما لقيتش {quoted} في المنيو."),
            &format!("لم أجد {quoted} في القائمة."),
            &format!("Ma l9itch {quoted} f le menu."),
        );
        return buttons(head, &[("act:menu", t(l, "Voir le menu", "القائمة"))]);
    }
    let head = tr(
        r,
        &format!("Je n'ai pas trouvé {quoted} — vouliez-vous dire… ?"),
        &format!("ما لقيتش {quoted} — تقصد…؟"),
        &format!("لم أجد {quoted} — هل تقصد…؟"),
        &format!("Ma l9itch {quoted} — t9essed… ?"),
    );
    let b: Vec<(String, String)> = suggestions
        .iter()
        .take(3)
        .map(|sku| {
            let name: String = item_name(c, sku).chars().take(20).collect();
            (format!("item:{sku}"), name)
        })
        .collect();
    let b: Vec<(&str, String)> = b.iter().map(|(id, ti)| (id.as_str(), ti.clone())).collect();
    buttons(head, &b)
}
