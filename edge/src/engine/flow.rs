//! The conversation's decisions. Order of precedence for a message: explicit language switch
//! → non-text kinds → tapped buttons / numbered answers → what the current stage is waiting
//! for → requests valid anywhere (human, order status, cancel) → items and categories →
//! general questions → "not understood" (FAQ, then a retry, then menu or a human).

use super::hours::{is_open, next_opening};
use super::say::{self, Say, PAGE};
use super::understand::{find_choice, understand, Understanding};
use super::*;
use crate::lexicon::{language_switch, Detected, Intent};
use crate::menu::PaymentMethod;
use crate::places::{zone_for, Place};
use crate::text::{self, Token};
use crate::trust::policy::CheckoutRule;

/// An item asked for: sku, quantity if given, option choices (option index, choice id).
type Wanted = (String, Option<u32>, Vec<(usize, String)>);

/// Largest quantity of one line taken from a chat; more is a typo or a prank.
const MAX_QTY: u32 = 50;

struct Run<'w, 'a> {
    w: &'w World<'a>,
    customer: &'w Customer,
    conv: Conversation,
    lang: Lang,
    lang_explicit: bool,
    lang_known: bool,
    /// The message as typed, for an address line.
    raw: String,
    /// Messages not understood before this one (the state's counter restarts at 0).
    missed: u8,
    says: Vec<Say>,
    effects: Vec<Effect>,
}

#[derive(Debug, Clone, PartialEq)]
enum Action {
    Menu,
    Category(String, usize),
    Item(String),
    Opt(String),
    Checkout,
    Clear,
    Pickup,
    Delivery,
    Place(usize),
    Pay(PaymentMethod),
    Yes,
    No,
    Human,
    Status,
}

fn parse_action(id: &str) -> Option<Action> {
    let (head, rest) = id.split_once(':').unwrap_or((id, ""));
    Some(match (head, rest) {
        ("act", "menu") => Action::Menu,
        ("act", "checkout") => Action::Checkout,
        ("act", "clear") => Action::Clear,
        ("act", "human") => Action::Human,
        ("act", "status") => Action::Status,
        ("cat", r) => {
            let (cat, page) = r.split_once(':').unwrap_or((r, "0"));
            Action::Category(cat.to_string(), page.parse().unwrap_or(0))
        }
        ("item", sku) => Action::Item(sku.to_string()),
        ("opt", c) => Action::Opt(c.to_string()),
        ("ful", "pickup") => Action::Pickup,
        ("ful", "delivery") => Action::Delivery,
        ("place", i) => Action::Place(i.parse().ok()?),
        ("pay", p) => Action::Pay(PaymentMethod::parse(p)?),
        ("yes", "") => Action::Yes,
        ("no", "") => Action::No,
        _ => return None,
    })
}

pub(crate) fn words_in(toks: &[Token], list: &[&str]) -> bool {
    let folded: Vec<String> = list
        .iter()
        .map(|w| text::fold(&text::normalize(w)))
        .collect();
    toks.iter().any(|t| {
        folded.iter().any(|w| {
            *w == t.fold || (w.chars().count() >= 5 && text::word_match(&t.fold, w).is_some())
        })
    })
}

const PICKUP_WORDS: &[&str] = &[
    "emporter",
    "emporte",
    "recuperer",
    "pickup",
    "nji",
    "ndiha",
    "nddiha",
    "nديها",
    "نجي",
    "نديها",
    "ندّيها",
    "sur place",
    "je passe",
    "comptoir",
];
/// With a full cart, these mean "that's all, take my order".
const CHECKOUT_WORDS: &[&str] = &[
    "commander",
    "commande",
    "valider",
    "tout",
    "safi",
    "barka",
    "berk",
    "brk",
    "kamel",
    "kammel",
    "kemel",
    "ncommandi",
    "nkomandi",
    "كمل",
    "برك",
    "صافي",
    "نكوموندي",
    "خلاص",
];
const DELIVERY_WORDS: &[&str] = &[
    "livraison",
    "livrer",
    "livrez",
    "domicile",
    "lifraison",
    "livrison",
    "twasslou",
    "twaslou",
    "twasslouha",
    "توصيل",
    "التوصيل",
    "توصلو",
    "ldar",
    "للدار",
    "ليفريزون",
];

