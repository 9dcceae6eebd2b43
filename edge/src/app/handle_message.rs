//! The thin layer between the pure conversation engine and the store: load the customer's
//! conversation, run one step, write the new state, the order, the replies (outbox rows) —
//! all inside the caller's transaction, which also records the applied event.

use crate::app::vocabulary::{self, Learned};
use crate::domain::menu::{self, Menu};
use crate::domain::orders::order_number;
use crate::domain::payment::PaymentStatus;
use crate::domain::trust_policy::{CheckoutRule, Policy};
use crate::engine::{
    self, say, Catalog, Conversation, Customer, Effect, FaqLookup, Fulfilment, Incoming, OrderView,
    World,
};
use crate::store::trust::{self, Gate};
use crate::store::{conversations, customer_orders, customers, fmt_ts, funnel, orders, transcript};
use chrono::{DateTime, Duration, Utc};
use resto_sync::outbound::SendMessage;
use resto_sync::InboundMessage;
use rusqlite::Transaction;

/// The outbox writer, where `handoff` and older callers look for it.
pub use crate::store::outbox::queue_reply;

/// Minutes quoted for pickup orders (the menu file has no preparation time yet).
pub const PICKUP_MINUTES: u32 = 20;

/// The menu and its matchers, with the owner's aliases, loaded once per batch of events.
pub struct Kit {
    pub menu: Option<(Menu, Catalog)>,
    pub policy: Policy,
    /// The lexicon and places with the owner's intent and commune aliases.
    pub learned: Learned,
}

impl Kit {
    pub fn load(tx: &Transaction<'_>) -> rusqlite::Result<Kit> {
        if crate::store::faq::index_stale(tx)? {
            crate::store::faq::reindex(tx)?;
        }
        let aliases = crate::store::learning::aliases(tx)?;
        Ok(Kit {
            menu: crate::store::menu::load(tx)?.map(|m| {
                let c = vocabulary::catalog(&m, &aliases);
                (m, c)
            }),
            policy: trust::load_policy(tx)?,
            learned: vocabulary::learned(&aliases),
        })
    }
}

/// What one message did, for logs and tests.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Handled {
    pub replies: usize,
    pub order_number: Option<String>,
}

