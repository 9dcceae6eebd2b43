//! A message read in its conversation: the cart operations it asks for. Corrections are
//! applied, not added ("non pardon, 3" sets the last item to 3), replacements swap a line,
//! removals remove, and a bare quantity after a price question orders the item priced.

use super::Understanding;
use crate::domain::lexicon::Intent;
use crate::domain::menu::Menu;
use crate::domain::words::Size;
use crate::engine::CartLine;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CartOp {
    Add {
        sku: String,
        qty: Option<u32>,
        choices: Vec<(usize, String)>,
    },
    /// The line of `sku` gets this quantity (and these choices when given).
    Set {
        sku: String,
        qty: Option<u32>,
        choices: Vec<(usize, String)>,
        size: Option<Size>,
    },
    Remove {
        sku: String,
        qty: Option<u32>,
    },
    /// The lines of `from` become `sku` (same quantity unless one is given).
    Replace {
        from: String,
        sku: String,
        qty: Option<u32>,
        choices: Vec<(usize, String)>,
    },
}

impl CartOp {
    /// Whether this changes what is already in the cart rather than adding to it.
    pub fn corrects(&self) -> bool {
        !matches!(self, CartOp::Add { .. })
    }
}

/// What the conversation knows that a message may refer to.
pub struct Context<'a> {
    pub menu: &'a Menu,
    pub cart: &'a [CartLine],
    /// The item last added, priced or changed.
    pub focus: Option<&'a str>,
    /// The last reply was that item's price.
    pub priced: bool,
}

impl Context<'_> {
    fn in_cart(&self, sku: &str) -> bool {
        self.cart.iter().any(|l| l.sku == sku)
    }
    /// The line a correction without a name is about: the focus if it is in the cart, else
    /// the only line.
    fn target(&self) -> Option<String> {
        if let Some(f) = self.focus.filter(|f| self.in_cart(f)) {
            return Some(f.to_string());
        }
        let mut skus: Vec<&str> = self.cart.iter().map(|l| l.sku.as_str()).collect();
        skus.dedup();
        match skus.as_slice() {
            [one] => Some(one.to_string()),
            _ => None,
        }
    }
}

pub fn cart_ops(u: &Understanding, ctx: &Context<'_>) -> Vec<CartOp> {
    let correcting = u.correction || u.has(Intent::ModifyOrder);
    if !u.items.is_empty() {
        return with_items(u, ctx, correcting);
    }
    let mut last_number = u.free_numbers.last().copied();
    if correcting && !ctx.cart.is_empty() {
        if let Some(sku) = ctx.target() {
            // "non, 1 seule pizza": the category of the line corrected stands for it.
            let cat = ctx.menu.category_of(&sku).map(|c| c.id.as_str());
            if let [(c, Some(q))] = u.categories.as_slice() {
                if Some(c.as_str()) == cat && last_number.is_none() {
                    last_number = Some(*q);
                }
            }
            if last_number.is_some() || u.free_size.is_some() {
                return vec![CartOp::Set {
                    sku,
                    qty: last_number,
                    choices: Vec::new(),
                    size: u.free_size,
                }];
            }
        }
    }
    if u.has(Intent::RemoveItem) && !correcting {
        if let Some(sku) = ctx.target() {
            // "نحيها", "enlève-la": the item just discussed.
            let cat = ctx.menu.category_of(&sku).map(|c| c.id.as_str());
            let same = u.categories.iter().all(|(c, _)| Some(c.as_str()) == cat);
            if same && u.unknown_items.is_empty() {
                return vec![CartOp::Remove {
                    sku,
                    qty: last_number,
                }];
            }
        }
    }
    // Right after a price, a quantity or a size alone orders the item priced ("d'accord une
    // grande alors", "حسنا، أريد اثنين").
    let answers_price = ctx.priced && (last_number.is_some() || u.free_size.is_some());
    let ordering = u.more || u.has(Intent::OrderAdd) || u.number_alone.is_some() || answers_price;
    if let (Some(sku), true) = (ctx.focus, ctx.priced || (u.more && last_number.is_some())) {
        if ordering && !correcting && u.categories.is_empty() && u.unknown_items.is_empty() {
            let choices = u
                .free_size
                .and_then(|size| size_choice(ctx.menu, sku, size))
                .into_iter()
                .collect();
            return vec![CartOp::Add {
                sku: sku.to_string(),
                qty: last_number,
                choices,
            }];
        }
    }
    Vec::new()
}

/// The choice of `sku`'s size option a size word names.
fn size_choice(menu: &Menu, sku: &str, size: Size) -> Option<(usize, String)> {
    let item = menu.item(sku)?;
    item.options
        .iter()
        .enumerate()
        .find_map(|(pos, o)| Some((pos, super::choice_for_size(o, size)?)))
}

fn with_items(u: &Understanding, ctx: &Context<'_>, correcting: bool) -> Vec<CartOp> {
    let items = &u.items;
    if u.has(Intent::RemoveItem) && items.iter().any(|m| ctx.in_cart(&m.sku)) {
        return items
            .iter()
            .map(|m| CartOp::Remove {
                sku: m.sku.clone(),
                qty: m.qty,
            })
            .collect();
    }
    let (old, new): (Vec<_>, Vec<_>) = items.iter().partition(|m| ctx.in_cart(&m.sku));
    let swapping = u.replace || correcting;
    if swapping && !old.is_empty() && !new.is_empty() && !u.more {
        let from = old[0];
        let mut ops = vec![CartOp::Replace {
            from: from.sku.clone(),
            sku: new[0].sku.clone(),
            qty: new[0].qty.or(from.qty),
            choices: new[0].choices.clone(),
        }];
        ops.extend(new[1..].iter().map(|m| CartOp::Add {
            sku: m.sku.clone(),
            qty: m.qty,
            choices: m.choices.clone(),
        }));
        return ops;
    }
    // "non, une margherita" right after "une 4 fromages": the item is swapped.
    if old.is_empty() && new.len() == 1 && !u.more {
        if let Some(from) = ctx.target().filter(|f| *f != new[0].sku) {
            let first = u.tokens.first().map(crate::domain::words::is_correction);
            if u.replace || (correcting && first == Some(true)) {
                return vec![CartOp::Replace {
                    from,
                    sku: new[0].sku.clone(),
                    qty: new[0].qty,
                    choices: new[0].choices.clone(),
                }];
            }
        }
    }
    let last_number = u.free_numbers.last().copied();
    items
        .iter()
        .map(|m| {
            if correcting && ctx.in_cart(&m.sku) && !u.more {
                CartOp::Set {
                    sku: m.sku.clone(),
                    qty: m.qty.or(if items.len() == 1 { last_number } else { None }),
                    choices: m.choices.clone(),
                    size: None,
                }
            } else {
                CartOp::Add {
                    sku: m.sku.clone(),
                    qty: m.qty,
                    choices: m.choices.clone(),
                }
            }
        })
        .collect()
}
