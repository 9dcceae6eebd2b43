//! The adaptive customer: given its goal and the bot's last replies, what it writes or taps
//! next. It answers the question actually asked, in its register, from its phrase pools;
//! taps a button now and then like a real user; checks the cart shown before confirming and
//! corrects it when it differs from the goal; rephrases a step the bot did not take; empties
//! the cart only as a last resort; and gives up after a bound. Deterministic: the same goal
//! and the same replies give the same moves.

use super::bot::{self, Asked, BotReply, Choice};
use super::corpus::{Commune, Get, Goal, Line, MenuFacts, Pools, Slot};
use super::db::StateView;
use std::collections::{BTreeMap, VecDeque};

/// The customer's next message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Move {
    Say(String),
    Tap(Choice),
    GiveUp(String),
}

/// What went less than smoothly, for the scores.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Friction {
    /// A step answered again because the bot did not take the answer (or did not understand).
    pub retries: u32,
    /// The cart was shown wrong and the customer changed it.
    pub corrections: u32,
    /// The cart was emptied to start over.
    pub resets: u32,
    /// The bot asked again for something the customer had said before being asked.
    pub repeats: u32,
    /// The most times one step had to be answered again.
    pub worst_step: u32,
}

/// What the customer sees after a message: the bot's replies to it and, from the runner, the
/// conversation state (used for the cart only when no reply shows it).
pub struct Seen<'a> {
    pub replies: &'a [BotReply],
    pub state: Option<&'a StateView>,
}

pub const MAX_TURNS: u32 = 30;
/// Answers to one step before giving up on it.
const MAX_TRIES: u32 = 3;
/// Cart corrections before emptying the cart (once), and before giving up.
const RESET_AFTER: u32 = 4;
const GIVE_UP_AFTER: u32 = 8;

pub struct Customer<'a> {
    goal: &'a Goal,
    pools: &'a Pools,
    menu: &'a MenuFacts,
    commune: Option<&'a Commune>,
    seed: u64,
    turn: u32,
    script: VecDeque<String>,
    answered: BTreeMap<String, u32>,
    last_step: Option<String>,
    /// The cart was just emptied on purpose: the next empty cart is expected.
    rebuilding: bool,
    /// Every button or row seen so far, by id: on WhatsApp an earlier button stays in the
    /// chat and can still be tapped when the bot has moved on to "I did not understand".
    seen_choices: BTreeMap<String, Choice>,
    pub friction: Friction,
}