pub(crate) fn payment_in(toks: &[Token]) -> Option<PaymentMethod> {
    if words_in(toks, &["cib"]) {
        Some(PaymentMethod::Cib)
    } else if words_in(
        toks,
        &[
            "edahabia",
            "dahabia",
            "dahabiya",
            "dahabya",
            "الذهبية",
            "ذهبية",
            "doree",
        ],
    ) {
        Some(PaymentMethod::Edahabia)
    } else if words_in(
        toks,
        &[
            "cash",
            "especes",
            "espece",
            "liquide",
            "cod",
            "كاش",
            "دراهم",
            "drahem",
            "dra7em",
            "استلام",
            "الاستلام",
            "livraison",
        ],
    ) {
        Some(PaymentMethod::Cod)
    } else {
        None
    }
}

pub(super) fn step(
    conv: &Conversation,
    customer: &Customer,
    msg: Incoming<'_>,
    w: &World<'_>,
) -> Step {
    let mut conv = conv.clone();
    // The menu may have changed since the last message: keep only lines it can still price.
    conv.cart
        .retain(|l| unit_price(w.menu, l).is_some() && l.qty > 0);
    let mut run = Run {
        w,
        customer,
        lang: customer.lang.unwrap_or(w.menu.restaurant.default_language),
        lang_explicit: customer.lang_explicit,
        lang_known: customer.lang.is_some(),
        conv,
        raw: String::new(),
        missed: 0,
        says: Vec::new(),
        effects: Vec::new(),
    };
    run.missed = std::mem::take(&mut run.conv.misunderstood);
    run.handle(msg);
    run.finish()
}

impl Run<'_, '_> {
    fn say(&mut self, s: Say) {
        self.says.push(s);
    }

    fn finish(mut self) -> Step {
        // The last reply with choices defines what a bare number answers.
        let ctx = say::Ctx {
            menu: self.w.menu,
            conv: &self.conv,
            lang: self.lang,
        };
        if let Some(last) = self
            .says
            .iter()
            .rev()
            .map(|s| say::offered_ids(&say::render(s, &ctx)))
            .find(|ids| !ids.is_empty())
        {
            self.conv.offered = last;
        } else if !self.says.is_empty() {
            self.conv.offered.clear();
        }
        Step {
            conv: self.conv,
            lang: self.lang,
            remember_lang: self.lang_known.then_some(self.lang),
            lang_explicit: self.lang_explicit,
            says: self.says,
            effects: self.effects,
        }
    }

    fn handle(&mut self, msg: Incoming<'_>) {
        let text = msg.text.unwrap_or("").trim();
        self.raw = text.chars().take(200).collect();
        let toks = text::tokens(text);
        if let Some(l) = language_switch(&toks) {
            self.lang = l;
            self.lang_explicit = true;
            self.lang_known = true;
            self.say(Say::LanguageSet);
            self.reprompt();
            return;
        }
        if self.customer.lang.is_none() {
            if let Some(d) = self.w.lexicon.detect(text, &toks) {
                // Darija in Latin letters is answered in French unless Arabic was chosen.
                self.lang = if d == Detected::Arabic {
                    Lang::Ar
                } else {
                    Lang::Fr
                };
                self.lang_known = true;
            }
        }
        match msg.kind {
            MessageKind::Reaction => return,
            MessageKind::Audio
            | MessageKind::Image
            | MessageKind::Video
            | MessageKind::Document
            | MessageKind::Sticker
            | MessageKind::Unsupported => {
                self.effects.push(Effect::KeepForStaff);
                self.say(Say::NonText {
                    kind: msg.kind.as_str().to_string(),
                });
                return;
            }
            MessageKind::Location => return self.location(msg.location),
            MessageKind::Order => return self.catalog_order(msg.order_items),
            _ => {}
        }
        if let Some(a) = msg.payload.and_then(parse_action) {
            return self.action(a);
        }
        if text.is_empty() {
            return self.not_understood(&Understanding::default());
        }
        let u = understand(text, self.w.menu, self.w.catalog, self.w.lexicon);
        if let Some(n) = u.number_alone {
            if let Some(a) = self
                .conv
                .offered
                .get((n as usize).wrapping_sub(1))
                .and_then(|id| parse_action(id))
            {
                return self.action(a);
            }
        }
        self.text(u);
    }

