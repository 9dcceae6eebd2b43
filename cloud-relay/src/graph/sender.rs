//! The worker that drains `outbox_items` to the Graph API. It starts each customer's next
//! due reply as soon as the rules of `schedule` allow (claimed durably first), records each
//! outcome the moment its call returns — with a `message_status` event for the node — and
//! keeps starting other replies while slow calls are pending. There is no batch: a hung
//! call holds its own customer's queue and one concurrency slot, nothing else.

use super::render::{classify, render, SendVerdict};
use super::schedule::{pick, InFlight, Limits, Pace};
use super::window::{self, WindowPlan};
use crate::state::AppState;
use crate::store::outbox::{Customer, DueItem, OutboxChange, OutboxUpdate};
use crate::store::{now_rfc3339, EventFate, IngestBatch};
use resto_sync::outbound::SendMessage;
use resto_sync::{MessageStatus, StatusError};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::task::{Id, JoinSet};

/// How often the queue is looked at when nothing wakes the worker (retries falling due,
/// items requeued by `resto-relay dlq retry` in another process).
const IDLE_LOOK: Duration = Duration::from_millis(500);
/// Due items read per query: enough for every free slot, bounded for one read.
const MAX_READ: usize = 256;

/// What the worker tracks between turns.
struct Worker {
    app: Arc<AppState>,
    client: reqwest::Client,
    limits: Limits,
    in_flight: InFlight,
    pace: Pace,
    tasks: JoinSet<()>,
    /// Whose send each task is, so a task that panicked still frees its customer.
    task_customer: HashMap<Id, Customer>,
}

pub async fn run(app: Arc<AppState>) {
    let client = match reqwest::Client::builder()
        .timeout(Duration::from_millis(app.config.send.timeout_ms))
        .connect_timeout(Duration::from_secs(5))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "cannot build the Graph API client; replies will not be sent");
            return;
        }
    };
    let s = &app.config.send;
    let limits = Limits {
        global: s.concurrency.max(1),
        per_account: s.account_concurrency.max(1),
        account_rate: s.account_rate,
    };
    let mut w = Worker {
        app: app.clone(),
        client,
        limits,
        in_flight: InFlight::default(),
        pace: Pace::default(),
        tasks: JoinSet::new(),
        task_customer: HashMap::new(),
    };
    loop {
        let wake = w.start_due().await;
        let app = w.app.clone();
        tokio::select! {
            Some(done) = w.tasks.join_next_with_id(), if !w.tasks.is_empty() => {
                w.finished(done);
                while let Some(done) = w.tasks.try_join_next_with_id() {
                    w.finished(done);
                }
            }
            _ = app.outbox_ready.notified() => {}
            _ = tokio::time::sleep(wake) => {}
        }
    }
}

impl Worker {
    /// Claims and starts every reply that may go now; returns how long to wait at most
    /// before looking again.
    async fn start_due(&mut self) -> Duration {
        loop {
            let free = self.limits.global.saturating_sub(self.in_flight.len());
            let now = Instant::now();
            let (mut skip, paced_until) = self.pace.exhausted(self.limits.account_rate, now);
            let wake = paced_until.map_or(IDLE_LOOK, |t| {
                t.saturating_duration_since(now).min(IDLE_LOOK)
            });
            if free == 0 {
                return wake;
            }
            skip.extend(self.in_flight.full_accounts(&self.limits));
            let due = match self
                .app
                .store
                .due_outbox(free.min(MAX_READ) as u32, skip)
                .await
            {
                Ok(d) => d,
                Err(e) => {
                    tracing::error!(error = %e, "cannot read the outbox; retrying");
                    return Duration::from_secs(1);
                }
            };
            let offered = due.len();
            let chosen = {
                let customers: Vec<&Customer> = due.iter().map(|d| &d.customer).collect();
                pick(
                    &customers,
                    &self.in_flight,
                    &self.limits,
                    &mut self.pace,
                    now,
                )
            };
            if chosen.is_empty() {
                return wake;
            }
            let mut due: Vec<Option<DueItem>> = due.into_iter().map(Some).collect();
            let items: Vec<DueItem> = chosen.iter().filter_map(|&i| due[i].take()).collect();
            let wanted = items.len();
            let items = match self.claim(items).await {
                Ok(items) => items,
                Err(e) => {
                    tracing::error!(error = %e, "cannot claim outbox items; retrying");
                    return Duration::from_secs(1);
                }
            };
            let got = items.len();
            for item in items {
                let customer = item.customer.clone();
                let task = self
                    .tasks
                    .spawn(deliver(self.app.clone(), self.client.clone(), item));
                self.task_customer.insert(task.id(), customer.clone());
                self.in_flight.start(customer);
            }
            // Another relay (PostgreSQL) took some of them first: look again for what is left.
            if got < wanted {
                continue;
            }
            // Everything due was offered and all of it started: nothing more until a send
            // finishes, new items arrive or a retry falls due. Otherwise look again: what
            // was skipped may belong to an account that is now full (skipped by the query).
            if offered < free.min(MAX_READ) && chosen.len() == offered {
                return wake;
            }
        }
    }