/// Answers one customer message: the customer and the message recorded, the trust gate, the
/// engine's step, its effects (orders, cancellations, handoff), the new state and the replies.
pub fn handle_message(
    tx: &Transaction<'_>,
    kit: &Kit,
    msg: &InboundMessage,
    now: DateTime<Utc>,
) -> rusqlite::Result<Handled> {
    let Some((menu, catalog)) = &kit.menu else {
        tracing::warn!(provider = msg.provider.as_str(), msg_id = %msg.msg_id, "no menu imported yet; message kept without a reply (run `resto-edge menu import`)");
        return Ok(Handled::default());
    };
    let at = fmt_ts(now);
    let customer = customers::seen(tx, msg, &at)?;
    let t = Turn {
        tx,
        msg,
        customer_id: customer.id,
        now,
        at,
    };
    transcript::record_in(tx, t.customer_id, msg, &t.at)?;
    let stored = conversations::load(tx, t.customer_id)?;
    let gate = trust_gate(&t, &kit.policy)?;
    let before = Before::restore(&t, stored)?;
    // STOP / START outside an order: honoured even in quarantine or while staff have the
    // chat, since it is the customer's right, and answered once in their language.
    let order_open = !before.conv.cart.is_empty()
        || !before.conv.pending.is_empty()
        || !matches!(
            before.conv.stage,
            engine::Stage::Idle | engine::Stage::Browsing
        );
    if let Some(c) = msg
        .text
        .as_deref()
        .and_then(|text| crate::domain::consent::from_words(text, order_open))
    {
        let asked = crate::app::consent::Asked::InChat {
            lang: customer.lang,
        };
        crate::app::consent::apply_consent(tx, t.customer_id, msg, c, asked, &t.at)?;
        keep_for_staff(&t, &before.conv)?;
        return Ok(Handled {
            replies: 1,
            order_number: None,
        });
    }
    let Gate::Answer {
        rule,
        no_shows,
        open_orders,
    } = gate
    else {
        keep_for_staff(&t, &before.conv)?;
        return Ok(Handled::default());
    };
    if before.paused {
        // Staff took over: the message waits for them, the bot stays quiet.
        conversations::note_unread(tx, t.customer_id, &t.at)?;
        return Ok(Handled::default());
    }
    if answered_payment_choice(&t)? {
        return Ok(Handled {
            replies: 1,
            order_number: None,
        });
    }
    let (step, next) = run_engine(&t, kit, (menu, catalog), &customer, rule, &before.conv)?;
    crate::app::record_unmapped::record_unmapped(
        tx,
        t.customer_id,
        &msg.msg_id,
        &step.unmapped,
        &t.at,
    )?;
    let places_order = step
        .effects
        .iter()
        .any(|e| matches!(e, Effect::PlaceOrder(_)));
    if places_order && !trust::order_allowed(tx, &kit.policy, t.customer_id, open_orders, now)? {
        // Order abuse: no order, no reply; the cart stays for staff to see.
        keep_for_staff(&t, &before.conv)?;
        return Ok(Handled::default());
    }
    let funnel = Funnel::open(&t, before.started, &next.day)?;
    for f in funnel_steps(&before.conv, &step) {
        funnel.record(&t, f, None)?;
    }
    let checks = TrustChecks { rule, no_shows };
    let done = apply_effects(&t, &step, &next, checks, &funnel)?;
    save_state(&t, &step, done.handoff)?;
    let replies = send_replies(&t, menu, &step)?;
    // After the confirmation, so the customer reads it first.
    if let Some(order_id) = done.placed {
        crate::app::payments::on_order_placed(tx, order_id, now)?;
        crate::app::kitchen_tickets::on_order_placed(tx, order_id, now)?;
    }
    if let Some(order_id) = done.cancelled {
        crate::app::payments::on_order_cancelled(tx, order_id, CUSTOMER_CANCEL, "customer", now)?;
        crate::app::kitchen_tickets::on_order_cancelled(tx, order_id, now)?;
    }
    Ok(Handled {
        replies,
        order_number: done.placed.map(|_| next.number),
    })
}

/// Tells the engine what it needs to know about the customer and the restaurant, and runs
/// one step; returns it with the order number it may have quoted.
fn run_engine(
    t: &Turn<'_, '_>,
    kit: &Kit,
    (menu, catalog): (&Menu, &Catalog),
    customer: &customers::Profile,
    rule: CheckoutRule,
    conv: &Conversation,
) -> rusqlite::Result<(engine::Step, NextOrder)> {
    let faq = faq_lookup(t, kit)?;
    let latest_order = latest_order(t, menu)?;
    let next = NextOrder::allocate(t, menu)?;
    let known = Customer {
        lang: customer.lang,
        lang_explicit: customer.lang_explicit,
        latest_order,
        checkout_rule: rule,
        faq,
    };
    let world = World {
        menu,
        catalog,
        lexicon: kit.learned.lexicon(),
        places: kit.learned.places(),
        now: t.now,
        pickup_minutes: PICKUP_MINUTES,
        next_order_number: &next.number,
    };
    let step = engine::step(conv, &known, Incoming::from_message(t.msg), &world);
    Ok((step, next))
}

/// One inbound message being handled: what each step needs.
struct Turn<'a, 'c> {
    tx: &'a Transaction<'c>,
    msg: &'a InboundMessage,
    customer_id: i64,
    now: DateTime<Utc>,
    /// `now`, formatted once for every row this message writes.
    at: String,
}

/// The conversation as the message finds it.
struct Before {
    conv: Conversation,
    /// Staff took the conversation over.
    paused: bool,
    /// The message opens a conversation for the funnel: the first, or one after a silence.
    started: bool,
}

