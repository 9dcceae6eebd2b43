//! Away notices (issue 15, docs/relay.md § Away notices): a customer who writes while their
//! restaurant's node has not polled for a while is told once per outage that the message is
//! saved. The writer calls `tell_once` inside the transaction that stores the message, so the
//! notice, its outbox item and the event's flag commit together or not at all.

use super::{NewEvent, NewOutboxItem, StoreError};
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use resto_sync::outbound::{OutgoingMessage, SendMessage};
use resto_sync::Provider;
use rusqlite::{params, Connection};

/// What the webhook path decided for one customer message before it reaches the writer:
/// the route wants notices, and this is the text in the customer's language. Whether the
/// node is away, and whether the customer was already told, only the writer can know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwayNotice {
    /// The node counts as away when its last poll is older than this.
    pub after: Duration,
    /// Who to answer (the message's `user_id`).
    pub to: String,
    pub text: String,
}

/// A message stored while its node was away: the customer was told (now or earlier in the
/// same outage). Reported to the webhook handler for metrics and to wake the sender.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwayFlag {
    pub node_id: String,
    pub provider: Provider,
    /// True when this message queued the notice; false when an earlier one had.
    pub notice_queued: bool,
}

/// The start of the node's outage if it is away at `now`, else `None`. A node is away when
/// it has not polled for longer than `after`: since its last poll (`last_seen_at`;
/// `created_at` if it never polled), or since this relay started (`relay_up_since`) if that
/// is later — while the relay itself was down no node could poll, and after a relay restart
/// the devices are back within seconds. The returned value names the outage: it stays the
/// same until the node polls again (or the relay restarts).
///
/// A long-poll counts from its start, so `after` must exceed the longest poll a node holds
/// (60 s at most, 25 s for the edge's default): `[away] after_secs` defaults to 180.
pub fn outage_since(
    now: DateTime<Utc>,
    last_seen_at: Option<&str>,
    created_at: &str,
    relay_up_since: DateTime<Utc>,
    after: Duration,
) -> Option<String> {
    let seen = DateTime::parse_from_rfc3339(last_seen_at.unwrap_or(created_at))
        .ok()?
        .with_timezone(&Utc)
        .max(relay_up_since);
    (now - seen > after).then(|| seen.to_rfc3339_opts(SecondsFormat::Millis, true))
}

/// What `tell_once` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Told {
    /// The node is not away: nothing to say, no flag.
    NotAway,
    /// First message of this customer in the outage: the notice is queued.
    Now,
    /// The customer was already told in this outage: flag only.
    Earlier,
}

/// Inside the writer's transaction: if the node is away, records the customer as told in
/// this outage and, the first time, queues the notice as an outbox item of the node (sent by
/// the Graph sender like any reply). `presence` is the node's `(last_seen_at, created_at)`;
/// `ids` the node's and the new event's.
pub(super) fn tell_once(
    conn: &Connection,
    presence: &(Option<String>, String),
    relay_up_since: DateTime<Utc>,
    ids: (&str, &str),
    ev: &NewEvent,
    notice: &AwayNotice,
    now: &str,
) -> Result<Told, StoreError> {
    let (node_id, event_id) = ids;
    let at = DateTime::parse_from_rfc3339(now)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|_| Utc::now());
    let (last_seen, created) = (presence.0.as_deref(), presence.1.as_str());
    let Some(outage) = outage_since(at, last_seen, created, relay_up_since, notice.after) else {
        return Ok(Told::NotAway);
    };
    let outbox_id = format!("away-{event_id}");
    let first =
        conn.prepare_cached(
            "INSERT OR IGNORE INTO away_notices \
             (node_id, outage_since, provider, account_id, user_id, outbox_id, told_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![
            node_id,
            outage,
            ev.provider.as_str(),
            ev.account_id,
            notice.to,
            outbox_id,
            now
        ])? == 1;
    if !first {
        return Ok(Told::Earlier);
    }
    let payload = SendMessage {
        provider: ev.provider,
        account_id: ev.account_id.clone(),
        to: notice.to.clone(),
        correlation_id: Some(outbox_id.clone()),
        message: OutgoingMessage::Text {
            text: notice.text.clone(),
        },
    };
    let item = NewOutboxItem {
        node_id: node_id.to_string(),
        id: outbox_id,
        kind: "send_message".into(),
        created_at: now.to_string(),
        payload: serde_json::to_string(&payload)
            .map_err(|e| StoreError::Invalid(format!("away notice: {e}")))?,
    };
    // The queue every reply goes through, so the notice keeps its place in the customer's
    // order like one the node had queued.
    super::outbox::insert(conn, &item, now)?;
    Ok(Told::Now)
}

/// The node's `(last_seen_at, created_at)`, read once per group by the writer.
pub(super) fn presence(
    conn: &Connection,
    node_id: &str,
) -> Result<(Option<String>, String), StoreError> {
    Ok(conn
        .prepare_cached("SELECT last_seen_at, created_at FROM nodes WHERE id = ?1")?
        .query_row(params![node_id], |r| Ok((r.get(0)?, r.get(1)?)))?)
}

