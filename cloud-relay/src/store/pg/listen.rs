//! Wake-ups across relays: a node's long-poll may be held by relay B while relay A stores
//! the node's event. Every ingest transaction that appends to a node sends
//! `NOTIFY relay_events, '<node_id> <last_seq>'` (delivered at commit); each relay keeps one
//! connection that LISTENs and wakes its local polls.
//!
//! Notifications are lost while that connection is down, so a slow fallback poll compares
//! every node's `last_seq` with what it saw last and wakes the nodes that moved; after every
//! (re)connect it wakes every node once, as anything may have been missed.

use super::super::StoreError;
use super::writer::{parse_notification, CHANNEL};
use super::PgStore;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_postgres::AsyncMessage;

/// Whoever holds the waiting polls (`state::NodeChannels` in the server).
pub trait AppendSink: Send + Sync + 'static {
    /// Events up to `seq` may be stored for `node_id`: wake its poll, if any.
    fn appended(&self, node_id: &str, seq: u64);
}

/// The running listener; stops when dropped.
pub struct Listener {
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// How long to wait before reconnecting a lost LISTEN connection.
const RECONNECT: Duration = Duration::from_secs(1);

impl PgStore {
    /// Starts listening. `fallback` is the slow poll's period (a few seconds in production).
    pub fn listen(&self, sink: Arc<dyn AppendSink>, fallback: Duration) -> Listener {
        let store = self.clone();
        Listener {
            task: tokio::spawn(async move { store.listen_loop(sink, fallback).await }),
        }
    }

    async fn listen_loop(self, sink: Arc<dyn AppendSink>, fallback: Duration) {
        let mut seen: HashMap<String, i64> = HashMap::new();
        let mut tick = tokio::time::interval(fallback);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let (tx, mut rx) = mpsc::unbounded_channel();
            match self.listening_connection(tx).await {
                Ok(client) => {
                    tracing::info!(
                        channel = CHANNEL,
                        "listening for events stored by other relays"
                    );
                    // Anything may have been stored while nobody listened.
                    self.scan(&mut seen, &*sink, true).await;
                    loop {
                        tokio::select! {
                            msg = rx.recv() => match msg {
                                Some(AsyncMessage::Notification(n)) => {
                                    match parse_notification(n.payload()) {
                                        Some((node, seq)) => sink.appended(node, seq),
                                        None => tracing::warn!(payload = n.payload(), "unreadable event notification"),
                                    }
                                }
                                Some(_) => {}
                                // The connection is gone.
                                None => break,
                            },
                            _ = tick.tick() => self.scan(&mut seen, &*sink, false).await,
                        }
                    }
                    drop(client);
                    tracing::warn!("LISTEN connection lost; reconnecting, polling meanwhile");
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot LISTEN for events; retrying, polling meanwhile");
                }
            }
            // Waiting polls are not left without news while reconnecting.
            let retry = tokio::time::sleep(RECONNECT);
            tokio::pin!(retry);
            loop {
                tokio::select! {
                    _ = &mut retry => break,
                    _ = tick.tick() => self.scan(&mut seen, &*sink, false).await,
                }
            }
        }
    }

    async fn listening_connection(
        &self,
        messages: mpsc::UnboundedSender<AsyncMessage>,
    ) -> Result<tokio_postgres::Client, StoreError> {
        let client = self.target().connect_one(Some(messages)).await?;
        client.batch_execute(&format!("LISTEN {CHANNEL}")).await?;
        Ok(client)
    }

    /// The fallback poll: wakes the nodes whose `last_seq` moved since the last scan (all of
    /// them when `everyone`).
    async fn scan(&self, seen: &mut HashMap<String, i64>, sink: &dyn AppendSink, everyone: bool) {
        let rows = match self.pool().get().await {
            Ok(c) => c.query("SELECT id, last_seq FROM nodes", &[]).await,
            Err(e) => {
                tracing::warn!(error = %e, "fallback poll: no database connection");
                return;
            }
        };
        match rows {
            Ok(rows) => {
                for r in rows {
                    let (node, seq): (String, i64) = (r.get(0), r.get(1));
                    let moved = seen.get(&node) != Some(&seq);
                    if moved || everyone {
                        sink.appended(&node, seq as u64);
                    }
                    seen.insert(node, seq);
                }
            }
            Err(e) => tracing::warn!(error = %e, "fallback poll failed"),
        }
    }
}
