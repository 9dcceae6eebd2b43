//! The conversation's decisions. Order of precedence for a message: explicit language switch
//! → non-text kinds → tapped buttons / numbered answers → what the current stage is waiting
//! for → requests valid anywhere (human, order status, cancel) → items and categories →
//! general questions → "not understood" (FAQ, then a retry, then menu or a human).
//!
//! This file takes a message through the first three steps; `typed` continues the order for
//! typed words. The other files hold what each stage does once the message is placed.

mod cart;
mod checkout;
mod fulfilment;
mod status;
mod talk;
mod typed;

use super::say::{self, Say};
use super::understand::{understand, Sources, Understanding};
use super::*;
use crate::domain::hours::{is_open, next_opening};
use crate::domain::lexicon::language_switch;
use crate::domain::menu::PaymentMethod;
use crate::domain::places::Place;
use crate::domain::register::{self, Register};
use crate::domain::text;
use fulfilment::PlaceFound;

/// An item asked for: sku, quantity if given, option choices (option index, choice id).
type Wanted = (String, Option<u32>, Vec<(usize, String)>);

/// Largest quantity of one line taken from a chat; more is a typo or a prank.
const MAX_QTY: u32 = 50;

/// One message being handled: the conversation as it changes, and the replies and effects
/// gathered for the caller.
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
    /// What the message said that nothing mapped (see `Step::unmapped`).
    unmapped: Vec<String>,
}

/// What a tapped button or a numbered answer asks for: the ids `say` gives its choices.
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
        unmapped: Vec::new(),
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
            unmapped: self.unmapped,
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
            self.conv.register = Some(Register::of_lang(l));
            self.say(Say::LanguageSet);
            self.reprompt();
            return;
        }
        self.register(text, &toks);
        match msg.kind {
            MessageKind::Reaction => return,
            // A voice order or a photo of a dish is for people: staff are called and the
            // customer is told the restaurant will listen or look (issue 16).
            MessageKind::Audio | MessageKind::Image => {
                self.effects.push(Effect::RequestHuman);
                self.say(Say::NonText {
                    kind: msg.kind.as_str().to_string(),
                });
                return;
            }
            MessageKind::Video
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
        let u = understand(
            text,
            &Sources {
                menu: self.w.menu,
                catalog: self.w.catalog,
                lexicon: self.w.lexicon,
                places: self.w.places,
            },
        );
        self.unmapped = u.unmapped.clone();
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

    /// The customer's register from this message: set when unknown, changed when the words
    /// clearly say another one, never against an explicit language choice. The reply
    /// language follows it.
    fn register(&mut self, text: &str, toks: &[crate::domain::text::Token]) {
        let found = register::detect(self.w.lexicon, text, toks);
        if self.lang_explicit {
            let base = Register::of_lang(self.lang);
            let fits = |r: Register| r.lang() == self.lang;
            match (self.conv.register, found) {
                (Some(r), _) if fits(r) => {}
                (_, Some((r, _))) if fits(r) => self.conv.register = Some(r),
                _ => self.conv.register = Some(base),
            }
            return;
        }
        let Some((r, strength)) = found else {
            return;
        };
        let known = self
            .conv
            .register
            .or(self.customer.lang.map(Register::of_lang));
        let change = match known {
            None => true,
            Some(k) if k == r => false,
            // The reply script, once known, stays (the explicit switch changes it); within a
            // script the register follows telling words.
            Some(k) => k.lang() == r.lang() && (strength >= 2 || toks.len() >= 4),
        };
        if change || self.conv.register.is_none() {
            let r = if change { r } else { known.unwrap_or(r) };
            if self.customer.lang.is_some_and(|l| l != r.lang()) {
                return;
            }
            self.conv.register = Some(r);
            self.lang = r.lang();
            self.lang_known = true;
        }
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

    fn action(&mut self, a: Action) {
        match a {
            Action::Menu => self.show_menu(),
            Action::Category(id, page) => self.show_category(&id, page, None),
            Action::Item(sku) => self.add(vec![(sku, None, Vec::new())]),
            Action::Opt(id) => self.choose_option(Some(id)),
            Action::Checkout => self.checkout(),
            Action::Clear => {
                self.conv = Conversation {
                    register: self.conv.register,
                    ..Conversation::default()
                };
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
}
