//! Away notices on PostgreSQL (`store::away` on SQLite): a customer who writes while their
//! node has not polled for a while is told once per outage that the message is saved. Done
//! in the group's transaction, after the node rows are locked: whether the node is away is
//! read from its locked row, and the "once" is the primary key of `away_notices`, whose rows
//! of a node are only written under that lock, so two relays cannot both tell a customer.
//!
//! `up_since` is this relay's start: as on SQLite, a node is never counted away for longer
//! than the relay deciding it has been up (conservative when relays restart).

use super::super::away::{outage_since, AwayFlag, AwayNotice};
use super::super::{NewEvent, NewOutboxItem, StoreError};
use chrono::{DateTime, SecondsFormat, Utc};
use deadpool_postgres::Transaction;
use resto_sync::outbound::{OutgoingMessage, SendMessage};
use std::collections::HashMap;

/// A node's `(last_seen_at, created_at)`, from its locked row.
pub(super) type Presence = (Option<DateTime<Utc>>, DateTime<Utc>);

/// A stored customer message whose route wants away notices.
pub(super) struct Candidate<'a> {
    pub batch: usize,
    pub node_id: &'a str,
    pub event_id: &'a str,
    pub event: &'a NewEvent,
    pub notice: &'a AwayNotice,
}

/// What the group's away notices came to.
#[derive(Default)]
pub(super) struct Told {
    /// Per batch: the messages flagged (in the batch's order).
    pub flags: Vec<Vec<AwayFlag>>,
    /// Per batch: the notices to queue, before the batch's own outbox items.
    pub notices: Vec<Vec<NewOutboxItem>>,
    /// Event ids to store with `away_notice` set.
    pub flagged_events: Vec<String>,
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Decides, in group order, for each candidate: not away, told now (a notice is queued), or
/// told earlier in this outage. `acks` are the nodes that polled, per batch: a message in a
/// later batch sees that poll, as on SQLite.
pub(super) async fn tell(
    tx: &Transaction<'_>,
    candidates: &[Candidate<'_>],
    mut presence: HashMap<String, Presence>,
    acks: &[Option<&str>],
    up_since: DateTime<Utc>,
    now: &DateTime<Utc>,
) -> Result<Told, StoreError> {
    let mut told = Told {
        flags: vec![Vec::new(); acks.len()],
        notices: vec![Vec::new(); acks.len()],
        flagged_events: Vec::new(),
    };
    let mut next = candidates.iter().peekable();
    for (bi, ack) in acks.iter().enumerate() {
        while let Some(c) = next.next_if(|c| c.batch == bi) {
            let Some((seen, created)) = presence.get(c.node_id) else {
                continue;
            };
            let (seen, created) = (seen.map(rfc3339), rfc3339(*created));
            let Some(outage) =
                outage_since(*now, seen.as_deref(), &created, up_since, c.notice.after)
            else {
                continue;
            };
            let outbox_id = format!("away-{}", c.event_id);
            let first = tx
                .execute(
                    "INSERT INTO away_notices \
                     (node_id, outage_since, provider, account_id, user_id, outbox_id, told_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
                    &[
                        &c.node_id,
                        &outage,
                        &c.event.provider.as_str(),
                        &c.event.account_id,
                        &c.notice.to,
                        &outbox_id,
                        now,
                    ],
                )
                .await?
                == 1;
            if first {
                told.notices[bi].push(notice_item(c, outbox_id, now)?);
            }
            told.flagged_events.push(c.event_id.to_string());
            told.flags[bi].push(AwayFlag {
                node_id: c.node_id.to_string(),
                provider: c.event.provider,
                notice_queued: first,
            });
        }
        if let Some(node) = ack {
            if let Some(p) = presence.get_mut(*node) {
                p.0 = Some(*now);
            }
        }
    }
    Ok(told)
}

/// The notice as an outbox item of the node: it goes through the customer's queue like any
/// reply the node had queued.
fn notice_item(
    c: &Candidate<'_>,
    outbox_id: String,
    now: &DateTime<Utc>,
) -> Result<NewOutboxItem, StoreError> {
    let payload = SendMessage {
        provider: c.event.provider,
        account_id: c.event.account_id.clone(),
        to: c.notice.to.clone(),
        correlation_id: Some(outbox_id.clone()),
        message: OutgoingMessage::Text {
            text: c.notice.text.clone(),
        },
    };
    Ok(NewOutboxItem {
        node_id: c.node_id.to_string(),
        id: outbox_id,
        kind: "send_message".into(),
        created_at: rfc3339(*now),
        payload: serde_json::to_string(&payload)
            .map_err(|e| StoreError::Invalid(format!("away notice: {e}")))?,
    })
}