impl Before {
    fn restore(
        t: &Turn<'_, '_>,
        stored: Option<conversations::Stored>,
    ) -> rusqlite::Result<Before> {
        let paused = stored.as_ref().is_some_and(|s| s.bot_paused);
        let started = stored.as_ref().is_none_or(|s| {
            DateTime::parse_from_rfc3339(&s.last_activity).is_ok_and(|l| {
                t.now - l.with_timezone(&Utc) > Duration::hours(CONVERSATION_GAP_HOURS)
            })
        });
        // A state an older engine wrote and this one cannot read starts over.
        let mut conv: Conversation = stored
            .and_then(|s| serde_json::from_str(&s.state).ok())
            .unwrap_or_default();
        conv.cart = conversations::cart(t.tx, t.customer_id)?
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default();
        Ok(Before {
            conv,
            paused,
            started,
        })
    }
}

/// Judged at the time the customer sent the message, not when it arrived: a backlog after an
/// outage must not look like a burst.
fn trust_gate(t: &Turn<'_, '_>, policy: &Policy) -> rusqlite::Result<Gate> {
    let sent_at = DateTime::parse_from_rfc3339(&t.msg.timestamp)
        .map(|s| s.with_timezone(&Utc))
        .unwrap_or(t.now);
    trust::gate(
        t.tx,
        policy,
        t.customer_id,
        t.msg.text.as_deref(),
        sent_at.min(t.now),
        t.now,
    )
}

/// A customer whose online payment failed answers "cash" or "link": that is for the order,
/// not a new conversation step. True when it was (the reply is queued).
fn answered_payment_choice(t: &Turn<'_, '_>) -> rusqlite::Result<bool> {
    let Some(text) = t.msg.text.as_deref().filter(|s| !s.trim().is_empty()) else {
        return Ok(false);
    };
    let toks = crate::domain::text::tokens(text);
    if !crate::app::payments::on_customer_text(t.tx, t.customer_id, &toks, t.now)? {
        return Ok(false);
    }
    conversations::note_unread(t.tx, t.customer_id, &t.at)?;
    Ok(true)
}

/// Only typed text is searched: a button tap or a caption is not a question.
fn faq_lookup(t: &Turn<'_, '_>, kit: &Kit) -> rusqlite::Result<FaqLookup> {
    match t
        .msg
        .text
        .as_deref()
        .filter(|_| t.msg.kind == resto_sync::MessageKind::Text)
    {
        None => Ok(FaqLookup::NotSearched),
        Some(s) => crate::store::faq::lookup(t.tx, s, kit.policy.faq_min_score),
    }
}

/// The customer's latest order, its ETA on the restaurant's clock.
fn latest_order(t: &Turn<'_, '_>, menu: &Menu) -> rusqlite::Result<Option<OrderView>> {
    Ok(customer_orders::latest(t.tx, t.customer_id)?.map(|o| {
        let eta = o
            .eta
            .and_then(|e| DateTime::parse_from_rfc3339(&e).ok())
            .map(|e| {
                crate::domain::hours::local(&menu.restaurant, e.with_timezone(&Utc))
                    .format("%H:%M")
                    .to_string()
            });
        OrderView {
            id: o.id,
            number: o.number,
            status: o.status,
            eta,
        }
    }))
}

/// The number the next order of the restaurant's day gets, quoted by the engine before the
/// customer confirms.
struct NextOrder {
    day: String,
    daily_seq: i64,
    number: String,
}

impl NextOrder {
    fn allocate(t: &Turn<'_, '_>, menu: &Menu) -> rusqlite::Result<NextOrder> {
        let day = crate::domain::hours::local(&menu.restaurant, t.now)
            .date()
            .to_string();
        let daily_seq = orders::next_daily_seq(t.tx, &day)?;
        Ok(NextOrder {
            number: order_number(daily_seq as u32),
            day,
            daily_seq,
        })
    }
}

/// Where the customer came from, for this message's funnel rows.
struct Funnel {
    day: String,
    source: String,
}

impl Funnel {
    /// Records `conversation_started` when the message brought a source (an ad, a QR code) or
    /// opens a conversation; otherwise the source of the conversation it continues.
    fn open(t: &Turn<'_, '_>, started: bool, day: &str) -> rusqlite::Result<Funnel> {
        let fresh = match funnel::source_of(t.tx, t.msg)? {
            Some(s) => Some(s),
            None if started => Some("organic".to_string()),
            None => None,
        };
        let f = Funnel {
            day: day.to_string(),
            source: match &fresh {
                Some(s) => s.clone(),
                None => funnel::current_source(t.tx, t.customer_id)?,
            },
        };
        if fresh.is_some() {
            f.record(t, "conversation_started", None)?;
        }
        Ok(f)
    }

