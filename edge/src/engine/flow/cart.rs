//! Browsing the menu and filling the cart: categories, adding items (asking for their options
//! one at a time), removing, changing quantities, orders sent from the WhatsApp catalog.

use super::{Run, Wanted, MAX_QTY};
use crate::domain::menu::Item;
use crate::domain::words::Size;
use crate::engine::say::{Say, PAGE};
use crate::engine::understand::choice_for_size;
use crate::engine::understand::reading::CartOp;
use crate::engine::{CartLine, Pending, Stage};
use resto_sync::OrderItem;

impl Run<'_, '_> {
    pub(super) fn show_menu(&mut self) {
        self.conv.stage = Stage::Browsing;
        if !self.open() {
            self.closed();
        }
        self.say(Say::Categories);
    }

    pub(super) fn show_category(&mut self, id: &str, page: usize, qty: Option<u32>) {
        let Some(cat) = self.w.menu.category(id) else {
            return self.show_menu();
        };
        let page = if page * PAGE < cat.items.len() {
            page
        } else {
            0
        };
        self.conv.stage = Stage::Browsing;
        // "2 pizzas": remember the quantity for the item picked next.
        self.conv.pending = qty
            .map(|q| Pending {
                sku: None,
                category: Some(id.to_string()),
                qty: q.clamp(1, MAX_QTY),
                choices: Vec::new(),
            })
            .into_iter()
            .collect();
        self.say(Say::CategoryItems {
            category: id.to_string(),
            page,
        });
    }

    /// Adds items, asking for any required option that is missing (one question at a time).
    pub(super) fn add(&mut self, wanted: Vec<Wanted>) {
        if !self.open() {
            return self.closed();
        }
        let mut added = Vec::new();
        // "2 pizzas" then "margherita": the quantity waits with the category.
        let waiting: Vec<(String, u32)> = self
            .conv
            .pending
            .iter()
            .filter_map(|p| Some((p.category.clone()?, p.qty)))
            .collect();
        for (sku, qty, choices) in wanted {
            let Some(item) = self.w.menu.item(&sku) else {
                continue;
            };
            let cat = self
                .w
                .menu
                .category_of(&sku)
                .map(|c| c.id.clone())
                .unwrap_or_default();
            let qty = qty.or_else(|| waiting.iter().find(|(c, _)| *c == cat).map(|(_, q)| *q));
            if !item.available {
                let cat = self.w.menu.category_of(&sku);
                let alternatives = cat
                    .map(|c| {
                        c.items
                            .iter()
                            .filter(|i| i.available && i.sku != sku)
                            .take(3)
                            .map(|i| i.sku.clone())
                            .collect()
                    })
                    .unwrap_or_default();
                self.say(Say::Unavailable { sku, alternatives });
                continue;
            }
            let qty = qty.unwrap_or(1).clamp(1, MAX_QTY);
            let p = Pending {
                sku: Some(sku.clone()),
                category: None,
                qty,
                choices,
            };
            if next_missing(item, &p.choices).is_some() {
                self.conv.pending.retain(|x| x.sku.is_some());
                self.conv.pending.push(p);
            } else {
                self.put_in_cart(&p);
                added.push((sku.clone(), qty));
            }
            self.conv.focus = Some(sku);
        }
        if self.conv.pending.iter().any(|p| p.sku.is_some()) {
            self.conv.pending.retain(|p| p.sku.is_some());
            return self.ask_pending();
        }
        self.conv.pending.clear();
        match added.as_slice() {
            [] => {
                if self.says.is_empty() {
                    self.show_menu();
                }
            }
            [(sku, qty)] => {
                self.conv.stage = Stage::CartReview;
                self.say(Say::Added {
                    sku: sku.clone(),
                    qty: *qty,
                });
            }
            _ => self.review(),
        }
    }