impl<'a> Customer<'a> {
    pub fn new(
        goal: &'a Goal,
        pools: &'a Pools,
        menu: &'a MenuFacts,
        communes: &'a [Commune],
    ) -> Customer<'a> {
        let commune = match &goal.get {
            Get::Delivery { commune, .. } => communes
                .iter()
                .find(|c| c.wilaya_code == "16" && &c.name_fr == commune),
            Get::Pickup => None,
        };
        Customer {
            goal,
            pools,
            menu,
            commune,
            seed: fnv(&goal.id),
            turn: 0,
            script: goal.then.iter().cloned().collect(),
            answered: BTreeMap::new(),
            last_step: None,
            rebuilding: false,
            seen_choices: BTreeMap::new(),
            friction: Friction::default(),
        }
    }

    /// The opening message.
    pub fn opening(&self) -> String {
        self.goal.say.clone()
    }

    pub fn turns(&self) -> u32 {
        self.turn
    }

    pub fn next(&mut self, seen: &Seen<'_>) -> Move {
        self.turn += 1;
        if self.turn > MAX_TURNS {
            return Move::GiveUp(format!("still no order after {MAX_TURNS} messages"));
        }
        for c in seen.replies.iter().flat_map(|r| &r.choices) {
            self.seen_choices.insert(c.id.clone(), c.clone());
        }
        if let Some(m) = self.script.pop_front() {
            self.last_step = None;
            return Move::Say(m);
        }
        let asked = bot::asked(seen.replies, self.menu);
        let asked = match asked {
            // "Not understood" is about what was said last: that step again.
            Asked::NotUnderstood => match self.last_step.clone() {
                Some(s) if !is_cart_step(&s) => return self.slot_step(&s, seen),
                _ => return self.cart_step(Asked::NotUnderstood, seen),
            },
            a => a,
        };
        match asked {
            Asked::Size { .. }
            | Asked::Fulfilment
            | Asked::Commune
            | Asked::Place
            | Asked::Address
            | Asked::Payment => {
                let step = self.step_of(&asked, seen);
                self.slot_step(&step, seen)
            }
            other => self.cart_step(other, seen),
        }
    }

    /// The step key; a size question names its item, or the first item still needing one.
    fn step_of(&self, asked: &Asked, seen: &Seen<'_>) -> String {
        match asked {
            // Keyed by the size it needs now: the second of two pizzas of one kind asks a
            // new question, the same pizza asked again does not.
            Asked::Size { sku } => match self.size_target(seen, sku.as_deref()) {
                Some((sku, size)) => format!("size:{sku}:{size}"),
                None => format!("size:{}:M", sku.as_deref().unwrap_or("?")),
            },
            Asked::Place => "commune".into(),
            other => other.step(),
        }
    }

    /// Answers a question about one slot, counting a question asked again.
    fn slot_step(&mut self, step: &str, seen: &Seen<'_>) -> Move {
        let n = *self.answered.get(step).unwrap_or(&0);
        if n == 0 && self.said_early(step) {
            self.friction.repeats += 1;
        }
        // A second address question asks for a landmark: a normal follow-up, not a retry.
        let follow_up = step == "address" && n == 1;
        if n >= 1 && !follow_up {
            self.friction.retries += 1;
            self.friction.worst_step = self.friction.worst_step.max(n);
        }
        if n >= MAX_TRIES {
            return Move::GiveUp(format!("{step} asked {} times", n + 1));
        }
        self.answered.insert(step.to_string(), n + 1);
        self.last_step = Some(step.to_string());
        let with_choices = seen
            .replies
            .iter()
            .rev()
            .find(|r| !r.choices.is_empty())
            .cloned()
            .unwrap_or_default();
        let tap = n == 2 || (n == 0 && self.roll(3, 10));
        match step {
            "fulfilment" => {
                let (id, pool) = match self.goal.get {
                    Get::Pickup => ("ful:pickup", &self.pools.pickup),
                    Get::Delivery { .. } => ("ful:delivery", &self.pools.delivery),
                };
                self.tap_or_say(&with_choices, id, tap, pool, n)
            }
            "payment" => {
                let id = format!("pay:{}", self.goal.pay);
                let pool = self.pools.payment(&self.goal.pay);
                self.tap_or_say(&with_choices, &id, tap, pool, n)
            }
            "commune" => self.answer_commune(&with_choices, n),
            "address" => Move::Say(self.answer_address(n)),
            s if s.starts_with("size:") => {
                let size = s.rsplit(':').next().unwrap_or("M").to_string();
                let choice = with_choices
                    .choices
                    .iter()
                    .find(|c| c.id.starts_with("opt:") && c.id.ends_with(&format!(":{size}")))
                    .cloned()
                    .or_else(|| self.button(&with_choices, &format!("opt:{size}"), n));
                match choice {
                    Some(c) if tap => Move::Tap(c),
                    _ => Move::Say(self.pick(self.pools.size(&size), n)),
                }
            }
            _ => Move::GiveUp(format!("no answer for {step}")),
        }
    }

    fn tap_or_say(&self, r: &BotReply, id: &str, tap: bool, pool: &[String], n: u32) -> Move {
        match self.button(r, id, n) {
            Some(c) if tap => Move::Tap(c),
            _ => Move::Say(self.pick(pool, n)),
        }
    }

    /// The button `id` offered now, or on the last try one offered earlier.
    fn button(&self, r: &BotReply, id: &str, n: u32) -> Option<Choice> {
        r.choice(id).cloned().or_else(|| {
            (n >= 2)
                .then(|| self.seen_choices.get(id).cloned())
                .flatten()
        })
    }

    fn answer_commune(&self, r: &BotReply, n: u32) -> Move {
        let Get::Delivery { says, .. } = &self.goal.get else {
            return Move::GiveUp("asked for a commune on a pickup order".into());
        };
        let (fr, ar) = self
            .commune
            .map(|c| (c.name_fr.clone(), c.name_ar.clone()))
            .unwrap_or_default();
        // A list of places: the one whose title names the commune.
        if let Some(c) = r.choices.iter().find(|c| {
            c.id.starts_with("place:") && {
                let t = bot::norm(&c.title);
                t.contains(&bot::norm(&fr)) || (!ar.is_empty() && t.contains(&bot::norm(&ar)))
            }
        }) {
            return Move::Tap(c.clone());
        }
        let name = match n {
            0 => says.clone(),
            1 if self.goal.register.arabic_script() => ar,
            _ => fr,
        };
        let template = self.pick(&self.pools.commune, n);
        Move::Say(template.replace("{commune}", &name))
    }

    fn answer_address(&self, n: u32) -> String {
        let address = match &self.goal.get {
            Get::Delivery {
                address: Some(a), ..
            } => a.clone(),
            _ => self.pick(&self.pools.address, 0),
        };
        match n {
            0 => address,
            1 => self.pick(&self.pools.landmark, 0),
            _ => format!("{address}, {}", self.pick(&self.pools.landmark, n)),
        }
    }

    /// Everything about the cart: check it against the goal, fix it, or move on.
    fn cart_step(&mut self, asked: Asked, seen: &Seen<'_>) -> Move {
        let cart = self.cart_seen(&asked, seen);
        let diff = cart_diff(&cart, &self.goal.order);
        if self.rebuilding && cart.is_empty() && !diff.is_empty() {
            // After emptying the cart: the whole order again, plainly, not a retry.
            self.rebuilding = false;
            self.last_step = Some("items".into());
            return Move::Say(self.restate(&diff, 1));
        }
        if self.rebuilding && !cart.is_empty() {
            // Emptying the cart was not taken: once more, with the button when there is one.
            let n = *self.answered.get("reset").unwrap_or(&1);
            self.friction.retries += 1;
            self.friction.worst_step = self.friction.worst_step.max(n);
            if n >= MAX_TRIES {
                return Move::GiveUp("the cart could not be emptied".into());
            }
            self.answered.insert("reset".into(), n + 1);
            self.last_step = Some("reset".into());
            return match seen
                .replies
                .iter()
                .rev()
                .find_map(|r| r.choice("act:clear"))
            {
                Some(c) => Move::Tap(c.clone()),
                None => Move::Say(self.pick(&self.pools.reset, n)),
            };
        }
        let ignored = cart.is_empty() && matches!(asked, Asked::Menu | Asked::Other);
        if asked == Asked::NotUnderstood || ignored {
            // What was said was not taken: say it again, differently.
            let step = self.last_step.clone().unwrap_or_else(|| "items".into());
            let n = *self.answered.get(&step).unwrap_or(&0) + 1;
            self.friction.retries += 1;
            self.friction.worst_step = self.friction.worst_step.max(n);
            if n > MAX_TRIES {
                return Move::GiveUp(format!("{step} not understood {n} times"));
            }
            self.answered.insert(step.clone(), n);
            self.last_step = Some(step.clone());
            if cart.is_empty() && diff.len() > 1 {
                return Move::Say(self.restate(&diff, n));
            }
            if let Some(fix) = diff.first() {
                return Move::Say(self.fix_phrase(fix, n));
            }
            let (id, pool) = if step == "confirm" {
                ("yes", &self.pools.yes)
            } else {
                ("act:checkout", &self.pools.checkout)
            };
            return match self.seen_choices.get(id) {
                Some(c) if n >= MAX_TRIES - 1 => Move::Tap(c.clone()),
                _ => Move::Say(self.pick(pool, n)),
            };
        }
        if let Some(fix) = diff.first() {
            self.last_step = Some("items".into());
            if asked == Asked::Confirm {
                // Wrong cart in the summary: "change" first; the fix (counted) follows.
                if let Some(no) = seen.replies.iter().rev().find_map(|r| r.choice("no")) {
                    return Move::Tap(no.clone());
                }
            }
            self.friction.corrections += 1;
            if self.friction.corrections > GIVE_UP_AFTER {
                return Move::GiveUp(format!(
                    "cart still wrong after {GIVE_UP_AFTER} corrections"
                ));
            }
            if self.friction.corrections > RESET_AFTER
                && self.friction.resets == 0
                && !cart.is_empty()
            {
                self.friction.resets += 1;
                self.rebuilding = true;
                return match seen
                    .replies
                    .iter()
                    .rev()
                    .find_map(|r| r.choice("act:clear"))
                {
                    Some(c) if self.roll(5, 10) => Move::Tap(c.clone()),
                    _ => Move::Say(self.pick(&self.pools.reset, 0)),
                };
            }
            return Move::Say(self.fix_phrase(fix, self.friction.corrections));
        }
        match asked {
            Asked::Confirm => {
                if let Some(wrong) = seen.state.and_then(|s| self.wrong_slot(s)) {
                    // Cart right, fulfilment or payment wrong: change and go through again.
                    self.friction.corrections += 1;
                    self.answered.retain(|k, _| k.starts_with("size:"));
                    self.last_step = Some("confirm".into());
                    return match seen.replies.iter().rev().find_map(|r| r.choice("no")) {
                        Some(no) => Move::Tap(no.clone()),
                        None => Move::GiveUp(format!("summary shows the wrong {wrong}")),
                    };
                }
                let pools = self.pools;
                self.again("confirm", seen, "yes", &pools.yes)
            }
            Asked::MinOrder => Move::GiveUp("minimum order refused with the goal's cart".into()),
            _ => {
                let pools = self.pools;
                self.again("checkout", seen, "act:checkout", &pools.checkout)
            }
        }
    }

    /// A step with one natural answer (confirm, check out), counting it when it comes back.
    fn again(&mut self, step: &str, seen: &Seen<'_>, id: &str, pool: &[String]) -> Move {
        let n = *self.answered.get(step).unwrap_or(&0);
        if n >= 1 && self.last_step.as_deref() == Some(step) {
            self.friction.retries += 1;
            self.friction.worst_step = self.friction.worst_step.max(n);
            if n >= MAX_TRIES {
                return Move::GiveUp(format!("{step} not taken {} times", n + 1));
            }
        }
        self.answered.insert(step.to_string(), n + 1);
        self.last_step = Some(step.to_string());
        let tap = n >= 2 || self.roll(4, 10);
        let now = seen
            .replies
            .iter()
            .rev()
            .find_map(|r| r.choice(id))
            .cloned();
        let earlier = (n >= 2)
            .then(|| self.seen_choices.get(id).cloned())
            .flatten();
        match now.or(earlier) {
            Some(c) if tap => Move::Tap(c),
            _ => Move::Say(self.pick(pool, n)),
        }
    }

    /// The cart as the customer knows it: on the summary, the lines it shows (what the
    /// customer confirms); elsewhere the conversation's cart, since a note like "added: 2
    /// tacos" need not list the whole cart. Without a state (unit tests), what is shown.
    fn cart_seen(&self, asked: &Asked, seen: &Seen<'_>) -> Vec<Line> {
        let shown = || {
            seen.replies
                .iter()
                .rev()
                .map(|r| bot::shown_cart(r, self.menu))
                .find(|c| !c.is_empty())
        };
        match (asked, seen.state) {
            (Asked::Confirm, Some(s)) => shown().unwrap_or_else(|| s.cart.clone()),
            (_, Some(s)) => s.cart.clone(),
            (_, None) => shown().unwrap_or_default(),
        }
    }

    /// Fulfilment, commune or payment in the state that differs from the goal.
    fn wrong_slot(&self, s: &StateView) -> Option<&'static str> {
        let want = match self.goal.get {
            Get::Pickup => "pickup",
            Get::Delivery { .. } => "delivery",
        };
        if s.fulfilment.as_deref().is_some_and(|f| f != want) {
            return Some("fulfilment");
        }
        if let (Some(c), Some(got)) = (self.commune, s.commune.as_deref()) {
            if !same_commune(c, got) {
                return Some("commune");
            }
        }
        if s.payment.as_deref().is_some_and(|p| p != self.goal.pay) {
            return Some("payment");
        }
        None
    }

    /// Which sized item still needs which size: (sku, size).
    fn size_target(&self, seen: &Seen<'_>, named: Option<&str>) -> Option<(String, String)> {
        let cart = seen.state.map(|s| s.cart.clone()).unwrap_or_default();
        let have = |sku: &str, size: &Option<String>| -> u32 {
            cart.iter()
                .filter(|l| l.sku == sku && &l.size == size)
                .map(|l| l.qty)
                .sum()
        };
        let sized = self
            .goal
            .order
            .iter()
            .filter(|l| l.size.is_some() && named.is_none_or(|n| n == l.sku));
        let mut first = None;
        for l in sized {
            first.get_or_insert_with(|| (l.sku.clone(), l.size.clone().unwrap_or_default()));
            if have(&l.sku, &l.size) < l.qty {
                return Some((l.sku.clone(), l.size.clone().unwrap_or_default()));
            }
        }
        first
    }

    fn said_early(&self, step: &str) -> bool {
        let slot = match step {
            "fulfilment" => Slot::Fulfilment,
            "commune" => Slot::Commune,
            "payment" => Slot::Payment,
            _ => return false,
        };
        self.goal.early.contains(&slot)
    }

    /// The message fixing one difference, in the register, varied by `n`.
    fn fix_phrase(&self, fix: &Fix, n: u32) -> String {
        let (pool, line) = match fix {
            Fix::Add(l) => (&self.pools.add, l),
            Fix::Set(l) => (&self.pools.set, l),
            Fix::Remove(l) => (&self.pools.remove, l),
        };
        let template = self.pick(pool, n);
        let item = self.item_words(line, n);
        let qty = self.qty_words(line.qty, n);
        template
            .replace("{qty}", &qty)
            .replace("{item}", &item)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The whole order again in one message, plainly: "et 2 tacos, 1 limonade".
    fn restate(&self, diff: &[Fix], n: u32) -> String {
        let mut parts = diff.iter().filter_map(|f| match f {
            Fix::Add(l) => Some(format!("{} {}", l.qty, self.item_words(l, n))),
            _ => None,
        });
        let first = parts.next().unwrap_or_default();
        let rest: Vec<String> = parts.collect();
        let template = self.pick(&self.pools.add, n);
        let head = template
            .replace("{qty} {item}", &first)
            .replace("{qty}", "")
            .replace("{item}", &first);
        std::iter::once(head)
            .chain(rest)
            .collect::<Vec<_>>()
            .join(", ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn item_words(&self, l: &Line, n: u32) -> String {
        let names = self.pools.names.get(&l.sku).cloned().unwrap_or_default();
        let name = if names.is_empty() {
            l.sku.clone()
        } else {
            // The first retry uses the plainest name (the first of the pool).
            names[if n <= 1 {
                0
            } else {
                self.index(names.len(), n)
            }]
            .clone()
        };
        match l.size.as_ref().and_then(|s| self.pools.size_word.get(s)) {
            Some(w) => format!("{name} {w}"),
            None => name,
        }
    }

    fn qty_words(&self, qty: u32, n: u32) -> String {
        let words = &self.pools.numbers;
        if n == 0 && (qty as usize) <= words.len() && self.roll(3, 10) {
            words[qty as usize - 1].clone()
        } else {
            qty.to_string()
        }
    }

    fn index(&self, len: usize, n: u32) -> usize {
        ((self.seed as usize) + n as usize) % len.max(1)
    }

    fn pick(&self, pool: &[String], n: u32) -> String {
        if pool.is_empty() {
            return String::new();
        }
        pool[self.index(pool.len(), n)].clone()
    }

    /// A deterministic "k times out of 10" for this goal and turn.
    fn roll(&self, k: u64, of: u64) -> bool {
        (self.seed.wrapping_add(self.turn as u64 * 0x9E37_79B9)).rotate_left(17) % of < k
    }
}

fn is_cart_step(s: &str) -> bool {
    matches!(s, "items" | "checkout" | "confirm" | "reset")
}

/// One change that brings the cart closer to the goal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fix {
    Add(Line),
    /// Set this item (this size) to this quantity.
    Set(Line),
    Remove(Line),
}

