//! Applying relay events on the edge: each poll's batch in ONE transaction together with the
//! new cursor, each event recorded in `applied_events` so a resent event is never applied
//! twice (effectively-once). A customer message runs the conversation (`chat`) inside the
//! same transaction: reply rows, order and cursor commit together or not at all.

use crate::chat::{self, Kit};
use crate::store::Cached;
use chrono::{DateTime, Utc};
use resto_sync::{Event, EventKind, InboundMessage, MessageStatus};
use rusqlite::{params, Connection, Transaction};

/// What one batch did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Applied {
    pub applied: usize,
    pub skipped_duplicates: usize,
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
    let at = now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let mut kit: Option<Kit> = None;
    for ev in events {
        let fresh = tx.run(
            "INSERT OR IGNORE INTO applied_events (event_id, seq, applied_at) VALUES (?1, ?2, ?3)",
            params![ev.id, ev.seq as i64, at],
        )?;
        if fresh == 0 {
            out.skipped_duplicates += 1;
            continue;
        }
        apply_event(&tx, ev, &mut kit, now)?;
        out.applied += 1;
    }
    tx.run(
        "UPDATE sync_state SET cursor = max(cursor, ?1), last_sync_at = ?2, offline_since = NULL WHERE id = 1",
        params![next_after as i64, at],
    )?;
    if let Some(t) = events
        .last()
        .and_then(|e| DateTime::parse_from_rfc3339(&e.received_at).ok())
    {
        let lag = (now - t.with_timezone(&Utc)).num_milliseconds().max(0);
        tx.run(
            "UPDATE sync_state SET relay_lag_ms = ?1 WHERE id = 1",
            params![lag],
        )?;
    }
    tx.commit()?;
    Ok(out)
}

/// The one place an event changes edge state. Inbound messages are handed to
/// `on_inbound_message`, which the ordering engine owns (issue 4).
fn apply_event(
    tx: &Transaction<'_>,
    ev: &Event,
    kit: &mut Option<Kit>,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    match ev.kind {
        EventKind::InboundMessage => {
            match serde_json::from_value::<InboundMessage>(ev.payload.clone()) {
                Ok(msg) => {
                    let fresh = on_inbound_message(tx, &ev.id, &msg)?;
                    if fresh {
                        let kit = match kit {
                            Some(k) => k,
                            None => kit.insert(Kit::load(tx)?),
                        };
                        chat::handle_message(tx, kit, &msg, now)?;
                    }
                    Ok(())
                }
                Err(e) => {
                    tracing::error!(event_id = %ev.id, error = %e, "unreadable inbound message kept as raw");
                    Ok(())
                }
            }
        }
        EventKind::MessageStatus => {
            if let Ok(st) = serde_json::from_value::<MessageStatus>(ev.payload.clone()) {
                tx.run(
                    "INSERT OR REPLACE INTO message_statuses (msg_id, status, outbox_id, at, payload) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![st.msg_id, st.status, st.outbox_id, st.timestamp, ev.payload.to_string()],
                )?;
            }
            Ok(())
        }
        EventKind::PaymentUpdate => {
            match serde_json::from_value::<resto_sync::payment::PaymentUpdate>(ev.payload.clone()) {
                Ok(u) => crate::payments::apply_update(tx, &u, now),
                Err(e) => {
                    tracing::error!(event_id = %ev.id, error = %e, "unreadable payment update skipped");
                    Ok(())
                }
            }
        }
        EventKind::ConfigUpdate => Ok(()),
    }
}

/// Stores the customer's message for the console; false when the same message (provider,
/// msg_id) was already stored under another event, so it is not answered twice.
pub fn on_inbound_message(
    tx: &Transaction<'_>,
    event_id: &str,
    msg: &InboundMessage,
) -> rusqlite::Result<bool> {
    let n = tx.run(
        "INSERT OR IGNORE INTO inbound_messages (provider, msg_id, event_id, user_id, kind, received_at, payload) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            msg.provider.as_str(),
            msg.msg_id,
            event_id,
            msg.user_id,
            msg.kind.as_str(),
            msg.timestamp,
            serde_json::to_string(msg).unwrap_or_default()
        ],
    )?;
    Ok(n == 1)
}

pub fn cursor(conn: &Connection) -> rusqlite::Result<u64> {
    conn.row("SELECT cursor FROM sync_state WHERE id = 1", [], |r| {
        r.get::<_, i64>(0)
    })
    .map(|c| c as u64)
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
        }
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
                skipped_duplicates: 0
            }
        );
        assert_eq!(
            apply_batch(&mut c, &batch, 2, chrono::Utc::now()).unwrap(),
            Applied {
                applied: 0,
                skipped_duplicates: 2
            }
        );
        assert_eq!(
            apply_batch(&mut c, &[], 1, chrono::Utc::now())
                .unwrap()
                .applied,
            0
        );
        assert_eq!(cursor(&c).unwrap(), 2);
        let n: i64 = c
            .row("SELECT count(*) FROM inbound_messages", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 2);
        std::fs::remove_dir_all(dir).ok();
    }
}
