//! Orders taken at the counter or on the phone, entered from the console. They need neither
//! the relay nor the internet: they are rows in the same store as chat orders. Staff also
//! enter here what a customer asked for in a voice note: that order belongs to the chat
//! customer (moves are told to them in their chat) and names the voice note.

use crate::app::handle_message::PICKUP_MINUTES;
use crate::app::move_order::BoardError;
use crate::domain::orders::order_number;
use crate::store::orders::restaurant_offset;
use crate::store::{self, fmt_ts, orders};
use chrono::{DateTime, Utc};
use rusqlite::Transaction;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct CounterOrder {
    /// `counter` or `phone`; for an order from a voice note, the customer's channel
    /// (`wa`, `ig`, `msg`).
    pub source: String,
    #[serde(default)]
    pub customer_name: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    pub lines: Vec<CounterLine>,
    /// `pickup` or `delivery`.
    pub fulfilment: String,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub eta_minutes: Option<u32>,
    /// The customer's voice note (`media_files.id`) the order was taken from.
    #[serde(default)]
    pub voice_note: Option<i64>,
    /// For the kitchen ("sans oignons"), printed on the tickets.
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CounterLine {
    pub sku: String,
    pub qty: u32,
}

/// Checks the order against the menu; every problem is listed.
fn check(o: &CounterOrder) -> Vec<String> {
    let mut p = Vec::new();
    if o.voice_note.is_none() && !matches!(o.source.as_str(), "counter" | "phone") {
        p.push("source must be counter or phone".into());
    }
    if o.lines.is_empty() {
        p.push("add at least one item".into());
    }
    if o.lines.iter().any(|l| !(1..=50).contains(&l.qty)) {
        p.push("quantities must be 1 to 50".into());
    }
    match o.fulfilment.as_str() {
        "pickup" => {}
        "delivery" if o.address.as_deref().is_some_and(|a| !a.trim().is_empty()) => {}
        "delivery" => p.push("a delivery needs an address".into()),
        _ => p.push("fulfilment must be pickup or delivery".into()),
    }
    if o.note.as_deref().is_some_and(|n| n.chars().count() > 200) {
        p.push("keep the kitchen note under 200 characters".into());
    }
    if o.eta_minutes.is_some_and(|m| !(1..=600).contains(&m)) {
        p.push("the ETA must be 1 to 600 minutes".into());
    }
    p
}

/// Places the order as `new` (staff accept it like any other); returns its id and number.
pub fn place(
    tx: &Transaction<'_>,
    o: &CounterOrder,
    now: DateTime<Utc>,
) -> Result<(i64, String), BoardError> {
    let mut problems = check(o);
    let voice = match o.voice_note {
        Some(id) => match store::media::voice_note_customer(tx, id)? {
            Some(v) if v.provider == o.source => Some(v),
            Some(v) => {
                problems.push(format!(
                    "an order from a voice note comes from the customer's chat: source must be {}",
                    v.provider
                ));
                None
            }
            None => {
                problems.push(format!(
                    "voice note {id} is not a customer's voice note on this device; reload the conversation"
                ));
                None
            }
        },
        None => None,
    };
    let mut lines = Vec::new();
    for l in &o.lines {
        let item = store::menu::item_for_order(tx, &l.sku)?;
        match item {
            Some((_, _, false)) => problems.push(format!("{} is marked unavailable", l.sku)),
            Some((name, price, true)) => lines.push((l, name, price)),
            None => problems.push(format!("{} is not on the menu", l.sku)),
        }
    }
    if !problems.is_empty() {
        return Err(BoardError::Invalid(problems.join("; ")));
    }
    let at = fmt_ts(now);
    let phone = o.phone.as_deref().map(str::trim).filter(|p| !p.is_empty());
    let name = o
        .customer_name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    let customer_id = match &voice {
        // The voice note's sender: the order is theirs, and its news goes to their chat.
        Some(v) => {
            store::customers::complete(tx, v.customer_id, name, phone)?;
            v.customer_id
        }
        // Walk-in customers live beside chat customers; `account_id` is empty (no chat to
        // write to) and the key is the phone number when one was given.
        None => {
            let user_id = match phone {
                Some(p) => format!("{}:{p}", o.source),
                None => format!("{}:{}", o.source, ulid::Ulid::new()),
            };
            store::customers::walk_in(tx, &user_id, name, phone, &at)?
        }
    };
    let day = now
        .with_timezone(&restaurant_offset(tx)?)
        .date_naive()
        .to_string();
    let daily_seq = orders::next_daily_seq(tx, &day)?;
    let number = order_number(daily_seq as u32);
    let subtotal: i64 = lines.iter().map(|(l, _, p)| p * l.qty as i64).sum();
    // A chat customer is told about the order in the language of their conversation.
    let lang = match voice.as_ref().and_then(|v| v.lang.clone()) {
        Some(l) => l,
        None => store::menu::default_language(tx)?,
    };
    let fulfilment = if o.fulfilment == "delivery" {
        orders::Fulfilment::Delivery {
            address: o.address.clone().unwrap_or_default(),
            wilaya_code: None,
            commune: None,
            pin: None,
        }
    } else {
        orders::Fulfilment::Pickup
    };
    // Paid like any cash order (collected on delivery), with the same promise on record.
    let order = orders::NewOrder {
        customer_id,
        day: &day,
        daily_seq,
        number: &number,
        subtotal,
        delivery_fee: 0,
        total: subtotal,
        fulfilment,
        payment_method: "cod",
        payment_status: "pending",
        eta_minutes: o.eta_minutes.unwrap_or(PICKUP_MINUTES) as i64,
        lang: &lang,
        source: &o.source,
        voice_media_id: voice.as_ref().and(o.voice_note),
        note: o.note.as_deref().map(str::trim).filter(|n| !n.is_empty()),
        lines: lines
            .iter()
            .map(|(l, name, price)| orders::NewLine {
                sku: &l.sku,
                name,
                qty: l.qty,
                unit_price: *price,
                options_json: "[]".into(),
            })
            .collect(),
    };
    let order_id = orders::insert_order(tx, &order, now)?;
    crate::app::payments::on_order_placed(tx, order_id, now)?;
    crate::app::kitchen_tickets::on_order_placed(tx, order_id, now)?;
    tracing::info!(order = %number, source = %o.source, total = subtotal, voice_note = ?o.voice_note, "order entered from the console");
    Ok((order_id, number))
}

/// Tests: the demo restaurant (a fresh database tagged `tag`) with one counter order of
/// these SKUs, one of each, placed at `now`.
#[cfg(test)]
pub(crate) fn demo_shop_with_order(
    tag: &str,
    skus: &[&str],
    now: chrono::DateTime<chrono::Utc>,
) -> (rusqlite::Connection, i64) {
    let (_, mut c) = crate::store::demo_shop_db(tag);
    let o = CounterOrder {
        source: "counter".into(),
        customer_name: Some("Karim".into()),
        phone: Some("0555123467".into()),
        lines: skus
            .iter()
            .map(|s| CounterLine {
                sku: s.to_string(),
                qty: 1,
            })
            .collect(),
        fulfilment: "pickup".into(),
        address: None,
        eta_minutes: None,
        voice_note: None,
        note: None,
    };
    let tx = c.transaction().unwrap();
    let (id, _) = place(&tx, &o, now).unwrap();
    tx.commit().unwrap();
    (c, id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Cached;
    use rusqlite::Connection;

    fn parse(v: serde_json::Value) -> CounterOrder {
        serde_json::from_value(v).unwrap()
    }

    /// The demo menu, and Yacine (WhatsApp, Arabic) who sent a voice note (media row 7, on
    /// the device) and a photo (media row 8).
    fn shop() -> Connection {
        let (_dir, mut c) = store::demo_shop_db("voice-order");
        let tx = c.transaction().unwrap();
        tx.run(
            "INSERT INTO customers (id, provider, user_id, account_id, display_name, lang, created_at) \
             VALUES (1, 'wa', '213555010101', '109876543210987', 'Yacine', 'ar', '2026-11-23T10:00:00.000Z')",
            [],
        )
        .unwrap();
        for (tid, kind, mid) in [(1, "audio", 7), (2, "image", 8)] {
            tx.run(
                "INSERT INTO transcript (id, customer_id, direction, author, kind, at) \
                 VALUES (?1, 1, 'in', 'customer', ?2, '2026-11-23T18:00:00.000Z')",
                rusqlite::params![tid, kind],
            )
            .unwrap();
            tx.run(
                "INSERT INTO media_files (id, transcript_id, msg_id, idx, kind, state, path, next_attempt_at, created_at) \
                 VALUES (?1, ?2, ?3, 0, ?4, 'have', '/nowhere', '2026-11-23T18:00:00.000Z', '2026-11-23T18:00:00.000Z')",
                rusqlite::params![mid, tid, format!("wamid.{tid}"), kind],
            )
            .unwrap();
        }
        tx.commit().unwrap();
        c
    }

    fn voice_order(source: &str, voice_note: i64) -> CounterOrder {
        parse(serde_json::json!({
            "source": source, "customer_name": "Yacine", "phone": "0555 01 01 01",
            "fulfilment": "pickup", "voice_note": voice_note,
            "lines": [{"sku": "PZ-MARG", "qty": 2}]}))
    }

    #[test]
    fn an_order_from_a_voice_note_is_the_chat_customers_and_the_board_card_plays_the_note() {
        let mut c = shop();
        let now = chrono::Utc::now();
        let prefill = store::media::voice_note_customer(&c, 7).unwrap().unwrap();
        assert_eq!(
            (
                prefill.customer_id,
                prefill.provider.as_str(),
                prefill.name.as_deref()
            ),
            (1, "wa", Some("Yacine"))
        );
        // No phone on file: the WhatsApp id is the phone number.
        assert_eq!(prefill.phone.as_deref(), Some("213555010101"));
        let tx = c.transaction().unwrap();
        let (id, _) = place(&tx, &voice_order("wa", 7), now).unwrap();
        tx.commit().unwrap();
        let (customer, source, lang, voice): (i64, String, String, Option<i64>) = c
            .row(
                "SELECT customer_id, source, lang, voice_media_id FROM orders WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
        assert_eq!(
            (customer, source.as_str(), lang.as_str(), voice),
            (1, "wa", "ar", Some(7))
        );
        let board = crate::app::move_order::board(&c, now, 45).unwrap();
        let card = board.iter().find(|o| o.id == id).unwrap();
        assert_eq!(
            card.voice_note,
            Some(crate::app::move_order::VoiceNoteLink {
                media_id: 7,
                url: Some("/api/media/7".into())
            })
        );
        // Accepting it tells Yacine in his chat, as for an order he typed.
        let tx = c.transaction().unwrap();
        let moved = crate::app::move_order::move_order(
            &tx,
            id,
            crate::domain::orders::OrderStatus::Accepted,
            None,
            "Amina",
            now,
        )
        .unwrap();
        tx.commit().unwrap();
        assert!(moved.notified);
        // The phone staff typed is kept for the customer who had none on file.
        let phone: Option<String> = c
            .row("SELECT phone FROM customers WHERE id = 1", [], |r| r.get(0))
            .unwrap();
        assert_eq!(phone.as_deref(), Some("0555 01 01 01"));
    }

    #[test]
    fn a_voice_note_order_with_another_channel_or_not_a_voice_note_is_refused() {
        let mut c = shop();
        let now = chrono::Utc::now();
        let tx = c.transaction().unwrap();
        for (o, says) in [
            (voice_order("counter", 7), "source must be wa"),
            (voice_order("wa", 8), "not a customer's voice note"),
            (voice_order("wa", 99), "not a customer's voice note"),
        ] {
            let e = place(&tx, &o, now).unwrap_err().to_string();
            assert!(e.contains(says), "{e}");
        }
        // Without a voice note, only counter and phone orders are entered here.
        let mut o = voice_order("wa", 7);
        o.voice_note = None;
        let e = place(&tx, &o, now).unwrap_err().to_string();
        assert!(e.contains("source must be counter or phone"), "{e}");
        drop(tx);
        assert_eq!(
            c.row("SELECT count(*) FROM orders", [], |r| r.get::<_, i64>(0))
                .unwrap(),
            0
        );
    }

    #[test]
    fn a_chat_order_names_the_voice_note_sent_since_the_customers_last_order() {
        let c = shop();
        let long_ago = "2026-11-22T18:00:00.000Z";
        assert_eq!(
            store::media::recent_voice_note(&c, 1, long_ago).unwrap(),
            Some(7)
        );
        // Too old for the window the caller gives.
        assert_eq!(
            store::media::recent_voice_note(&c, 1, "2026-11-23T19:00:00.000Z").unwrap(),
            None
        );
        // An order placed after the note already had its chance: the next one is not linked.
        c.run(
            "INSERT INTO orders (number, day, daily_seq, customer_id, status, subtotal, delivery_fee, total, fulfilment, \
             payment_method, payment_status, lang, source, created_at, updated_at) VALUES \
             ('A-001', '2026-11-23', 1, 1, 'new', 1000, 0, 1000, 'pickup', 'cod', 'pending', 'fr', 'wa', \
             '2026-11-23T18:10:00.000Z', '2026-11-23T18:10:00.000Z')",
            [],
        )
        .unwrap();
        assert_eq!(
            store::media::recent_voice_note(&c, 1, long_ago).unwrap(),
            None
        );
    }
}