    fn open(&self) -> bool {
        is_open(&self.w.menu.restaurant, self.w.now)
    }

    fn closed(&mut self) {
        let next = next_opening(&self.w.menu.restaurant, self.w.now);
        self.say(Say::Closed { next });
    }

    fn reprompt(&mut self) {
        let s = match self.conv.stage {
            Stage::Idle => return self.welcome(),
            Stage::Browsing => Say::Categories,
            Stage::ChoosingOption => return self.ask_pending(),
            Stage::CartReview => Say::Cart,
            Stage::Fulfilment => Say::AskFulfilment,
            Stage::DeliveryPlace => Say::AskPlace,
            Stage::DeliveryAddress => Say::AskAddress,
            Stage::Payment if self.prepay() => Say::PrepayRequired,
            Stage::Payment => Say::AskPayment,
            Stage::Confirming => Say::Summary,
        };
        self.say(s);
    }

    fn welcome(&mut self) {
        let open = self.open();
        let next = if open {
            None
        } else {
            next_opening(&self.w.menu.restaurant, self.w.now)
        };
        self.say(Say::Welcome { open, next });
    }

    fn action(&mut self, a: Action) {
        match a {
            Action::Menu => self.show_menu(),
            Action::Category(id, page) => self.show_category(&id, page, None),
            Action::Item(sku) => self.add(vec![(sku, None, Vec::new())]),
            Action::Opt(id) => self.choose_option(Some(id)),
            Action::Checkout => self.checkout(),
            Action::Clear => {
                self.conv = Conversation::default();
                self.say(Say::CartCleared);
            }
            Action::Pickup => self.pickup(),
            Action::Delivery => self.delivery(None),
            Action::Place(i) if i < self.w.places.communes.len() => {
                self.delivery(Some(PlaceFound::One(Place::Commune(i))))
            }
            Action::Place(_) => self.reprompt(),
            Action::Pay(p) => self.pay(p),
            Action::Yes => self.confirm(),
            Action::No => self.not_sent(),
            Action::Human => self.human(),
            Action::Status => self.status(),
        }
    }