    fn record(&self, t: &Turn<'_, '_>, step: &str, order: Option<i64>) -> rusqlite::Result<()> {
        funnel::record(
            t.tx,
            t.now,
            &self.day,
            t.customer_id,
            t.msg.provider.as_str(),
            &self.source,
            step,
            order,
        )
    }
}

/// The extra checkout step the customer's record imposed, kept with the order.
#[derive(Clone, Copy)]
struct TrustChecks {
    rule: CheckoutRule,
    no_shows: u32,
}

/// What the engine's effects did.
#[derive(Default)]
struct Done {
    handoff: bool,
    placed: Option<i64>,
    cancelled: Option<i64>,
}

fn apply_effects(
    t: &Turn<'_, '_>,
    step: &engine::Step,
    next: &NextOrder,
    checks: TrustChecks,
    funnel: &Funnel,
) -> rusqlite::Result<Done> {
    let mut done = Done::default();
    for e in &step.effects {
        match e {
            Effect::PlaceOrder(d) => {
                let order_id = place_order(t, next, d)?;
                done.placed = Some(order_id);
                funnel.record(t, "order_confirmed", Some(order_id))?;
                record_checks(t, order_id, &next.number, d, checks)?;
                tracing::info!(provider = t.msg.provider.as_str(), msg_id = %t.msg.msg_id, order = %next.number, total = d.total, "order placed from chat");
            }
            Effect::CancelOrder { order_id } => {
                if customer_orders::cancel_new(t.tx, *order_id, CUSTOMER_CANCEL, &t.at)? {
                    funnel.record(t, "order_cancelled", Some(*order_id))?;
                    done.cancelled = Some(*order_id);
                }
            }
            Effect::RequestHuman => done.handoff = true,
            Effect::KeepForStaff => {}
        }
    }
    Ok(done)
}

/// Why an order the customer cancelled from the chat was cancelled.
const CUSTOMER_CANCEL: &str = "cancelled by the customer";

/// Keeps the checkout rule an order went through, for its card and the security log. A card
/// payment is a prepayment whatever the rule asked.
fn record_checks(
    t: &Turn<'_, '_>,
    order_id: i64,
    number: &str,
    d: &engine::OrderDraft,
    checks: TrustChecks,
) -> rusqlite::Result<()> {
    if checks.rule == CheckoutRule::None {
        return Ok(());
    }
    let applied = if d.payment == menu::PaymentMethod::Cod {
        checks.rule
    } else {
        CheckoutRule::Prepay
    };
    trust::record_checkout_rule(t.tx, order_id, applied, checks.no_shows, &t.at)?;
    trust::record_event(
        t.tx,
        t.now,
        "checkout_rule",
        applied.as_str(),
        Some(t.customer_id),
        &format!("order {number}: {} earlier no-shows", checks.no_shows),
    )
}

/// Writes the state the step left: the language, the conversation, the cart beside it.
fn save_state(t: &Turn<'_, '_>, step: &engine::Step, handoff: bool) -> rusqlite::Result<()> {
    customers::set_lang(t.tx, t.customer_id, step.remember_lang, step.lang_explicit)?;
    let mut state = step.conv.clone();
    let cart = std::mem::take(&mut state.cart);
    conversations::save(
        t.tx,
        t.customer_id,
        state.stage.as_str(),
        &serde_json::to_string(&state).unwrap_or_default(),
        handoff,
        &t.at,
    )?;
    conversations::save_cart(
        t.tx,
        t.customer_id,
        &serde_json::to_string(&cart).unwrap_or_default(),
        &t.at,
    )
}