    /// Counts the attempt and leases the items (durably) before any call leaves: a relay
    /// killed mid-send sends them again once the lease runs out, never earlier. Returns the
    /// items this relay holds (on PostgreSQL another relay may have claimed some first).
    async fn claim(&self, items: Vec<DueItem>) -> Result<Vec<DueItem>, crate::store::StoreError> {
        let until =
            chrono::Utc::now() + chrono::Duration::seconds(self.app.config.send.lease_secs as i64);
        self.app.store.claim(items, until).await
    }

    fn finished(&mut self, done: Result<(Id, ()), tokio::task::JoinError>) {
        let id = match done {
            Ok((id, ())) => id,
            Err(e) => {
                tracing::error!(error = %e, "send task failed; the lease will retry its reply");
                e.id()
            }
        };
        if let Some(c) = self.task_customer.remove(&id) {
            self.in_flight.finish(&c);
        }
    }
}

/// Sends one reply and records its outcome at once (the writer groups it with whatever else
/// commits now), so a crash after Graph's 200 resends it only if it hit before this commit.
async fn deliver(app: Arc<AppState>, client: reqwest::Client, item: DueItem) {
    let update = send_one(&app, &client, &item).await;
    if let Err(e) = commit(&app, vec![update]).await {
        tracing::error!(node_id = %item.node_id, outbox_id = %item.id, error = %e, "cannot record a send outcome; the lease will retry the reply");
    }
}

async fn commit(
    app: &AppState,
    updates: Vec<OutboxUpdate>,
) -> Result<(), crate::store::StoreError> {
    let out = app
        .store
        .ingest(IngestBatch {
            outbox_updates: updates,
            ..Default::default()
        })
        .await?;
    for f in out.fates {
        if let EventFate::Appended { node_id, seq } = f {
            app.channels.appended(&node_id, seq);
        }
    }
    Ok(())
}