/// The changes from `cart` to `goal`, items not wanted first, then wrong quantities, then
/// missing items.
pub fn cart_diff(cart: &[Line], goal: &[Line]) -> Vec<Fix> {
    let count = |lines: &[Line]| {
        let mut m: BTreeMap<(String, Option<String>), u32> = BTreeMap::new();
        for l in lines {
            *m.entry((l.sku.clone(), l.size.clone())).or_default() += l.qty;
        }
        m
    };
    let (have, want) = (count(cart), count(goal));
    let line = |(sku, size): &(String, Option<String>), qty: u32| Line {
        sku: sku.clone(),
        qty,
        size: size.clone(),
    };
    let mut fixes = Vec::new();
    for (k, q) in &have {
        if !want.keys().any(|(s, _)| s == &k.0) {
            fixes.push(Fix::Remove(line(k, *q)));
        }
    }
    for (k, q) in &have {
        if want.keys().any(|(s, _)| s == &k.0) && want.get(k) != Some(q) {
            let target = want.get(k).copied().unwrap_or(0);
            fixes.push(if target == 0 {
                Fix::Remove(line(k, *q))
            } else {
                Fix::Set(line(k, target))
            });
        }
    }
    for (k, q) in &want {
        if !have.contains_key(k) {
            fixes.push(Fix::Add(line(k, *q)));
        }
    }
    fixes
}

/// Whether a commune name as stored or shown is this commune (any of its names or spellings).
pub fn same_commune(c: &Commune, got: &str) -> bool {
    let key = |s: &str| -> String {
        bot::norm(s)
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect()
    };
    let got = key(got);
    std::iter::once(&c.name_fr)
        .chain(std::iter::once(&c.name_ar))
        .chain(c.aliases.iter())
        .any(|n| key(n.as_str()) == got)
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}