/// Queues the step's replies and shows them in the transcript; returns how many were queued.
fn send_replies(t: &Turn<'_, '_>, menu: &Menu, step: &engine::Step) -> rusqlite::Result<usize> {
    let ctx = say::Ctx {
        menu,
        conv: &step.conv,
        lang: step.lang,
    };
    let mut sent = 0;
    for s in &step.says {
        let message = say::render(s, &ctx);
        if message.check().is_err() {
            tracing::error!(reply = ?s, "a reply broke the channel limits and was not queued");
            continue;
        }
        let send = SendMessage {
            provider: t.msg.provider,
            account_id: t.msg.account_id.clone(),
            to: t.msg.user_id.clone(),
            correlation_id: Some(t.msg.msg_id.clone()),
            message,
        };
        queue_reply(t.tx, t.customer_id, "bot", &send, &t.at)?;
        sent += 1;
    }
    Ok(sent)
}

/// A message the bot does not answer (quarantine, order abuse): counted unread for staff,
/// the conversation state left as it was.
fn keep_for_staff(t: &Turn<'_, '_>, conv: &Conversation) -> rusqlite::Result<()> {
    conversations::keep_for_staff(
        t.tx,
        t.customer_id,
        conv.stage.as_str(),
        &serde_json::to_string(conv).unwrap_or_default(),
        &t.at,
    )
}

/// Hours of silence after which the next message starts a new conversation in the funnel.
pub const CONVERSATION_GAP_HOURS: i64 = 6;

/// The funnel steps one engine step reached (besides orders, recorded with their effects).
fn funnel_steps(before: &Conversation, step: &engine::Step) -> Vec<&'static str> {
    use engine::Stage::*;
    let mut out = Vec::new();
    if step
        .says
        .iter()
        .any(|s| matches!(s, say::Say::Categories | say::Say::CategoryItems { .. }))
    {
        out.push("menu_viewed");
    }
    let qty = |c: &[engine::CartLine]| c.iter().map(|l| l.qty).sum::<u32>();
    if qty(&step.conv.cart) > qty(&before.cart) {
        out.push("item_added");
    }
    let checkout = |s: engine::Stage| {
        matches!(
            s,
            Fulfilment | DeliveryPlace | DeliveryAddress | Payment | Confirming
        )
    };
    if checkout(step.conv.stage) && !checkout(before.stage) {
        out.push("checkout_started");
    }
    out
}

/// A voice note this recent (and after the customer's previous order) belongs to the order.
const VOICE_NOTE_HOURS: i64 = 12;

/// Writes the confirmed order (`store::orders`, shared with orders staff enter).
fn place_order(
    t: &Turn<'_, '_>,
    next: &NextOrder,
    d: &engine::OrderDraft,
) -> rusqlite::Result<i64> {
    let fulfilment = match &d.fulfilment {
        Fulfilment::Pickup => orders::Fulfilment::Pickup,
        Fulfilment::Delivery(p) => orders::Fulfilment::Delivery {
            address: p.address.clone().unwrap_or_default(),
            wilaya_code: Some(p.wilaya_code.as_str()),
            commune: p.commune.as_deref(),
            pin: p.pin,
        },
    };
    let lines = d
        .lines
        .iter()
        .map(|l| orders::NewLine {
            sku: &l.sku,
            name: &l.name,
            qty: l.qty,
            unit_price: l.unit_price,
            options_json: serde_json::to_string(&l.options).unwrap_or_default(),
        })
        .collect();
    let order = orders::NewOrder {
        customer_id: t.customer_id,
        day: &next.day,
        daily_seq: next.daily_seq,
        number: &next.number,
        subtotal: d.subtotal,
        delivery_fee: d.delivery_fee,
        total: d.total,
        fulfilment,
        payment_method: d.payment.as_str(),
        payment_status: PaymentStatus::initial(d.payment).as_str(),
        eta_minutes: d.eta_minutes as i64,
        lang: d.lang.as_str(),
        source: t.msg.provider.as_str(),
        lines,
        // A customer who sent a voice note earlier in this conversation: staff can replay it
        // from the card (what they asked for may not all be in the typed order).
        note: None,
        voice_media_id: crate::store::media::recent_voice_note(
            t.tx,
            t.customer_id,
            &fmt_ts(t.now - Duration::hours(VOICE_NOTE_HOURS)),
        )?,
    };
    orders::insert_order(t.tx, &order, t.now)
}