    fn text(&mut self, u: Understanding) {
        let toks = &u.tokens;
        let stage = self.conv.stage;
        // 1. What the current stage is waiting for.
        match stage {
            Stage::Confirming if u.has(Intent::Confirm) && !u.has(Intent::Decline) => {
                return self.confirm()
            }
            Stage::Confirming
                if u.has(Intent::Decline)
                    || u.has(Intent::Cancel)
                    || u.has(Intent::ModifyOrder) =>
            {
                return self.not_sent()
            }
            Stage::Payment => {
                if let Some(p) = payment_in(toks) {
                    return self.pay(p);
                }
            }
            Stage::Fulfilment | Stage::CartReview if u.items.is_empty() => {
                if stage == Stage::CartReview
                    && words_in(toks, CHECKOUT_WORDS)
                    && !u.has(Intent::Cancel)
                    && !u.has(Intent::OrderStatus)
                {
                    return self.checkout();
                }
                if words_in(toks, PICKUP_WORDS) {
                    return self.pickup();
                }
                if words_in(toks, DELIVERY_WORDS)
                    && (stage == Stage::Fulfilment
                        || !u.has(Intent::DeliveryQuestion)
                        || u.has(Intent::OrderAdd))
                {
                    let place = self.place_in(toks);
                    return self.delivery(place);
                }
            }
            Stage::DeliveryPlace if u.items.is_empty() && words_in(toks, PICKUP_WORDS) => {
                return self.pickup();
            }
            Stage::DeliveryPlace if u.items.is_empty() => match self.place_in(toks) {
                Some(PlaceFound::One(p)) => return self.set_place(p),
                Some(PlaceFound::Several(list)) => return self.choose_place(list),
                None => {}
            },
            Stage::DeliveryAddress
                if u.items.is_empty()
                    && !u.has(Intent::Cancel)
                    && !u.has(Intent::HumanHandoff)
                    && !u.has(Intent::OrderStatus)
                    && self.raw.chars().filter(|c| c.is_alphanumeric()).count() >= 3 =>
            {
                return self.set_address(self.raw.clone());
            }
            Stage::ChoosingOption if u.items.is_empty() => {
                if let Some(p) = self.conv.pending.first() {
                    if let Some(item) = p.sku.as_deref().and_then(|s| self.w.menu.item(s)) {
                        if let Some(opt) = next_missing(item, &p.choices).map(|i| &item.options[i])
                        {
                            if let Some(id) = find_choice(toks, opt) {
                                return self.choose_option(Some(id));
                            }
                        }
                    }
                }
            }
            _ => {}
        }
        // 2. Requests that work anywhere.
        if u.has(Intent::HumanHandoff) {
            return self.human();
        }
        if u.has(Intent::Complaint) && u.items.is_empty() {
            self.effects.push(Effect::RequestHuman);
            return self.say(Say::Sorry);
        }
        if u.has(Intent::Cancel)
            && !u.has(Intent::RemoveItem)
            && (u.items.is_empty() || self.conv.cart.is_empty())
        {
            return self.cancel();
        }
        if u.has(Intent::OrderStatus) && u.items.is_empty() {
            return self.status();
        }
        // 3. Items and categories.
        if !u.items.is_empty() {
            if u.has(Intent::RemoveItem) {
                return self.remove(&u);
            }
            if u.has(Intent::PriceQuestion) && !u.has(Intent::OrderAdd) {
                for m in &u.items {
                    self.say(Say::ItemPrice { sku: m.sku.clone() });
                }
                return;
            }
            if u.has(Intent::ModifyOrder) {
                return self.set_quantities(&u);
            }
            let wanted = u
                .items
                .iter()
                .map(|m| (m.sku.clone(), m.qty, m.choices.clone()))
                .collect();
            return self.add(wanted);
        }
        if let Some((cat, qty)) = u.categories.first().cloned() {
            if !(u.has(Intent::DeliveryQuestion)
                || u.has(Intent::OpeningHours)
                || u.has(Intent::PaymentQuestion))
                || u.has(Intent::OrderAdd)
            {
                return self.show_category(&cat, 0, qty);
            }
        }
        // 4. Everything else.
        if u.has(Intent::ShowMenu) && !(stage == Stage::Payment && u.has(Intent::PaymentQuestion)) {
            return self.show_menu();
        }
        if u.has(Intent::OrderAdd) {
            return if stage == Stage::CartReview && u.has(Intent::Confirm) {
                self.checkout()
            } else {
                self.show_menu()
            };
        }
        if u.has(Intent::RemoveItem) || u.has(Intent::ModifyOrder) {
            return if self.conv.cart.is_empty() {
                self.say(Say::CartEmpty)
            } else {
                self.review()
            };
        }
        // The owner's own answer beats the generic hours/delivery/payment replies.
        if let (FaqLookup::Found(i), Stage::Idle | Stage::Browsing) = (self.customer.faq, stage) {
            return self.say(Say::Faq { index: i });
        }
        if u.has(Intent::OpeningHours) {
            return self.say(Say::OpeningHours);
        }
        if u.has(Intent::DeliveryQuestion) {
            return self.say(Say::DeliveryInfo);
        }
        if u.has(Intent::PaymentQuestion) {
            return self.say(Say::PaymentInfo);
        }
        if u.has(Intent::PriceQuestion) {
            return if self.conv.cart.is_empty() {
                self.show_menu()
            } else {
                self.review()
            };
        }
        if u.has(Intent::Confirm) {
            return match stage {
                Stage::CartReview => self.checkout(),
                Stage::Idle | Stage::Browsing => self.show_menu(),
                _ => self.reprompt(),
            };
        }
        if u.has(Intent::Greeting) {
            self.welcome();
            if self.conv.stage != Stage::Idle {
                self.reprompt();
            }
            return;
        }
        if u.has(Intent::Thanks) {
            return self.say(Say::YoureWelcome);
        }
        if u.has(Intent::Bye) {
            self.conv.stage = if self.conv.cart.is_empty() {
                Stage::Idle
            } else {
                Stage::CartReview
            };
            return self.say(Say::Goodbye);
        }
        if u.has(Intent::Decline) {
            return match stage {
                Stage::Idle | Stage::Browsing => self.say(Say::YoureWelcome),
                _ => self.reprompt(),
            };
        }
        if u.has(Intent::AddressLocation) && matches!(stage, Stage::Idle | Stage::Browsing) {
            return self.say(Say::DeliveryInfo);
        }
        self.not_understood(&u);
    }

