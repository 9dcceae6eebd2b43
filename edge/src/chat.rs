//! The thin layer between the pure conversation engine and the store: load the customer's
//! conversation, run one step, write the new state, the order, the replies (outbox rows) —
//! all inside the caller's transaction, which also records the applied event.

use crate::engine::{
    self, say, Catalog, Conversation, Customer, Effect, FaqLookup, Fulfilment, Incoming, OrderView,
    World,
};
use crate::lexicon::Lexicon;
use crate::menu::{self, Lang, Menu};
use crate::orders::{order_number, OrderStatus};
use crate::places::Places;
use crate::store::Cached;
use chrono::{DateTime, Duration, Utc};
use resto_sync::outbound::SendMessage;
use resto_sync::InboundMessage;
use rusqlite::{params, OptionalExtension, Transaction};
use std::sync::LazyLock;

pub static LEXICON: LazyLock<Lexicon> = LazyLock::new(Lexicon::embedded);
pub static PLACES: LazyLock<Places> = LazyLock::new(Places::embedded);

/// Minutes quoted for pickup orders (the menu file has no preparation time yet).
pub const PICKUP_MINUTES: u32 = 20;

/// The menu and its matchers, loaded once per batch of events.
pub struct Kit {
    pub menu: Option<(Menu, Catalog)>,
    pub policy: crate::trust::policy::Policy,
}

impl Kit {
    pub fn load(tx: &Transaction<'_>) -> rusqlite::Result<Kit> {
        // A store migrated from before the FAQ index has entries but no index yet.
        let stale: bool = tx.row(
            "SELECT (SELECT count(*) FROM faq) != (SELECT count(*) FROM faq_fts)",
            [],
            |r| r.get(0),
        )?;
        if stale {
            crate::faq::reindex(tx)?;
        }
        Ok(Kit {
            menu: menu::db::load(tx)?.map(|m| {
                let c = Catalog::new(&m);
                (m, c)
            }),
            policy: crate::trust::load_policy(tx)?,
        })
    }
}

fn fmt_ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// What one message did, for logs and tests.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Handled {
    pub replies: usize,
    pub order_number: Option<String>,
}