    fn put_in_cart(&mut self, p: &Pending) {
        let Some(sku) = &p.sku else { return };
        let Some(item) = self.w.menu.item(sku) else {
            return;
        };
        let choices: Vec<String> = (0..item.options.len())
            .map(|i| {
                p.choices
                    .iter()
                    .find(|(pos, _)| *pos == i)
                    .map(|(_, c)| c.clone())
                    .unwrap_or_default()
            })
            .collect();
        if let Some(line) = self
            .conv
            .cart
            .iter_mut()
            .find(|l| &l.sku == sku && l.choices == choices)
        {
            line.qty = (line.qty + p.qty).min(MAX_QTY);
        } else {
            self.conv.cart.push(CartLine {
                sku: sku.clone(),
                qty: p.qty,
                choices,
            });
        }
    }

    pub(super) fn ask_pending(&mut self) {
        let Some(p) = self.conv.pending.first() else {
            return self.review();
        };
        let Some(item) = p.sku.as_deref().and_then(|s| self.w.menu.item(s)) else {
            self.conv.pending.remove(0);
            return self.ask_pending();
        };
        match next_missing(item, &p.choices) {
            Some(option) => {
                self.conv.stage = Stage::ChoosingOption;
                let sku = item.sku.clone();
                self.say(Say::AskOption { sku, option });
            }
            None => {
                let p = self.conv.pending.remove(0);
                self.put_in_cart(&p);
                if self.conv.pending.is_empty() {
                    self.conv.stage = Stage::CartReview;
                    self.say(Say::Added {
                        sku: p.sku.unwrap_or_default(),
                        qty: p.qty,
                    });
                } else {
                    self.ask_pending();
                }
            }
        }
    }

    pub(super) fn choose_option(&mut self, id: Option<String>) {
        let Some(p) = self.conv.pending.first_mut() else {
            return self.reprompt();
        };
        let Some(item) = p.sku.as_deref().and_then(|s| self.w.menu.item(s)) else {
            return self.reprompt();
        };
        let Some(i) = next_missing(item, &p.choices) else {
            return self.ask_pending();
        };
        match id.filter(|id| item.options[i].choices.iter().any(|c| &c.id == id)) {
            Some(id) => {
                p.choices.push((i, id));
                self.ask_pending();
            }
            None => self.ask_pending(),
        }
    }

    pub(super) fn review(&mut self) {
        if self.conv.cart.is_empty() {
            self.conv.stage = Stage::Idle;
            return self.say(Say::CartEmpty);
        }
        self.conv.stage = Stage::CartReview;
        self.say(Say::Cart);
    }

    /// Applies the operations a message asked for: additions (asking missing options), then
    /// quantity changes, removals and swaps, each told; a change after the summary shows the
    /// summary again.
    pub(super) fn apply(&mut self, ops: Vec<CartOp>) {
        let was = self.conv.stage;
        let mut wanted = Vec::new();
        let mut changed = false;
        for op in ops {
            match op {
                CartOp::Add { sku, qty, choices } => wanted.push((sku, qty, choices)),
                CartOp::Set {
                    sku,
                    qty,
                    choices,
                    size,
                } => {
                    changed |= self.set_line(&sku, qty, choices, size);
                }
                CartOp::Remove { sku, qty } => {
                    self.remove_item(&sku, qty);
                    changed = true;
                }
                CartOp::Replace {
                    from,
                    sku,
                    qty,
                    choices,
                } => {
                    let old: u32 = self
                        .conv
                        .cart
                        .iter()
                        .filter(|l| l.sku == from)
                        .map(|l| l.qty)
                        .sum();
                    self.conv.cart.retain(|l| l.sku != from);
                    self.say(Say::Removed { sku: from });
                    wanted.push((sku, qty.or(Some(old.max(1))), choices));
                }
            }
        }
        if !wanted.is_empty() {
            return self.add(wanted);
        }
        if !changed {
            return self.review();
        }
        if self.conv.cart.is_empty() {
            self.conv.stage = Stage::Idle;
            return;
        }
        self.conv.stage = Stage::CartReview;
        // Past the pickup/delivery question: straight back to the summary (cart shown).
        if matches!(was, Stage::Payment | Stage::Confirming) && self.conv.fulfilment.is_some() {
            match self.conv.payment {
                Some(p) => self.pay(p),
                None => self.ask_payment(),
            }
        }
    }

