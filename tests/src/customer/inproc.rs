//! The fast runner: each customer message goes through the edge's real chat path in this
//! process — the relay's own webhook parser, then `app::apply_events::apply_batch` on a
//! temp SQLite file with the demo menu — and the replies are read from the outbox, as the
//! relay would take them. No processes, no network: the whole corpus in seconds.

use super::bot::BotReply;
use super::corpus::MenuFacts;
use super::db::{self, PlacedOrder, StateView};
use super::decide::Move;
use super::run::Chat;
use chrono::{DateTime, Duration, Utc};
use resto_sync::outbound::SendMessage;
use resto_sync::{Event, EventKind};
use rusqlite::{params, Connection};
use std::path::PathBuf;

/// The shop's WhatsApp number id (any routed id works in-process).
const PHONE: &str = "109876543210987";

/// An edge database with the demo menu, open around the clock.
pub struct InProcess {
    conn: Connection,
    dir: PathBuf,
    seq: u64,
    outbox_seen: i64,
    start: DateTime<Utc>,
}

impl InProcess {
    pub fn open() -> Result<InProcess, String> {
        let dir = crate::temp_dir("corpus");
        let mut conn =
            resto_edge::store::open(&dir.join("edge.db")).map_err(|e| format!("edge.db: {e}"))?;
        let menu = std::fs::read(crate::always_open_menu(&dir)).map_err(|e| e.to_string())?;
        let start: DateTime<Utc> = "2026-11-23T11:00:00Z".parse().expect("a time");
        resto_edge::store::menu::import_json(&mut conn, &menu, &resto_edge::store::fmt_ts(start))
            .map_err(|e| format!("menu import: {e}"))?;
        Ok(InProcess {
            conn,
            dir,
            seq: 0,
            outbox_seen: 0,
            start,
        })
    }

    /// A conversation for the customer `user`.
    pub fn chat<'a>(&'a mut self, user: &str, menu: &'a MenuFacts) -> InProcessChat<'a> {
        InProcessChat {
            shop: self,
            menu,
            user: user.to_string(),
            n: 0,
        }
    }

    fn apply(&mut self, body: &[u8], wamid: &str) -> Vec<BotReply> {
        let parsed =
            resto_relay::meta::parse::parse_meta_webhook(body, &chrono::Utc::now().to_rfc3339())
                .expect("our own webhook");
        let events: Vec<Event> = parsed
            .messages
            .iter()
            .map(|m| {
                self.seq += 1;
                Event {
                    seq: self.seq,
                    id: format!("evt_corpus_{}", self.seq),
                    kind: EventKind::InboundMessage,
                    received_at: resto_edge::store::fmt_ts(self.now()),
                    payload: serde_json::to_value(m).expect("json"),
                    away_notice: false,
                }
            })
            .collect();
        let now = self.now();
        resto_edge::app::apply_events::apply_batch(&mut self.conn, &events, self.seq, now)
            .expect("apply_batch");
        let rows: Vec<(i64, String)> = {
            let mut st = self
                .conn
                .prepare("SELECT seq, payload FROM outbox WHERE seq > ?1 AND kind = 'send_message' ORDER BY seq")
                .expect("outbox");
            st.query_map(params![self.outbox_seen], |r| Ok((r.get(0)?, r.get(1)?)))
                .expect("outbox rows")
                .filter_map(Result::ok)
                .collect()
        };
        let mut replies = Vec::new();
        for (seq, payload) in rows {
            self.outbox_seen = self.outbox_seen.max(seq);
            let Ok(v) = serde_json::from_str(&payload) else {
                continue;
            };
            if let Ok(m) = SendMessage::from_payload(&v) {
                if m.correlation_id.as_deref() == Some(wamid) {
                    replies.push(BotReply::from_outgoing(&m.message));
                }
            }
        }
        replies
    }

    /// The clock the conversation sees: 20 s per message from Monday noon.
    fn now(&self) -> DateTime<Utc> {
        self.start + Duration::seconds(20 * self.seq as i64)
    }
}

impl Drop for InProcess {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub struct InProcessChat<'a> {
    shop: &'a mut InProcess,
    menu: &'a MenuFacts,
    user: String,
    n: u32,
}

impl Chat for InProcessChat<'_> {
    fn send(&mut self, m: &Move) -> Vec<BotReply> {
        self.n += 1;
        let wamid = format!("wamid.corpus.{}.{}", self.user, self.n);
        let body = super::wa_webhook(PHONE, &self.user, &wamid, m);
        self.shop.apply(&body, &wamid)
    }

    fn state(&self) -> Option<StateView> {
        db::state(&self.shop.conn, &self.user)
    }

    fn placed(&self) -> Option<PlacedOrder> {
        db::placed(&self.shop.conn, &self.user, self.menu)
    }
}
