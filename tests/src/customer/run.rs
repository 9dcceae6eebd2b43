//! One goal through a chat (in-process or the real path): the customer's moves, the bot's
//! replies, and the scores — opening understood, clean success, success with one retry,
//! wrong order, turns — with the per-register table the bench prints.

use super::bot::{self, Asked, BotReply};
use super::corpus::{Commune, Corpus, First, Get, Goal, Line, MenuFacts, Register};
use super::db::{PlacedOrder, StateView};
use super::decide::{same_commune, Customer, Friction, Move, Seen};
use std::collections::BTreeMap;

/// A conversation with the bot, one customer.
pub trait Chat {
    /// Sends the customer's move; returns the bot's replies to it, oldest first.
    fn send(&mut self, m: &Move) -> Vec<BotReply>;
    fn state(&self) -> Option<StateView>;
    /// The customer's latest order, once one is placed.
    fn placed(&self) -> Option<PlacedOrder>;
}

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The order placed is the goal.
    Correct,
    /// An order was placed and differs from the goal: how.
    Wrong(Vec<String>),
    GaveUp(String),
}

#[derive(Debug, Clone)]
pub enum Turn {
    Customer(String),
    Tap(String, String),
    Bot(BotReply),
}

#[derive(Debug, Clone)]
pub struct Record {
    pub goal: String,
    pub register: Register,
    pub opening_understood: bool,
    pub outcome: Outcome,
    pub friction: Friction,
    /// Customer messages, the opening included.
    pub turns: u32,
    pub transcript: Vec<Turn>,
}

impl Record {
    pub fn success(&self) -> bool {
        self.outcome == Outcome::Correct
    }

    /// Correct order with no retry, no correction, no reset and nothing asked twice.
    pub fn clean(&self) -> bool {
        let f = &self.friction;
        self.success() && f.retries == 0 && f.corrections == 0 && f.resets == 0 && f.repeats == 0
    }

    /// Correct order where no step needed more than one retry, at most one cart correction,
    /// no reset.
    pub fn one_retry(&self) -> bool {
        let f = &self.friction;
        self.success() && f.resets == 0 && f.worst_step <= 1 && f.corrections <= 1
    }

    pub fn wrong(&self) -> bool {
        matches!(self.outcome, Outcome::Wrong(_))
    }

    /// One line: id, opening, outcome, friction, turns.
    pub fn summary_line(&self) -> String {
        let f = &self.friction;
        let outcome = match &self.outcome {
            Outcome::Correct if self.clean() => "clean".to_string(),
            Outcome::Correct => "correct".to_string(),
            Outcome::Wrong(d) => format!("WRONG {}", d.join("; ")),
            Outcome::GaveUp(why) => format!("gave up: {why}"),
        };
        format!(
            "{:8} opening {:3} {:40} retries {} corrections {} resets {} repeats {} worst {} turns {}",
            self.goal,
            if self.opening_understood { "ok" } else { "no" },
            outcome,
            f.retries,
            f.corrections,
            f.resets,
            f.repeats,
            f.worst_step,
            self.turns
        )
    }

    pub fn transcript_text(&self) -> String {
        let mut s = format!(
            "=== {} ({}) opening {} · {:?} · {:?} · {} turns\n",
            self.goal,
            self.register.as_str(),
            if self.opening_understood {
                "understood"
            } else {
                "NOT understood"
            },
            self.outcome,
            self.friction,
            self.turns
        );
        for t in &self.transcript {
            match t {
                Turn::Customer(m) => s.push_str(&format!("> {m}\n")),
                Turn::Tap(id, title) => s.push_str(&format!("> [tap {title:?} {id}]\n")),
                Turn::Bot(r) => {
                    for line in r.text.lines() {
                        s.push_str(&format!("< {line}\n"));
                    }
                    if !r.choices.is_empty() {
                        let c: Vec<String> = r
                            .choices
                            .iter()
                            .map(|c| format!("{} [{}]", c.title, c.id))
                            .collect();
                        s.push_str(&format!("<   {}\n", c.join(" | ")));
                    }
                }
            }
        }
        s
    }
}