    /// Sets a line's quantity and/or size; false when the item is not in the cart.
    fn set_line(
        &mut self,
        sku: &str,
        qty: Option<u32>,
        choices: Vec<(usize, String)>,
        size: Option<Size>,
    ) -> bool {
        let Some(item) = self.w.menu.item(sku) else {
            return false;
        };
        let mut choices = choices;
        if let Some(size) = size {
            for (pos, opt) in item.options.iter().enumerate() {
                if let Some(id) = choice_for_size(opt, size) {
                    choices.push((pos, id));
                }
            }
        }
        let Some(i) = self.conv.cart.iter().rposition(|l| l.sku == sku) else {
            self.say(Say::NotInCart {
                sku: sku.to_string(),
            });
            return false;
        };
        // Several lines of the item (two sizes): the quantity is for all of it, kept on one.
        if qty.is_some() {
            let keep = self.conv.cart.remove(i);
            self.conv.cart.retain(|l| l.sku != sku);
            self.conv.cart.push(keep);
        }
        let line = self.conv.cart.iter_mut().rfind(|l| l.sku == sku);
        let Some(line) = line else { return false };
        for (pos, id) in choices {
            if let Some(c) = line.choices.get_mut(pos) {
                *c = id;
            }
        }
        if let Some(q) = qty {
            line.qty = q.clamp(1, MAX_QTY);
        }
        let q = line.qty;
        self.conv.focus = Some(sku.to_string());
        self.say(Say::QuantitySet {
            sku: sku.to_string(),
            qty: q,
        });
        true
    }

    fn remove_item(&mut self, sku: &str, qty: Option<u32>) {
        let m = crate::engine::understand::ItemMention {
            sku: sku.to_string(),
            qty,
            choices: Vec::new(),
            start: 0,
        };
        {
            let before = self
                .conv
                .cart
                .iter()
                .filter(|l| l.sku == m.sku)
                .map(|l| l.qty)
                .sum::<u32>();
            if before == 0 {
                self.say(Say::NotInCart { sku: m.sku.clone() });
                return;
            }
            match m.qty {
                Some(q) if q < before => {
                    let mut left = q;
                    for l in self.conv.cart.iter_mut().filter(|l| l.sku == m.sku).rev() {
                        let take = left.min(l.qty);
                        l.qty -= take;
                        left -= take;
                    }
                    self.conv.cart.retain(|l| l.qty > 0);
                    let now = before - q;
                    self.say(Say::QuantitySet {
                        sku: m.sku.clone(),
                        qty: now,
                    });
                }
                _ => {
                    self.conv.cart.retain(|l| l.sku != m.sku);
                    self.say(Say::Removed { sku: m.sku.clone() });
                }
            }
        }
        self.conv.stage = if self.conv.cart.is_empty() {
            Stage::Idle
        } else {
            Stage::CartReview
        };
    }

    pub(super) fn catalog_order(&mut self, items: &[OrderItem]) {
        let menu = self.w.menu;
        let mut wanted = Vec::new();
        let mut unknown = Vec::new();
        for it in items {
            // Catalog ids are our SKU, optionally suffixed with a choice id (PZ-MARG-L).
            let found = menu
                .item(&it.product_retailer_id)
                .map(|i| (i, None))
                .or_else(|| {
                    let (sku, choice) = it.product_retailer_id.rsplit_once('-')?;
                    let item = menu.item(sku)?;
                    let pos = item
                        .options
                        .iter()
                        .position(|o| o.choices.iter().any(|c| c.id == choice))?;
                    Some((item, Some((pos, choice.to_string()))))
                });
            match found {
                Some((item, choice)) => wanted.push((
                    item.sku.clone(),
                    Some(it.quantity.max(1)),
                    choice.into_iter().collect(),
                )),
                None => unknown.push(it.product_retailer_id.clone()),
            }
        }
        if !unknown.is_empty() {
            self.say(Say::UnknownProducts { ids: unknown });
        }
        if wanted.is_empty() {
            return self.show_menu();
        }
        self.add(wanted);
    }
}

/// The first required option of `item` without a choice yet.
pub(super) fn next_missing(item: &Item, choices: &[(usize, String)]) -> Option<usize> {
    item.options
        .iter()
        .enumerate()
        .position(|(i, o)| o.required && !choices.iter().any(|(p, _)| *p == i))
}