/// Housekeeping: forgets who was told before `before` (the notices themselves are outbox
/// items, purged with the other sent replies). A node away for longer than that tells its
/// customers once more, which is the right thing after so long.
pub const PURGE_AWAY_NOTICES: &str = "DELETE FROM away_notices WHERE told_at < ?1";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{admin, migrate, open_connection, IngestBatch, Store};
    use resto_sync::EventKind;

    /// A customer message whose node counts as away at once (a negative threshold).
    fn message(key: &str, customer: &str) -> IngestBatch {
        IngestBatch {
            events: vec![NewEvent {
                provider: Provider::Wa,
                account_id: "1".into(),
                msg_id: key.into(),
                dedupe_key: key.into(),
                label: "text".into(),
                kind: EventKind::InboundMessage,
                payload: "{}".into(),
                away: Some(AwayNotice {
                    after: Duration::seconds(-1),
                    to: customer.into(),
                    text: "C'est enregistré".into(),
                }),
            }],
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn a_customer_is_told_once_per_outage_and_every_message_is_flagged() {
        let dir = std::env::temp_dir().join(format!("relay-away-{}", ulid::Ulid::new()));
        let path = dir.join("relay.db");
        migrate(&path).unwrap();
        let node = {
            let mut c = open_connection(&path).unwrap();
            let n = admin::add_node(&mut c, "n").unwrap();
            admin::add_route(&mut c, Provider::Wa, "1", &n.id, None).unwrap();
            n.id
        };
        let store = Store::open(&path).unwrap();
        let flag = |queued: bool| {
            vec![AwayFlag {
                node_id: node.clone(),
                provider: Provider::Wa,
                notice_queued: queued,
            }]
        };
        let told = |out: crate::store::IngestOutcome| out.away;
        assert_eq!(
            told(store.ingest(message("m1", "213")).await.unwrap()),
            flag(true)
        );
        assert_eq!(
            told(store.ingest(message("m2", "213")).await.unwrap()),
            flag(false)
        );
        assert_eq!(
            told(store.ingest(message("m3", "214")).await.unwrap()),
            flag(true)
        );
        let retry = store.ingest(message("m1", "213")).await.unwrap();
        assert!(retry.away.is_empty(), "a Meta retry is a duplicate");
        // The node polls: its next outage tells its customers again.
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        let poll = IngestBatch {
            ack: Some((node.clone(), 0)),
            ..Default::default()
        };
        store.ingest(poll).await.unwrap();
        assert_eq!(
            told(store.ingest(message("m4", "213")).await.unwrap()),
            flag(true)
        );

        let events = store.events_after(&node, 0, 10).await.unwrap();
        assert_eq!(events.len(), 4);
        assert!(events.iter().all(|e| e.away_notice));
        let c = open_connection(&path).unwrap();
        let notices: Vec<(String, String)> = c
            .prepare("SELECT id, payload FROM outbox_items ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(notices.len(), 3);
        assert!(notices.iter().all(|(id, _)| id.starts_with("away-evt_")));
        let payload: serde_json::Value = serde_json::from_str(&notices[0].1).unwrap();
        assert_eq!(payload["message"]["text"], "C'est enregistré");
        assert_eq!(payload["provider"], "wa");
        std::fs::remove_dir_all(dir).ok();
    }

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    /// A relay up for days: only the node's polls matter.
    fn up() -> DateTime<Utc> {
        t("2026-11-01T00:00:00Z")
    }

    #[test]
    fn a_node_is_away_once_its_last_poll_is_older_than_the_threshold() {
        let after = Duration::minutes(3);
        let seen = Some("2026-12-04T10:00:00.000Z");
        let created = "2026-12-01T09:00:00.000Z";
        let away = |now: &str| outage_since(t(now), seen, created, up(), after);
        assert_eq!(away("2026-12-04T10:02:59Z"), None);
        assert_eq!(
            away("2026-12-04T10:03:00Z"),
            None,
            "exactly the threshold is not yet away"
        );
        assert_eq!(
            away("2026-12-04T10:03:01Z"),
            Some("2026-12-04T10:00:00.000Z".into())
        );
        assert_eq!(
            away("2026-12-04T18:00:00Z"),
            Some("2026-12-04T10:00:00.000Z".into()),
            "the whole outage has one name"
        );
    }

    #[test]
    fn a_node_that_never_polled_is_away_counted_from_its_creation() {
        let after = Duration::minutes(3);
        let created = "2026-12-04T10:00:00.000Z";
        assert_eq!(
            outage_since(t("2026-12-04T10:01:00Z"), None, created, up(), after),
            None,
            "a node just added is not away yet"
        );
        assert_eq!(
            outage_since(t("2026-12-04T11:00:00Z"), None, created, up(), after),
            Some(created.into())
        );
        assert_eq!(
            outage_since(
                t("2026-12-04T11:00:00Z"),
                Some("garbage"),
                created,
                up(),
                after
            ),
            None,
            "an unreadable time never makes a node look away"
        );
    }

    #[test]
    fn after_a_relay_restart_nodes_get_time_to_come_back() {
        let after = Duration::minutes(3);
        let seen = Some("2026-12-04T09:00:00.000Z");
        let created = "2026-12-01T09:00:00.000Z";
        let restarted = t("2026-12-04T10:00:00Z");
        assert_eq!(
            outage_since(t("2026-12-04T10:01:00Z"), seen, created, restarted, after),
            None,
            "the relay was down, not the node"
        );
        assert_eq!(
            outage_since(t("2026-12-04T10:03:01Z"), seen, created, restarted, after),
            Some("2026-12-04T10:00:00.000Z".into()),
            "still silent three minutes after the restart: away"
        );
    }
}
