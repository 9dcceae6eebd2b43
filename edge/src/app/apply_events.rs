//! Applying relay events on the edge: each poll's batch in ONE transaction together with the
//! new cursor, each event recorded in `applied_events` so a resent event is never applied
//! twice (effectively-once). A customer message runs the conversation (`handle_message`)
//! inside the same transaction: reply rows, order and cursor commit together or not at all.

use crate::app::handle_message::{self, Kit};
use crate::store::{applied, away_told};
use chrono::{DateTime, Utc};
use resto_sync::{Event, EventKind, InboundMessage, MessageStatus};
use rusqlite::{Connection, Transaction};

/// What one batch did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Applied {
    pub applied: usize,
    pub skipped_duplicates: usize,
    /// Customers newly known to have been told, while this node was away, that their
    /// message is saved (events flagged `away_notice`).
    pub away_told: usize,
}

/// Applies `events` and moves the cursor to `next_after`, atomically. `now` is the clock the
/// conversation sees (opening hours, order numbers, ETAs).
pub fn apply_batch(
    conn: &mut Connection,
    events: &[Event],
    next_after: u64,
    now: DateTime<Utc>,
) -> rusqlite::Result<Applied> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let mut out = Applied::default();
    let at = crate::store::fmt_ts(now);
    let mut kit: Option<Kit> = None;
    for ev in events {
        if !applied::mark_applied(&tx, &ev.id, ev.seq, &at)? {
            out.skipped_duplicates += 1;
            continue;
        }
        if apply_event(&tx, ev, &mut kit, now)? {
            out.away_told += 1;
        }
        out.applied += 1;
    }
    applied::advance_cursor(&tx, next_after, &at)?;
    if let Some(t) = events
        .last()
        .and_then(|e| DateTime::parse_from_rfc3339(&e.received_at).ok())
    {
        let lag = (now - t.with_timezone(&Utc)).num_milliseconds().max(0);
        applied::set_relay_lag(&tx, lag)?;
    }
    tx.commit()?;
    Ok(out)
}

/// The one place an event changes edge state. Inbound messages are handed to
/// `on_inbound_message`, which the ordering engine owns (issue 4). True when the event made
/// a customer newly known as told during an outage.
fn apply_event(
    tx: &Transaction<'_>,
    ev: &Event,
    kit: &mut Option<Kit>,
    now: DateTime<Utc>,
) -> rusqlite::Result<bool> {
    match ev.kind {
        EventKind::InboundMessage => {
            match serde_json::from_value::<InboundMessage>(ev.payload.clone()) {
                Ok(msg) => {
                    let fresh = on_inbound_message(tx, &ev.id, &msg)?;
                    let change = crate::domain::identity::identity_change(&msg);
                    let revision = crate::domain::revision::revision(&msg);
                    let consent = crate::domain::consent::from_meta(&msg);
                    if let (true, Some(c)) = (fresh, consent) {
                        crate::app::consent::from_whatsapp_settings(tx, &msg, c, now)?;
                    } else if let (true, Some(change)) = (fresh, &change) {
                        crate::app::identity_change::apply_identity_change(tx, &msg, change, now)?;
                    } else if let (true, Some(rev)) = (fresh, &revision) {
                        crate::app::revise_message::revise_message(tx, &msg, rev, now)?;
                    } else if fresh {
                        let kit = match kit {
                            Some(k) => k,
                            None => kit.insert(Kit::load(tx)?),
                        };
                        handle_message::handle_message(tx, kit, &msg, now)?;
                    }
                    if fresh && ev.away_notice {
                        let at = crate::store::fmt_ts(now);
                        return away_told::remember(tx, msg.provider.as_str(), &msg.user_id, &at);
                    }
                    Ok(false)
                }
                Err(e) => {
                    tracing::error!(event_id = %ev.id, error = %e, "unreadable inbound message kept as raw");
                    Ok(false)
                }
            }
        }
        EventKind::MessageStatus => {
            if let Ok(st) = serde_json::from_value::<MessageStatus>(ev.payload.clone()) {
                applied::keep_status(tx, &st, &ev.payload.to_string())?;
                if let Some(why) = crate::domain::undelivered::reason(&st) {
                    crate::app::undelivered::show(tx, &st, &why, now)?;
                }
            }
            Ok(false)
        }
        EventKind::PaymentUpdate => {
            match serde_json::from_value::<resto_sync::payment::PaymentUpdate>(ev.payload.clone()) {
                Ok(u) => crate::app::payments::apply_update(tx, &u, now).map(|()| false),
                Err(e) => {
                    tracing::error!(event_id = %ev.id, error = %e, "unreadable payment update skipped");
                    Ok(false)
                }
            }
        }
        EventKind::ConfigUpdate => Ok(false),
    }
}