fn at(after: Duration) -> String {
    let t = chrono::Utc::now() + chrono::Duration::from_std(after).unwrap_or_default();
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Exponential backoff with ±20 % jitter, capped.
fn backoff(base_ms: u64, max_ms: u64, attempt: u32) -> Duration {
    let exp = base_ms.saturating_mul(1u64 << attempt.saturating_sub(1).min(20));
    let capped = exp.min(max_ms) as f64;
    let jitter = 0.8 + rand::random::<f64>() * 0.4;
    Duration::from_millis((capped * jitter) as u64)
}

async fn send_one(app: &AppState, client: &reqwest::Client, item: &DueItem) -> OutboxUpdate {
    let attempt = item.attempts + 1;
    let payload: serde_json::Value = serde_json::from_str(&item.payload).unwrap_or_default();
    let (msg, verdict) = match SendMessage::from_payload(&payload) {
        Err(e) => (None, SendVerdict::Permanent { code: 0, error: e }),
        Ok(msg) => match fit_window(app, msg).await {
            Ok(msg) => {
                let verdict = attempt_send(app, client, &msg).await;
                (Some(msg), verdict)
            }
            Err((msg, error)) => (
                Some(msg),
                SendVerdict::Permanent {
                    code: window::OUTSIDE_WINDOW_CODE,
                    error,
                },
            ),
        },
    };
    let status = |status: &str, msg_id: String, errors: Vec<StatusError>| {
        msg.as_ref().map(|m| {
            serde_json::to_string(&MessageStatus {
                provider: m.provider,
                account_id: m.account_id.clone(),
                msg_id,
                status: status.to_string(),
                timestamp: now_rfc3339(),
                recipient_id: Some(m.to.clone()),
                recipient_bsuid: None,
                correlation_id: m.correlation_id.clone(),
                errors,
                outbox_id: Some(item.id.clone()),
            })
            .unwrap_or_default()
        })
    };
    let update = |change: OutboxChange, status_event: Option<String>| OutboxUpdate {
        node_id: item.node_id.clone(),
        id: item.id.clone(),
        change,
        status_event,
    };
    let channel = msg.as_ref().map(|m| m.provider.as_str()).unwrap_or("-");
    let (error, code) = match verdict {
        SendVerdict::Sent { provider_msg_id } => {
            tracing::info!(node_id = %item.node_id, outbox_id = %item.id, channel, msg_id = %provider_msg_id, attempt, "reply sent");
            let event = status("sent", provider_msg_id.clone(), Vec::new());
            return update(OutboxChange::Sent { provider_msg_id }, event);
        }
        SendVerdict::Retry { error, after_secs } if attempt < app.config.send.max_attempts => {
            let s = &app.config.send;
            let mut delay = backoff(s.retry_base_ms, s.retry_max_ms, attempt);
            if let Some(secs) = after_secs {
                delay = delay.max(Duration::from_secs(secs));
            }
            tracing::info!(node_id = %item.node_id, outbox_id = %item.id, channel, attempt, delay_ms = delay.as_millis() as u64, error = %error, "reply will be retried; the customer's later replies wait for it");
            return update(
                OutboxChange::Retry {
                    at: at(delay),
                    error,
                },
                None,
            );
        }
        SendVerdict::Retry { error, .. } => {
            tracing::warn!(node_id = %item.node_id, outbox_id = %item.id, channel, attempt, error = %error, "reply failed after the last attempt; dead-lettered");
            (format!("{error} (after {attempt} attempts)"), 0)
        }
        SendVerdict::Permanent { code, error } => {
            tracing::warn!(node_id = %item.node_id, outbox_id = %item.id, channel, code, error = %error, "reply refused; dead-lettered");
            (error, code)
        }
    };
    // Dead-lettered: the customer's later replies are released, not held behind it (a
    // reply Graph refuses rarely makes the next one wrong, and holding them would silence
    // the customer until an operator acts). The node and the DLQ are told how many.
    let released_later = match app.store.queued_after(item).await {
        Ok(n) => n,
        Err(e) => {
            tracing::warn!(outbox_id = %item.id, error = %e, "cannot count the replies released after a dead letter");
            0
        }
    };
    if released_later > 0 {
        tracing::info!(node_id = %item.node_id, outbox_id = %item.id, released_later, "later replies to this customer are released");
    }
    let errors = vec![StatusError {
        code,
        title: Some(error.clone()),
        details: (released_later > 0).then(|| released_note(released_later)),
    }];
    update(
        OutboxChange::Dead {
            error,
            released_later,
        },
        status("failed", item.id.clone(), errors),
    )
}

/// What the node reads in a `failed` status about the customer's later replies.
pub fn released_note(released_later: u32) -> String {
    format!(
        "released {released_later} later repl{} to this customer: they are sent without this one",
        if released_later == 1 { "y" } else { "ies" }
    )
}

/// The message as it may leave under Meta's customer-service window: as written, as the
/// route's template, or not at all (`Err` with why). When the relay cannot tell (database
/// error), it sends and lets Meta decide: its 131047 is dead-lettered the same way.
async fn fit_window(
    app: &AppState,
    msg: SendMessage,
) -> Result<SendMessage, (SendMessage, String)> {
    let w = match app
        .store
        .window(msg.provider, &msg.account_id, &msg.to)
        .await
    {
        Ok(w) => w,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the customer's window; sending as written");
            return Ok(msg);
        }
    };
    let last = w
        .last_inbound_at
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
        .map(|t| t.with_timezone(&chrono::Utc));
    match window::plan(msg.clone(), last, chrono::Utc::now(), w.template.as_deref()) {
        WindowPlan::Send(m) => Ok(m),
        WindowPlan::AsTemplate(m) => {
            tracing::info!(channel = m.provider.as_str(), account_id = %m.account_id, "late notice sent as the route's template");
            Ok(m)
        }
        WindowPlan::Hold(why) => Err((msg, why)),
    }
}

async fn attempt_send(app: &AppState, client: &reqwest::Client, msg: &SendMessage) -> SendVerdict {
    let token = match app.store.access_token(msg.provider, &msg.account_id).await {
        Ok(Some(t)) => t,
        Ok(None) => {
            return SendVerdict::Permanent {
                code: 0,
                error: format!(
                    "no access token for route {} {}: set one with `resto-relay route add … --access-token-file`",
                    msg.provider, msg.account_id
                ),
            }
        }
        Err(e) => {
            return SendVerdict::Retry {
                error: e.to_string(),
                after_secs: None,
            }
        }
    };
    let req = match render(msg) {
        Ok(r) => r,
        Err(e) => return SendVerdict::Permanent { code: 0, error: e },
    };
    let url = format!(
        "{}{}",
        app.config.meta.graph_url.trim_end_matches('/'),
        req.path
    );
    match client
        .post(&url)
        .bearer_auth(token)
        .json(&req.body)
        .send()
        .await
    {
        Ok(resp) => {
            let status = resp.status().as_u16();
            let retry_after = resp
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let body = resp.bytes().await.unwrap_or_default();
            classify(status, retry_after.as_deref(), &body)
        }
        Err(e) => SendVerdict::Retry {
            error: format!("network: {e}"),
            after_secs: None,
        },
    }
}