/// Everything a run needs besides the chat.
pub struct Bench {
    pub corpus: Corpus,
    pub menu: MenuFacts,
    pub communes: Vec<Commune>,
}

impl Bench {
    pub fn load() -> Result<Bench, String> {
        Ok(Bench {
            corpus: super::corpus::load(&super::corpus::corpus_dir())?,
            menu: MenuFacts::demo(),
            communes: super::corpus::communes(),
        })
    }

    /// Goals of one register (all when `None`), or the one goal `only`.
    pub fn select(&self, register: Option<Register>, only: Option<&str>) -> Vec<&Goal> {
        self.corpus
            .goals
            .iter()
            .filter(|g| register.is_none_or(|r| g.register == r))
            .filter(|g| only.is_none_or(|id| g.id == id))
            .collect()
    }

    pub fn run_goal(&self, goal: &Goal, chat: &mut dyn Chat) -> Record {
        let pools = self.corpus.pools(goal.register);
        let mut customer = Customer::new(goal, pools, &self.menu, &self.communes);
        let opening = customer.opening();
        let mut transcript = vec![Turn::Customer(opening.clone())];
        let mut replies = chat.send(&Move::Say(opening));
        let mut sent = 1;
        let mut state = chat.state();
        let opening_understood = opening_understood(goal, &replies, state.as_ref(), &self.menu);
        let outcome = loop {
            transcript.extend(replies.iter().cloned().map(Turn::Bot));
            if let Some(order) = chat.placed() {
                let diffs = self.differences(goal, &order);
                break if diffs.is_empty() {
                    Outcome::Correct
                } else {
                    Outcome::Wrong(diffs)
                };
            }
            let m = customer.next(&Seen {
                replies: &replies,
                state: state.as_ref(),
            });
            match &m {
                Move::GiveUp(why) => break Outcome::GaveUp(why.clone()),
                Move::Say(t) => transcript.push(Turn::Customer(t.clone())),
                Move::Tap(c) => transcript.push(Turn::Tap(c.id.clone(), c.title.clone())),
            }
            replies = chat.send(&m);
            sent += 1;
            state = chat.state();
        };
        Record {
            goal: goal.id.clone(),
            register: goal.register,
            opening_understood,
            outcome,
            turns: sent,
            friction: customer.friction.clone(),
            transcript,
        }
    }

    /// How a placed order differs from the goal (empty: it is the goal).
    pub fn differences(&self, goal: &Goal, o: &PlacedOrder) -> Vec<String> {
        let mut d = Vec::new();
        if lines_key(&o.lines) != lines_key(&goal.order) {
            d.push(format!(
                "items {} instead of {}",
                show(&o.lines),
                show(&goal.order)
            ));
        }
        match &goal.get {
            Get::Pickup if o.fulfilment != "pickup" => {
                d.push(format!("{} instead of pickup", o.fulfilment))
            }
            Get::Delivery { commune, .. } => {
                if o.fulfilment != "delivery" {
                    d.push(format!("{} instead of delivery", o.fulfilment));
                }
                let c = self
                    .communes
                    .iter()
                    .find(|c| c.wilaya_code == "16" && &c.name_fr == commune);
                let same = match (c, o.commune.as_deref()) {
                    (Some(c), Some(got)) => same_commune(c, got),
                    _ => false,
                };
                if !same {
                    d.push(format!("commune {:?} instead of {commune}", o.commune));
                }
            }
            Get::Pickup => {}
        }
        if o.payment != goal.pay {
            d.push(format!("payment {} instead of {}", o.payment, goal.pay));
        }
        d
    }
}

fn lines_key(lines: &[Line]) -> BTreeMap<(String, Option<String>), u32> {
    let mut m = BTreeMap::new();
    for l in lines {
        *m.entry((l.sku.clone(), l.size.clone())).or_default() += l.qty;
    }
    m
}