/// Stores the customer's message for the console; false when the same message (provider,
/// msg_id) was already stored under another event, so it is not answered twice.
pub fn on_inbound_message(
    tx: &Transaction<'_>,
    event_id: &str,
    msg: &InboundMessage,
) -> rusqlite::Result<bool> {
    applied::keep_inbound(tx, event_id, msg)
}

pub fn cursor(conn: &Connection) -> rusqlite::Result<u64> {
    applied::cursor(conn)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(seq: u64, id: &str, text: &str) -> Event {
        Event {
            seq,
            id: id.into(),
            kind: EventKind::InboundMessage,
            received_at: "2026-11-23T10:00:00.000Z".into(),
            payload: json!({"provider": "wa", "account_id": "1", "user_id": "213", "msg_id": format!("wamid.{id}"),
                "timestamp": "2026-11-23T10:00:00Z", "kind": "text", "text": text}),
            away_notice: false,
        }
    }

    fn shop_with_menu() -> (std::path::PathBuf, Connection) {
        crate::store::demo_shop_db("apply")
    }

    fn outbox_count(c: &Connection) -> i64 {
        c.query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn a_resent_event_is_applied_once_and_the_cursor_only_moves_forward() {
        let dir = std::env::temp_dir().join(format!("edge-apply-{}", ulid::Ulid::new()));
        let mut c = crate::store::open(&dir.join("edge.db")).unwrap();
        let batch = vec![event(1, "evt_a", "salam"), event(2, "evt_b", "menu")];
        assert_eq!(
            apply_batch(&mut c, &batch, 2, chrono::Utc::now()).unwrap(),
            Applied {
                applied: 2,
                skipped_duplicates: 0,
                away_told: 0
            }
        );
        assert_eq!(
            apply_batch(&mut c, &batch, 2, chrono::Utc::now()).unwrap(),
            Applied {
                applied: 0,
                skipped_duplicates: 2,
                away_told: 0
            }
        );
        assert_eq!(
            apply_batch(&mut c, &[], 1, chrono::Utc::now())
                .unwrap()
                .applied,
            0
        );
        assert_eq!(cursor(&c).unwrap(), 2);
        assert_eq!(applied::inbound_count(&c).unwrap(), 2);
        std::fs::remove_dir_all(dir).ok();
    }

    /// Meta's "customer changed number" moves the customer (and their history) to the new
    /// number, is shown to staff, and gets no reply; the new number is then the same customer.
    #[test]
    fn a_changed_whatsapp_number_moves_the_customer_and_gets_no_reply() {
        let (dir, mut c) = shop_with_menu();
        apply_batch(&mut c, &[event(1, "evt_a", "salam")], 1, chrono::Utc::now()).unwrap();
        let greeted = outbox_count(&c);
        assert!(greeted > 0, "the customer's salam is answered");
        let mut sys = event(2, "evt_sys", "");
        sys.payload["kind"] = json!("unsupported");
        sys.payload["text"] = serde_json::Value::Null;
        sys.payload["raw"] = json!({"from": "213", "id": "wamid.evt_sys", "type": "system",
            "system": {"body": "User A changed from 213 to 214", "type": "user_changed_number", "wa_id": "214"}});
        apply_batch(&mut c, &[sys], 2, chrono::Utc::now()).unwrap();
        let who: Vec<(String, Option<String>)> = c
            .prepare("SELECT user_id, phone FROM customers ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(who, vec![("214".to_string(), Some("214".to_string()))]);
        let shown: String = c
            .query_row(
                "SELECT body FROM transcript ORDER BY id DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(shown.contains("changed from 213 to 214"), "{shown}");
        assert_eq!(outbox_count(&c), greeted, "Meta's note is not answered");
        std::fs::remove_dir_all(dir).ok();
    }

    /// A Messenger customer edits then unsends a message: the line staff see changes in place,
    /// and neither change is answered by the bot.
    #[test]
    fn an_edited_then_unsent_message_changes_its_line_and_gets_no_reply() {
        let (dir, mut c) = shop_with_menu();
        let ev = |seq: u64, msg_id: &str, extra: serde_json::Value| {
            let mut e = event(seq, &format!("evt_{seq}"), "2 tacos");
            e.payload["provider"] = json!("msg");
            e.payload["msg_id"] = json!(msg_id);
            for (k, v) in extra.as_object().unwrap() {
                e.payload[k] = v.clone();
            }
            e
        };
        let line = |c: &Connection| -> (Option<String>, Option<String>, i64) {
            c.query_row(
                "SELECT body, revision, (SELECT count(*) FROM transcript WHERE direction = 'in') \
                 FROM transcript WHERE msg_id = 'm_1'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap()
        };
        apply_batch(&mut c, &[ev(1, "m_1", json!({}))], 1, chrono::Utc::now()).unwrap();
        let answered = outbox_count(&c);
        assert!(answered > 0);
        let edit = ev(
            2,
            "m_1#edit1",
            json!({"kind": "unsupported", "text": "3 tacos", "reply_to": "m_1",
            "raw": {"message_edit": {"mid": "m_1", "text": "3 tacos", "num_edit": 1}}}),
        );
        apply_batch(&mut c, &[edit], 2, chrono::Utc::now()).unwrap();
        assert_eq!(line(&c), (Some("3 tacos".into()), Some("edited".into()), 1));
        let unsend = ev(
            3,
            "m_1#deleted",
            json!({"kind": "unsupported", "text": null, "reply_to": "m_1",
            "raw": {"mid": "m_1", "is_deleted": true}}),
        );
        apply_batch(&mut c, &[unsend], 3, chrono::Utc::now()).unwrap();
        assert_eq!(line(&c), (None, Some("deleted".into()), 1));
        assert_eq!(outbox_count(&c), answered, "revisions are not answered");
        std::fs::remove_dir_all(dir).ok();
    }

    /// STOP and START outside an order flip the customer's consent and are confirmed in their
    /// language; "stop" with a cart open is the conversation's (cancel), not an opt-out;
    /// WhatsApp's own marketing stop is recorded without a reply.
    #[test]
    fn stop_and_start_change_consent_and_are_confirmed_but_not_inside_an_order() {
        let (dir, mut c) = shop_with_menu();
        let opted_out = |c: &Connection| crate::store::customers::opted_out(c, 1).unwrap();
        let last_reply = |c: &Connection| -> String {
            c.query_row(
                "SELECT body FROM transcript WHERE direction = 'out' ORDER BY id DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .unwrap()
        };
        let said = |seq: u64, text: &str| event(seq, &format!("evt_{seq}"), text);
        // A Saturday at 13:00 in Algiers: the demo restaurant is open and takes the order.
        let now = "2026-12-05T12:00:00Z".parse().unwrap();
        apply_batch(&mut c, &[said(1, "STOP")], 1, now).unwrap();
        assert!(opted_out(&c));
        assert!(
            last_reply(&c).contains("Écrivez START"),
            "{}",
            last_reply(&c)
        );
        apply_batch(&mut c, &[said(2, "start")], 2, now).unwrap();
        assert!(!opted_out(&c));
        apply_batch(&mut c, &[said(3, "توقف")], 3, now).unwrap();
        assert!(opted_out(&c));
        assert!(last_reply(&c).starts_with("تم"), "{}", last_reply(&c));
        apply_batch(&mut c, &[said(4, "START")], 4, now).unwrap();

        apply_batch(&mut c, &[said(5, "2 pizza margherita")], 5, now).unwrap();
        let before = outbox_count(&c);
        apply_batch(&mut c, &[said(6, "stop")], 6, now).unwrap();
        assert!(!opted_out(&c), "with a cart open, stop is not an opt-out");
        assert!(outbox_count(&c) > before, "the conversation answered it");

        let mut pref = event(7, "evt_7", "");
        pref.payload["kind"] = json!("unsupported");
        pref.payload["text"] = serde_json::Value::Null;
        pref.payload["raw"] = json!({"user_preferences": {"wa_id": "213", "category": "marketing_messages", "value": "stop"}});
        let before = outbox_count(&c);
        apply_batch(&mut c, &[pref], 7, now).unwrap();
        assert!(opted_out(&c), "WhatsApp's marketing stop is recorded");
        assert_eq!(outbox_count(&c), before, "and not answered");
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn customers_told_during_an_outage_are_counted_once_each_until_acknowledged() {
        let dir = std::env::temp_dir().join(format!("edge-apply-{}", ulid::Ulid::new()));
        let mut c = crate::store::open(&dir.join("edge.db")).unwrap();
        let told = |seq: u64, user: &str| {
            let mut e = event(seq, &format!("evt_{seq}"), "bonjour");
            e.payload["user_id"] = json!(user);
            e.away_notice = true;
            e
        };
        let batch = vec![
            told(1, "213"),
            told(2, "213"),
            told(3, "214"),
            event(4, "evt_4", "menu"),
        ];
        let out = apply_batch(&mut c, &batch, 4, chrono::Utc::now()).unwrap();
        assert_eq!((out.applied, out.away_told), (4, 2));
        let again = apply_batch(&mut c, &[told(5, "214")], 5, chrono::Utc::now()).unwrap();
        assert_eq!(again.away_told, 0, "214 was already counted");
        assert_eq!(away_told::summary(&c).unwrap().0, 2);
        away_told::acknowledge(&c).unwrap();
        assert_eq!(away_told::summary(&c).unwrap(), (0, None));
        std::fs::remove_dir_all(dir).ok();
    }
}