    fn not_understood(&mut self, u: &Understanding) {
        let faq = match self.customer.faq {
            FaqLookup::NotSearched => faq_match(self.w.menu, &u.tokens).map(FaqLookup::Found),
            other => Some(other),
        };
        match faq {
            Some(FaqLookup::Found(i)) => return self.say(Say::Faq { index: i }),
            // Better a person than a wrong answer.
            Some(FaqLookup::Unsure) => return self.say(Say::OfferHelp),
            _ => {}
        }
        self.conv.misunderstood = self.missed.saturating_add(1);
        if self.conv.misunderstood >= 2 {
            self.say(Say::OfferHelp);
        } else {
            self.say(Say::NotUnderstood);
            if self.conv.stage != Stage::Idle {
                self.reprompt();
            }
        }
    }

    fn human(&mut self) {
        self.effects.push(Effect::RequestHuman);
        self.say(Say::HumanComing);
    }

    fn status(&mut self) {
        match &self.customer.latest_order {
            Some(o) => self.say(Say::OrderStatus {
                number: o.number.clone(),
                status: o.status,
                eta: o.eta.clone(),
            }),
            None => self.say(Say::NoOrder),
        }
    }

    fn cancel(&mut self) {
        if !self.conv.cart.is_empty() {
            self.conv = Conversation::default();
            return self.say(Say::CartCleared);
        }
        match &self.customer.latest_order {
            Some(o) if o.status.customer_may_cancel() => {
                self.effects.push(Effect::CancelOrder { order_id: o.id });
                self.say(Say::OrderCancelled {
                    number: o.number.clone(),
                });
            }
            Some(o) if !o.status.is_final() => self.say(Say::CannotCancel {
                number: o.number.clone(),
                status: o.status,
            }),
            _ => self.say(Say::NoOrder),
        }
        self.conv.stage = Stage::Idle;
    }

    fn show_menu(&mut self) {
        self.conv.stage = Stage::Browsing;
        if !self.open() {
            self.closed();
        }
        self.say(Say::Categories);
    }

