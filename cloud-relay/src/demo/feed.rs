//! What the demo chat shows: the visitors' messages (once the relay accepted them) and the
//! bot's replies (once they reached the Graph sink), in arrival order, with a long-poll to
//! wait for the next one. In memory: a restarted demo starts with empty phones.

use super::bubble::Bubble;
use serde::Serialize;
use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::watch;

/// Enough for every conversation of a demo session; the oldest entries go first.
const KEEP: usize = 5000;

#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub seq: u64,
    /// The visitor's wa_id: whose phone shows this entry.
    pub chat: String,
    /// `visitor` (typed or tapped on the page) or `bot` (received by the Graph sink).
    pub from: &'static str,
    pub at: String,
    /// The WhatsApp message id (`wamid…`).
    pub wamid: String,
    pub bubble: Bubble,
}

pub struct Feed {
    entries: Mutex<VecDeque<Entry>>,
    latest: watch::Sender<u64>,
    closing: watch::Sender<bool>,
}

impl Default for Feed {
    fn default() -> Self {
        Feed {
            entries: Mutex::new(VecDeque::new()),
            latest: watch::channel(0).0,
            closing: watch::channel(false).0,
        }
    }
}

impl Feed {
    pub fn push(&self, chat: &str, from: &'static str, wamid: &str, bubble: Bubble) -> Entry {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        // From the last number given out, not the last entry kept: a removed entry's number is
        // never reused (a page may have seen it).
        let seq = *self.latest.borrow() + 1;
        let entry = Entry {
            seq,
            chat: chat.to_string(),
            from,
            at: crate::store::now_rfc3339(),
            wamid: wamid.to_string(),
            bubble,
        };
        entries.push_back(entry.clone());
        while entries.len() > KEEP {
            entries.pop_front();
        }
        drop(entries);
        self.latest.send_replace(seq);
        entry
    }

    /// Takes back an entry the relay refused after all (see `routes::send`).
    pub fn remove(&self, seq: u64) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.retain(|e| e.seq != seq);
    }

    fn after(&self, chat: &str, after: u64) -> Vec<Entry> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries
            .iter()
            .filter(|e| e.seq > after && e.chat == chat)
            .cloned()
            .collect()
    }

    /// The chat's entries after `after`; if none, waits up to `wait` for one (or shutdown).
    pub async fn wait_after(&self, chat: &str, after: u64, wait: Duration) -> Vec<Entry> {
        let mut latest = self.latest.subscribe();
        let mut closing = self.closing.subscribe();
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let found = self.after(chat, after);
            if !found.is_empty() || *closing.borrow() {
                return found;
            }
            tokio::select! {
                r = latest.changed() => if r.is_err() { return Vec::new() },
                _ = closing.changed() => return Vec::new(),
                _ = tokio::time::sleep_until(deadline) => return Vec::new(),
            }
        }
    }

    /// Answers every waiting page at once so the server can stop without waiting for them.
    pub fn close(&self) {
        self.closing.send_replace(true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(t: &str) -> Bubble {
        Bubble::Text { text: t.into() }
    }

    #[tokio::test]
    async fn a_waiting_page_gets_only_its_own_chat_as_soon_as_it_arrives() {
        let feed = std::sync::Arc::new(Feed::default());
        feed.push("111111111", "visitor", "w1", text("salam"));
        let f = feed.clone();
        let waiter =
            tokio::spawn(
                async move { f.wait_after("222222222", 0, Duration::from_secs(30)).await },
            );
        tokio::task::yield_now().await;
        feed.push("222222222", "bot", "w2", text("Bienvenue"));
        let got = waiter.await.unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!((got[0].seq, got[0].from), (2, "bot"));
        assert!(feed
            .wait_after("111111111", 1, Duration::ZERO)
            .await
            .is_empty());
    }

    #[tokio::test]
    async fn a_removed_entry_is_no_longer_shown_and_its_number_is_not_reused() {
        let feed = Feed::default();
        let first = feed.push("1", "visitor", "w1", text("salam"));
        feed.remove(first.seq);
        assert!(feed.wait_after("1", 0, Duration::ZERO).await.is_empty());
        let next = feed.push("1", "visitor", "w2", text("salam"));
        assert!(next.seq > first.seq);
    }

    #[tokio::test]
    async fn closing_answers_waiting_pages_at_once() {
        let feed = std::sync::Arc::new(Feed::default());
        let f = feed.clone();
        let waiter =
            tokio::spawn(async move { f.wait_after("1", 0, Duration::from_secs(3600)).await });
        tokio::task::yield_now().await;
        feed.close();
        assert!(waiter.await.unwrap().is_empty());
    }
}
