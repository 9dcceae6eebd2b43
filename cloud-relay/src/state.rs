//! `AppState`: what the running relay shares between its HTTP handlers and its background
//! workers (Graph sender, payment worker, maintenance jobs), and the per-node wake-up
//! channels that connect whoever appends an event to the node's waiting long-poll.
//!
//! Owns no behaviour of its own beyond that wiring, so workers never have to import `http`.
//! May import: `config`, `nodes`, `metrics`, `security`, `sender_rate`, `store`.

use crate::config::RelayConfig;
use crate::metrics::Metrics;
use crate::nodes::MasterKey;
use crate::security::SecurityEvent;
use crate::sender_rate::SenderRate;
use crate::store::{EventStore, IngestBatch};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{watch, Notify};

pub struct AppState {
    pub config: RelayConfig,
    pub store: EventStore,
    pub metrics: Metrics,
    pub master_key: MasterKey,
    /// Shared with the PostgreSQL listener, which wakes polls for other relays' events.
    pub channels: Arc<NodeChannels>,
    /// Signalled when new outbox items are queued, so the sender starts at once.
    pub outbox_ready: Notify,
    /// Per-sender bursts, observed only (`sender_rate`).
    pub sender_rate: Mutex<SenderRate>,
    /// Signalled when a node asks for a checkout, so the payment worker starts at once.
    pub payments_ready: Notify,
}

impl AppState {
    /// Records security events durably (before the response, so what a test or an operator
    /// reads afterwards is there) and counts them.
    pub(crate) async fn record(&self, events: Vec<SecurityEvent>) {
        for e in &events {
            self.metrics.security_event(e.kind);
            tracing::warn!(security_event = e.kind.as_str(), source = e.source.as_deref().unwrap_or("-"), reason = %e.reason, "security event");
        }
        if events.is_empty() {
            return;
        }
        let batch = IngestBatch {
            security: events,
            ..Default::default()
        };
        if let Err(e) = self.store.ingest(batch).await {
            tracing::error!(error = %e, "could not record security events");
        }
    }
}

/// Per-node wake-up channels: the webhook path announces appended seqs; a poll waits on them
/// directly instead of polling the database. A newer poll by the same node supersedes (and
/// answers empty) the older one.
#[derive(Default)]
pub struct NodeChannels {
    map: Mutex<HashMap<String, Arc<NodeChannel>>>,
}

struct NodeChannel {
    appended: watch::Sender<u64>,
    generation: watch::Sender<u64>,
}

impl NodeChannels {
    fn get(&self, node_id: &str) -> Arc<NodeChannel> {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(node_id.to_string())
            .or_insert_with(|| {
                Arc::new(NodeChannel {
                    appended: watch::channel(0).0,
                    generation: watch::channel(0).0,
                })
            })
            .clone()
    }

    /// Wakes the node's waiting poll, if any.
    pub fn appended(&self, node_id: &str, seq: u64) {
        let ch = self
            .map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(node_id)
            .cloned();
        if let Some(ch) = ch {
            ch.appended.send_replace(seq);
        }
    }

    /// Starts a poll for `node_id`: supersedes the node's previous poll. Call it before
    /// reading the database, so an event appended in between still wakes this one.
    pub fn wait(&self, node_id: &str) -> PollWaiter {
        let ch = self.get(node_id);
        let appended = ch.appended.subscribe();
        ch.generation.send_modify(|g| *g += 1);
        let mine = *ch.generation.borrow();
        let generation = ch.generation.subscribe();
        PollWaiter {
            _channel: ch,
            appended,
            generation,
            mine,
        }
    }
}

/// The PostgreSQL backend wakes polls for events stored by other relays (LISTEN/NOTIFY).
impl crate::store::pg::AppendSink for NodeChannels {
    fn appended(&self, node_id: &str, seq: u64) {
        NodeChannels::appended(self, node_id, seq);
    }
}

/// One long-poll's view of its node's channel.
pub struct PollWaiter {
    _channel: Arc<NodeChannel>,
    appended: watch::Receiver<u64>,
    generation: watch::Receiver<u64>,
    mine: u64,
}

impl PollWaiter {
    /// `true`: something may have been appended, read again. `false`: stop waiting, because a
    /// newer poll by the same node superseded this one or the channel is gone.
    pub async fn woken(&mut self) -> bool {
        tokio::select! {
            changed = self.appended.changed() => changed.is_ok(),
            _ = self.generation.changed() => *self.generation.borrow() == self.mine,
        }
    }
}