    fn show_category(&mut self, id: &str, page: usize, qty: Option<u32>) {
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
    fn add(&mut self, wanted: Vec<Wanted>) {
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
                added.push((sku, qty));
            }
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

    fn ask_pending(&mut self) {
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

    fn choose_option(&mut self, id: Option<String>) {
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

    fn review(&mut self) {
        if self.conv.cart.is_empty() {
            self.conv.stage = Stage::Idle;
            return self.say(Say::CartEmpty);
        }
        self.conv.stage = Stage::CartReview;
        self.say(Say::Cart);
    }

    fn remove(&mut self, u: &Understanding) {
        for m in &u.items {
            let before = self
                .conv
                .cart
                .iter()
                .filter(|l| l.sku == m.sku)
                .map(|l| l.qty)
                .sum::<u32>();
            if before == 0 {
                self.say(Say::NotInCart { sku: m.sku.clone() });
                continue;
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

    fn set_quantities(&mut self, u: &Understanding) {
        for m in &u.items {
            let Some(q) = m.qty else { continue };
            let q = q.clamp(1, MAX_QTY);
            if let Some(line) = self.conv.cart.iter_mut().find(|l| l.sku == m.sku) {
                line.qty = q;
                self.conv.stage = Stage::CartReview;
                self.say(Say::QuantitySet {
                    sku: m.sku.clone(),
                    qty: q,
                });
            } else {
                return self.add(vec![(m.sku.clone(), Some(q), m.choices.clone())]);
            }
        }
        if self.says.is_empty() {
            self.review();
        }
    }

    fn checkout(&mut self) {
        if self.conv.cart.is_empty() {
            self.conv.stage = Stage::Idle;
            return self.say(Say::CartEmpty);
        }
        if !self.open() {
            return self.closed();
        }
        if !self.w.menu.restaurant.pickup {
            return self.delivery(None);
        }
        self.conv.stage = Stage::Fulfilment;
        self.say(Say::AskFulfilment);
    }

    fn pickup(&mut self) {
        if self.conv.cart.is_empty() {
            return self.review();
        }
        if !self.w.menu.restaurant.pickup {
            self.say(Say::PickupUnavailable);
            return self.delivery(None);
        }
        self.conv.fulfilment = Some(Fulfilment::Pickup);
        self.ask_payment();
    }

    fn place_in(&self, toks: &[Token]) -> Option<PlaceFound> {
        let mut all = self
            .w
            .places
            .find_all(toks, &[&self.w.menu.restaurant.wilaya_code]);
        match all.len() {
            0 => None,
            1 => all.pop().map(PlaceFound::One),
            _ => Some(PlaceFound::Several(all)),
        }
    }

    fn choose_place(&mut self, list: Vec<Place>) {
        let places = self.w.places;
        let ar = self.lang == Lang::Ar;
        let options = list
            .iter()
            .filter_map(|p| match p {
                Place::Commune(i) => {
                    let c = &places.communes[*i];
                    let w = places.wilaya(&c.wilaya_code);
                    let (cn, wn) = if ar {
                        (&c.name_ar, w.map(|w| w.name_ar.as_str()).unwrap_or(""))
                    } else {
                        (&c.name_fr, w.map(|w| w.name_fr.as_str()).unwrap_or(""))
                    };
                    Some((*i, format!("{cn} ({wn})")))
                }
                Place::Wilaya(_) => None,
            })
            .take(10)
            .collect();
        self.conv.stage = Stage::DeliveryPlace;
        self.say(Say::ChoosePlace { options });
    }

    fn delivery(&mut self, place: Option<PlaceFound>) {
        if self.conv.cart.is_empty() {
            return self.review();
        }
        let min = self.w.menu.delivery.min_order;
        let sub = subtotal(self.w.menu, &self.conv.cart);
        if sub < min {
            self.conv.stage = Stage::CartReview;
            return self.say(Say::MinOrder {
                min,
                missing: min - sub,
            });
        }
        self.conv.stage = Stage::DeliveryPlace;
        match place {
            Some(PlaceFound::One(p)) => self.set_place(p),
            Some(PlaceFound::Several(list)) => self.choose_place(list),
            None => self.say(Say::AskPlace),
        }
    }

    fn set_place(&mut self, place: Place) {
        let places = self.w.places;
        let lang = self.lang;
        match place {
            Place::Commune(i) => {
                let c = &places.communes[i];
                let name = if lang == Lang::Ar {
                    c.name_ar.clone()
                } else {
                    c.name_fr.clone()
                };
                match zone_for(self.w.menu, c) {
                    Some(z) => {
                        let eta = z.eta_minutes.clamp(1, 24 * 60) as u32;
                        let pin = self.conv.pin.take();
                        self.conv.fulfilment = Some(Fulfilment::Delivery(DeliveryPlan {
                            wilaya_code: c.wilaya_code.clone(),
                            commune: Some(c.name_fr.clone()),
                            fee: z.fee,
                            eta_minutes: eta,
                            address: pin.as_ref().map(|(lat, lon, label)| {
                                label.clone().unwrap_or_else(|| pin_text(*lat, *lon))
                            }),
                            pin: pin.as_ref().map(|(lat, lon, _)| (*lat, *lon)),
                        }));
                        self.conv.stage = Stage::DeliveryAddress;
                        self.say(Say::DeliveryQuote {
                            place: name,
                            fee: z.fee,
                            eta_minutes: eta,
                        });
                        if pin.is_some() {
                            self.ask_payment();
                        } else {
                            self.say(Say::AskAddress);
                        }
                    }
                    None => {
                        self.conv.stage = Stage::DeliveryPlace;
                        self.say(Say::PlaceNotServed { place: name });
                    }
                }
            }
            Place::Wilaya(i) => {
                let wl = &places.wilayas[i];
                self.conv.stage = Stage::DeliveryPlace;
                if self
                    .w
                    .menu
                    .delivery
                    .zones
                    .iter()
                    .any(|z| z.wilaya_code == wl.code)
                {
                    self.say(Say::AskPlace);
                } else {
                    let name = if lang == Lang::Ar {
                        wl.name_ar.clone()
                    } else {
                        wl.name_fr.clone()
                    };
                    self.say(Say::PlaceNotServed { place: name });
                }
            }
        }
    }

    fn location(&mut self, loc: Option<&Location>) {
        let Some(loc) = loc else {
            return self.not_understood(&Understanding::default());
        };
        if self.conv.cart.is_empty() {
            // A pin before any order: thank them and show what they can order.
            return self.show_menu();
        }
        if !matches!(
            self.conv.stage,
            Stage::DeliveryPlace | Stage::DeliveryAddress
        ) {
            let sub = subtotal(self.w.menu, &self.conv.cart);
            if sub < self.w.menu.delivery.min_order {
                return self.delivery(None);
            }
        }
        let label = loc
            .address
            .clone()
            .or_else(|| loc.name.clone())
            .filter(|a| !a.trim().is_empty());
        // The commune is already known: the pin is the precise address.
        if let Some(Fulfilment::Delivery(d)) = &mut self.conv.fulfilment {
            if d.commune.is_some() && self.conv.stage == Stage::DeliveryAddress {
                d.pin = Some((loc.latitude, loc.longitude));
                d.address = Some(label.unwrap_or_else(|| pin_text(loc.latitude, loc.longitude)));
                return self.ask_payment();
            }
        }
        self.conv.pin = Some((loc.latitude, loc.longitude, label.clone()));
        self.conv.stage = Stage::DeliveryPlace;
        // The data has no coordinates, so the pin cannot name the commune by itself; the
        // address Meta attaches to it sometimes does.
        let named = label.as_deref().and_then(|a| {
            self.w
                .places
                .find(&text::tokens(a), &[&self.w.menu.restaurant.wilaya_code])
        });
        match named {
            Some(p @ Place::Commune(_)) => self.set_place(p),
            _ => self.say(Say::PinNeedsCommune),
        }
    }

    fn set_address(&mut self, address: String) {
        match &mut self.conv.fulfilment {
            Some(Fulfilment::Delivery(d)) => {
                if self.conv.landmark_asked {
                    let before = d.address.take().unwrap_or_default();
                    d.address = Some(format!("{before} — {address}"));
                    self.conv.landmark_asked = false;
                } else if vague_address(&address) {
                    d.address = Some(address);
                    self.conv.landmark_asked = true;
                    return self.say(Say::AskLandmark);
                } else {
                    d.address = Some(address);
                }
                self.ask_payment();
            }
            _ => {
                self.conv.stage = Stage::DeliveryPlace;
                self.say(Say::AskPlace);
            }
        }
    }

    /// Payment methods this customer may use: cash is withdrawn after too many no-shows
    /// when the owner asks for prepayment (and the restaurant takes cards).
    fn methods(&self) -> Vec<PaymentMethod> {
        let all = &self.w.menu.restaurant.payment_methods;
        if self.prepay() {
            all.iter()
                .copied()
                .filter(|p| *p != PaymentMethod::Cod)
                .collect()
        } else {
            all.clone()
        }
    }

    fn prepay(&self) -> bool {
        self.customer.checkout_rule == CheckoutRule::Prepay
            && self
                .w
                .menu
                .restaurant
                .payment_methods
                .iter()
                .any(|p| *p != PaymentMethod::Cod)
    }

    fn ask_for_payment(&mut self) {
        self.conv.stage = Stage::Payment;
        self.say(if self.prepay() {
            Say::PrepayRequired
        } else {
            Say::AskPayment
        });
    }

    fn ask_payment(&mut self) {
        if let [only] = self.methods().as_slice() {
            return self.pay(*only);
        }
        self.ask_for_payment();
    }

    fn pay(&mut self, p: PaymentMethod) {
        if self.conv.cart.is_empty() {
            return self.review();
        }
        if self.conv.fulfilment.is_none() {
            return self.checkout();
        }
        if !self.methods().contains(&p) {
            return self.ask_for_payment();
        }
        self.conv.payment = Some(p);
        self.conv.stage = Stage::Confirming;
        self.say(Say::Summary);
    }

    fn not_sent(&mut self) {
        if self.conv.cart.is_empty() {
            return self.review();
        }
        self.conv.stage = Stage::CartReview;
        self.say(Say::NotSent);
    }

    fn confirm(&mut self) {
        if self.conv.stage != Stage::Confirming {
            return match self.conv.stage {
                Stage::CartReview => self.checkout(),
                _ => self.reprompt(),
            };
        }
        if self.conv.cart.is_empty() {
            return self.review();
        }
        if !self.open() {
            return self.closed();
        }
        let (Some(fulfilment), Some(payment)) = (self.conv.fulfilment.clone(), self.conv.payment)
        else {
            return self.checkout();
        };
        let menu = self.w.menu;
        let lines: Vec<DraftLine> = self
            .conv
            .cart
            .iter()
            .filter_map(|l| {
                let item = menu.item(&l.sku)?;
                let options = item
                    .options
                    .iter()
                    .zip(&l.choices)
                    .filter_map(|(o, id)| {
                        o.choices
                            .iter()
                            .find(|c| &c.id == id)
                            .map(|c| c.name.fr.clone())
                    })
                    .collect();
                Some(DraftLine {
                    sku: l.sku.clone(),
                    name: item.name.fr.clone(),
                    qty: l.qty,
                    unit_price: unit_price(menu, l)?,
                    options,
                })
            })
            .collect();
        let sub: i64 = lines.iter().map(|l| l.unit_price * l.qty as i64).sum();
        let fee = delivery_fee(&self.conv);
        let (eta, pickup) = match &fulfilment {
            Fulfilment::Delivery(d) => (d.eta_minutes, false),
            Fulfilment::Pickup => (self.w.pickup_minutes, true),
        };
        self.effects.push(Effect::PlaceOrder(OrderDraft {
            lines,
            subtotal: sub,
            delivery_fee: fee,
            total: sub + fee,
            fulfilment,
            payment,
            eta_minutes: eta,
            lang: self.lang,
        }));
        self.conv = Conversation::default();
        self.say(Say::OrderPlaced {
            number: self.w.next_order_number.to_string(),
            eta_minutes: eta,
            pickup,
        });
        // No-show rule without card payment: staff call before cooking.
        if self.customer.checkout_rule != CheckoutRule::None && payment == PaymentMethod::Cod {
            self.say(Say::PhoneConfirmation);
        }
    }

    fn catalog_order(&mut self, items: &[OrderItem]) {
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
/// What a message named as a delivery place.
enum PlaceFound {
    One(Place),
    Several(Vec<Place>),
}

fn pin_text(lat: f64, lon: f64) -> String {
    format!("📍 {lat:.5}, {lon:.5}")
}

/// Too little for a courier to find the door ("ici", "chez moi", "cité"): fewer than two
/// words or eight letters.
fn vague_address(a: &str) -> bool {
    let words = a.split_whitespace().count();
    let letters = a.chars().filter(|c| c.is_alphanumeric()).count();
    words < 2 || letters < 8
}

fn next_missing(item: &crate::menu::Item, choices: &[(usize, String)]) -> Option<usize> {
    item.options
        .iter()
        .enumerate()
        .position(|(i, o)| o.required && !choices.iter().any(|(p, _)| *p == i))
}

/// The FAQ entry whose keywords the message hits most (at least one), ties to the first.
fn faq_match(menu: &Menu, toks: &[Token]) -> Option<usize> {
    let mut best: Option<(usize, usize)> = None;
    for (i, f) in menu.faq.iter().enumerate() {
        let hits = f
            .keywords
            .iter()
            .filter(|k| {
                let kw = text::phrase(k);
                (0..toks.len()).any(|s| crate::lexicon::phrase_at(toks, s, &kw, 5).is_some())
            })
            .count();
        if hits > 0 && best.map(|(_, b)| hits > b).unwrap_or(true) {
            best = Some((i, hits));
        }
    }
    best.map(|(i, _)| i)
}