fn show(lines: &[Line]) -> String {
    lines
        .iter()
        .map(Line::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether the first reply shows the bot took the opening: the items it names are in the
/// cart with their quantities and sizes (a sized item named without a size may instead be
/// waiting for its size), nothing else is; or the price asked for; or the menu.
pub fn opening_understood(
    goal: &Goal,
    replies: &[BotReply],
    state: Option<&StateView>,
    menu: &MenuFacts,
) -> bool {
    let asked = bot::asked(replies, menu);
    if asked == Asked::NotUnderstood || replies.is_empty() {
        return false;
    }
    match &goal.first {
        First::Menu => replies
            .iter()
            .any(|r| r.has("cat:") || r.has("item:") || r.has("act:menu")),
        First::Price(sku) => {
            let price = menu.item(sku).map_or(-1, |i| i.price).to_string();
            replies.iter().any(|r| bot::norm(&r.text).contains(&price))
        }
        First::Items(lines) => {
            let empty = StateView::default();
            let s = state.unwrap_or(&empty);
            let size_asked = matches!(asked, Asked::Size { .. });
            let qty = |sku: &str, size: Option<&String>| -> u32 {
                s.cart
                    .iter()
                    .filter(|l| l.sku == sku && size.is_none_or(|z| l.size.as_ref() == Some(z)))
                    .map(|l| l.qty)
                    .sum()
            };
            let all_named = s.cart.iter().all(|c| lines.iter().any(|l| l.sku == c.sku));
            all_named
                && lines.iter().all(|l| {
                    let sized = menu.item(&l.sku).is_some_and(|i| !i.sizes.is_empty());
                    if l.size.is_some() || !sized {
                        return qty(&l.sku, l.size.as_ref()) == l.qty;
                    }
                    let pending = s
                        .pending
                        .iter()
                        .find(|(p, _)| p.as_deref() == Some(l.sku.as_str()));
                    match pending {
                        Some((_, q)) => *q == l.qty,
                        None => {
                            qty(&l.sku, None) == l.qty || (size_asked && qty(&l.sku, None) == 0)
                        }
                    }
                })
        }
    }
}

/// Per-register and total scores.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    pub goals: u32,
    pub opening: u32,
    pub clean: u32,
    pub one_retry: u32,
    pub success: u32,
    pub wrong: u32,
    pub gave_up: u32,
    pub turns: u32,
}

impl Tally {
    fn add(&mut self, r: &Record) {
        self.goals += 1;
        self.opening += r.opening_understood as u32;
        self.clean += r.clean() as u32;
        self.one_retry += r.one_retry() as u32;
        self.success += r.success() as u32;
        self.wrong += r.wrong() as u32;
        self.gave_up += matches!(r.outcome, Outcome::GaveUp(_)) as u32;
        self.turns += r.turns;
    }
}

pub fn tallies(records: &[Record]) -> (BTreeMap<Register, Tally>, Tally) {
    let mut per: BTreeMap<Register, Tally> = BTreeMap::new();
    let mut total = Tally::default();
    for r in records {
        per.entry(r.register).or_default().add(r);
        total.add(r);
    }
    (per, total)
}

/// The bench's table: one row per register, then the totals.
pub fn table(records: &[Record]) -> String {
    let (per, total) = tallies(records);
    let pct = |n: u32, d: u32| {
        if d == 0 {
            "-".to_string()
        } else {
            format!("{:.0} %", 100.0 * n as f64 / d as f64)
        }
    };
    let mut s = String::from(
        "| register | goals | opening understood | clean success | success ≤1 retry | success (any) | wrong orders | gave up | avg turns |\n|---|---|---|---|---|---|---|---|---|\n",
    );
    let rows = per
        .iter()
        .map(|(r, t)| (r.as_str().to_string(), t))
        .chain(std::iter::once(("total".to_string(), &total)));
    for (name, t) in rows {
        s.push_str(&format!(
            "| {name} | {} | {} | {} | {} | {} | {} | {} | {:.1} |\n",
            t.goals,
            pct(t.opening, t.goals),
            pct(t.clean, t.goals),
            pct(t.one_retry, t.goals),
            pct(t.success, t.goals),
            t.wrong,
            t.gave_up,
            if t.goals == 0 {
                0.0
            } else {
                t.turns as f64 / t.goals as f64
            }
        ));
    }
    s
}