pub fn handle_message(
    tx: &Transaction<'_>,
    kit: &Kit,
    msg: &InboundMessage,
    now: DateTime<Utc>,
) -> rusqlite::Result<Handled> {
    let at = fmt_ts(now);
    let Some((menu, catalog)) = &kit.menu else {
        tracing::warn!(provider = msg.provider.as_str(), msg_id = %msg.msg_id, "no menu imported yet; message kept without a reply (run `resto-edge menu import`)");
        return Ok(Handled::default());
    };
    tx.run(
        "INSERT INTO customers (provider, user_id, account_id, display_name, created_at) VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (provider, user_id) DO UPDATE SET account_id = excluded.account_id, \
         display_name = coalesce(excluded.display_name, customers.display_name)",
        params![msg.provider.as_str(), msg.user_id, msg.account_id, msg.user_name, at],
    )?;
    let (customer_id, lang, lang_explicit): (i64, Option<String>, bool) = tx.row(
        "SELECT id, lang, lang_explicit FROM customers WHERE provider = ?1 AND user_id = ?2",
        params![msg.provider.as_str(), msg.user_id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    crate::transcript::record_in(tx, customer_id, msg, &at)?;
    let stored: Option<(String, bool, String)> = tx
        .row(
            "SELECT state, bot_paused, last_activity FROM conversations WHERE customer_id = ?1",
            params![customer_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let paused = stored.as_ref().map(|s| s.1).unwrap_or(false);
    let started = stored.as_ref().is_none_or(|s| {
        DateTime::parse_from_rfc3339(&s.2)
            .is_ok_and(|t| now - t.with_timezone(&Utc) > Duration::hours(CONVERSATION_GAP_HOURS))
    });
    let sent_at = DateTime::parse_from_rfc3339(&msg.timestamp)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(now);
    let gate = crate::trust::gate(
        tx,
        &kit.policy,
        customer_id,
        msg.text.as_deref(),
        sent_at.min(now),
        now,
    )?;
    let mut conv: Conversation = stored
        .and_then(|(s, _, _)| serde_json::from_str(&s).ok())
        .unwrap_or_default();
    conv.cart = tx
        .row(
            "SELECT lines FROM carts WHERE customer_id = ?1",
            params![customer_id],
            |r| r.get::<_, String>(0),
        )
        .optional()?
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default();
    let crate::trust::Gate::Answer {
        rule,
        no_shows,
        open_orders,
    } = gate
    else {
        keep_for_staff(tx, customer_id, &conv, &at)?;
        return Ok(Handled::default());
    };
    if paused {
        // Staff took over: the message waits for them, the bot stays quiet.
        tx.run(
            "UPDATE conversations SET unread = unread + 1, last_activity = ?2 WHERE customer_id = ?1",
            params![customer_id, at],
        )?;
        return Ok(Handled::default());
    }
    if let Some(text) = msg.text.as_deref().filter(|t| !t.trim().is_empty()) {
        // A customer whose online payment failed answers "cash" or "link": that is for the
        // order, not a new conversation step.
        if crate::payments::on_customer_text(tx, customer_id, &crate::text::tokens(text), now)? {
            tx.run(
                "UPDATE conversations SET unread = unread + 1, last_activity = ?2 WHERE customer_id = ?1",
                params![customer_id, at],
            )?;
            return Ok(Handled {
                replies: 1,
                order_number: None,
            });
        }
    }
    let faq = match msg
        .text
        .as_deref()
        .filter(|_| msg.kind == resto_sync::MessageKind::Text)
    {
        None => FaqLookup::NotSearched,
        Some(t) => crate::faq::lookup(tx, t, kit.policy.faq_min_score)?,
    };
    let latest_order = tx
        .row(
            "SELECT id, number, status, eta FROM orders WHERE customer_id = ?1 ORDER BY id DESC LIMIT 1",
            params![customer_id],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, Option<String>>(3)?)),
        )
        .optional()?
        .and_then(|(id, number, status, eta)| {
            let eta = eta.and_then(|e| DateTime::parse_from_rfc3339(&e).ok()).map(|e| engine::hours::local(&menu.restaurant, e.with_timezone(&Utc)).format("%H:%M").to_string());
            Some(OrderView { id, number, status: OrderStatus::parse(&status)?, eta })
        });
    let day = engine::hours::local(&menu.restaurant, now)
        .date()
        .to_string();
    let daily_seq: i64 = tx.row(
        "SELECT coalesce(max(daily_seq), 0) + 1 FROM orders WHERE day = ?1",
        params![day],
        |r| r.get(0),
    )?;
    let number = order_number(daily_seq as u32);
    let customer = Customer {
        lang: lang.as_deref().and_then(Lang::parse),
        lang_explicit,
        latest_order,
        checkout_rule: rule,
        faq,
    };
    let world = World {
        menu,
        catalog,
        lexicon: &LEXICON,
        places: &PLACES,
        now,
        pickup_minutes: PICKUP_MINUTES,
        next_order_number: &number,
    };
    let step = engine::step(&conv, &customer, Incoming::from_message(msg), &world);
    let places_order = step
        .effects
        .iter()
        .any(|e| matches!(e, Effect::PlaceOrder(_)));
    if places_order && !crate::trust::order_allowed(tx, &kit.policy, customer_id, open_orders, now)?
    {
        // Order abuse: no order, no reply; the cart stays for staff to see.
        keep_for_staff(tx, customer_id, &conv, &at)?;
        return Ok(Handled::default());
    }
    let channel = msg.provider.as_str();
    let source = match crate::funnel::source_of(tx, msg)? {
        Some(s) => Some(s),
        None if started => Some("organic".to_string()),
        None => None,
    };
    let fresh_source = source.is_some();
    let source = match source {
        Some(s) => s,
        None => crate::funnel::current_source(tx, customer_id)?,
    };
    let funnel = |step: &str, order: Option<i64>| {
        crate::funnel::record(tx, now, &day, customer_id, channel, &source, step, order)
    };
    if fresh_source {
        funnel("conversation_started", None)?;
    }
    for f in funnel_steps(&conv, &step) {
        funnel(f, None)?;
    }

    let mut handled = Handled::default();
    let mut handoff = false;
    let mut placed = None;
    let mut cancelled = None;
    for e in &step.effects {
        match e {
            Effect::PlaceOrder(d) => {
                let order_id = insert_order(
                    tx,
                    customer_id,
                    &day,
                    daily_seq,
                    &number,
                    d,
                    msg.provider.as_str(),
                    now,
                )?;
                placed = Some(order_id);
                handled.order_number = Some(number.clone());
                funnel("order_confirmed", Some(order_id))?;
                if rule != crate::trust::policy::CheckoutRule::None {
                    let applied = if d.payment == menu::PaymentMethod::Cod {
                        rule
                    } else {
                        crate::trust::policy::CheckoutRule::Prepay
                    };
                    tx.run(
                        "INSERT INTO order_trust_checks (order_id, rule, no_shows, at) VALUES (?1, ?2, ?3, ?4)",
                        params![order_id, applied.as_str(), no_shows, at],
                    )?;
                    crate::trust::record_event(
                        tx,
                        now,
                        "checkout_rule",
                        applied.as_str(),
                        Some(customer_id),
                        &format!("order {number}: {no_shows} earlier no-shows"),
                    )?;
                }
                tracing::info!(provider = msg.provider.as_str(), msg_id = %msg.msg_id, order = %number, total = d.total, "order placed from chat");
            }
            Effect::CancelOrder { order_id } => {
                let n = tx.run(
                    "UPDATE orders SET status = 'cancelled', cancel_reason = 'cancelled by the customer', updated_at = ?2 WHERE id = ?1 AND status = 'new'",
                    params![order_id, at],
                )?;
                if n == 1 {
                    funnel("order_cancelled", Some(*order_id))?;
                    cancelled = Some(*order_id);
                }
            }
            Effect::RequestHuman => handoff = true,
            Effect::KeepForStaff => {}
        }
    }
    tx.run(
        "UPDATE customers SET lang = coalesce(?2, lang), lang_explicit = ?3 WHERE id = ?1",
        params![
            customer_id,
            step.remember_lang.map(Lang::as_str),
            step.lang_explicit
        ],
    )?;
    let mut state = step.conv.clone();
    let cart = std::mem::take(&mut state.cart);
    tx.run(
        "INSERT INTO conversations (customer_id, stage, state, handoff_requested, unread, last_activity) VALUES (?1, ?2, ?3, ?4, 1, ?5) \
         ON CONFLICT (customer_id) DO UPDATE SET stage = excluded.stage, state = excluded.state, \
         handoff_requested = max(conversations.handoff_requested, excluded.handoff_requested), \
         unread = conversations.unread + 1, last_activity = excluded.last_activity",
        params![customer_id, state.stage.as_str(), serde_json::to_string(&state).unwrap_or_default(), handoff, at],
    )?;
    tx.run(
        "INSERT INTO carts (customer_id, lines, updated_at) VALUES (?1, ?2, ?3) \
         ON CONFLICT (customer_id) DO UPDATE SET lines = excluded.lines, updated_at = excluded.updated_at",
        params![customer_id, serde_json::to_string(&cart).unwrap_or_default(), at],
    )?;
    let ctx = say::Ctx {
        menu,
        conv: &step.conv,
        lang: step.lang,
    };
    for s in &step.says {
        let message = say::render(s, &ctx);
        if message.check().is_err() {
            tracing::error!(reply = ?s, "a reply broke the channel limits and was not queued");
            continue;
        }
        let send = SendMessage {
            provider: msg.provider,
            account_id: msg.account_id.clone(),
            to: msg.user_id.clone(),
            correlation_id: Some(msg.msg_id.clone()),
            message,
        };
        queue_message(tx, &send, &at)?;
        crate::transcript::record_out(tx, customer_id, "bot", &send.message, &at)?;
        handled.replies += 1;
    }
    // After the confirmation, so the customer reads it first.
    if let Some(order_id) = placed {
        crate::payments::on_order_placed(tx, order_id, now)?;
    }
    if let Some(order_id) = cancelled {
        crate::payments::on_order_cancelled(
            tx,
            order_id,
            "cancelled by the customer",
            "customer",
            now,
        )?;
    }
    Ok(handled)
}

/// A message the bot does not answer (quarantine): counted unread for staff, the
/// conversation state left as it was.
fn keep_for_staff(
    tx: &Transaction<'_>,
    customer_id: i64,
    conv: &Conversation,
    at: &str,
) -> rusqlite::Result<()> {
    tx.run(
        "INSERT INTO conversations (customer_id, stage, state, unread, last_activity) VALUES (?1, ?2, ?3, 1, ?4) \
         ON CONFLICT (customer_id) DO UPDATE SET unread = conversations.unread + 1, last_activity = excluded.last_activity",
        params![customer_id, conv.stage.as_str(), serde_json::to_string(conv).unwrap_or_default(), at],
    )?;
    Ok(())
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

/// Adds a `send_message` row to the outbox (drained to the relay by the sync worker).
pub fn queue_message(tx: &Transaction<'_>, m: &SendMessage, at: &str) -> rusqlite::Result<()> {
    tx.run(
        "INSERT INTO outbox (id, kind, created_at, payload) VALUES (?1, 'send_message', ?2, ?3)",
        params![
            ulid::Ulid::new().to_string(),
            at,
            serde_json::to_string(m).unwrap_or_default()
        ],
    )?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn insert_order(
    tx: &Transaction<'_>,
    customer_id: i64,
    day: &str,
    daily_seq: i64,
    number: &str,
    d: &engine::OrderDraft,
    source: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<i64> {
    let at = fmt_ts(now);
    let eta = fmt_ts(now + Duration::minutes(d.eta_minutes as i64));
    let (fulfilment, address, wilaya, commune, lat, lon) = match &d.fulfilment {
        Fulfilment::Pickup => ("pickup", None, None, None, None, None),
        Fulfilment::Delivery(p) => (
            "delivery",
            Some(p.address.clone().unwrap_or_default()),
            Some(p.wilaya_code.clone()),
            p.commune.clone(),
            p.pin.map(|x| x.0),
            p.pin.map(|x| x.1),
        ),
    };
    let payment_status = if d.payment == menu::PaymentMethod::Cod {
        "pending"
    } else {
        "awaiting_online"
    };
    tx.run(
        "INSERT INTO orders (number, day, daily_seq, customer_id, status, subtotal, delivery_fee, total, fulfilment, address, \
         wilaya_code, commune, latitude, longitude, payment_method, payment_status, eta, promised_at, lang, source, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, 'new', ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?16, ?17, ?18, ?19, ?19)",
        params![number, day, daily_seq, customer_id, d.subtotal, d.delivery_fee, d.total, fulfilment, address, wilaya, commune, lat, lon,
            d.payment.as_str(), payment_status, eta, d.lang.as_str(), source, at],
    )?;
    let order_id = tx.last_insert_rowid();
    for (i, l) in d.lines.iter().enumerate() {
        tx.run(
            "INSERT INTO order_items (order_id, line_no, sku, name, quantity, unit_price, options, line_total) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![order_id, i as i64 + 1, l.sku, l.name, l.qty, l.unit_price, serde_json::to_string(&l.options).unwrap_or_default(), l.unit_price * l.qty as i64],
        )?;
    }
    Ok(order_id)
}
