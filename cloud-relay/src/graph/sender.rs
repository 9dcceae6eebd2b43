//! The worker that drains `outbox_items` to the Graph API: claim due items (durably), send
//! them concurrently, record each outcome and tell the node through a `message_status` event.

use super::render::{classify, render, SendVerdict};
use crate::http::AppState;
use crate::store::outbox::{DueItem, OutboxChange, OutboxUpdate};
use crate::store::{now_rfc3339, EventFate, IngestBatch};
use resto_sync::outbound::SendMessage;
use resto_sync::{MessageStatus, StatusError};
use std::sync::Arc;
use std::time::Duration;

const BATCH: u32 = 32;

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
    loop {
        let due = match app.store.due_outbox(BATCH).await {
            Ok(d) => d,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the outbox; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if due.is_empty() {
            tokio::select! {
                _ = app.outbox_ready.notified() => {}
                _ = tokio::time::sleep(Duration::from_millis(500)) => {}
            }
            continue;
        }
        // A relay killed mid-send retries the claimed items once the lease runs out.
        let until = at(Duration::from_secs(app.config.send.lease_secs));
        let claims = due
            .iter()
            .map(|d| OutboxUpdate {
                node_id: d.node_id.clone(),
                id: d.id.clone(),
                change: OutboxChange::Claim {
                    until: until.clone(),
                },
                status_event: None,
            })
            .collect();
        if let Err(e) = commit(&app, claims).await {
            tracing::error!(error = %e, "cannot claim outbox items; retrying");
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        let mut set = tokio::task::JoinSet::new();
        for item in due {
            set.spawn(send_one(app.clone(), client.clone(), item));
        }
        let mut updates = Vec::new();
        while let Some(r) = set.join_next().await {
            match r {
                Ok(u) => updates.push(u),
                Err(e) => tracing::error!(error = %e, "send task failed; the lease will retry it"),
            }
        }
        if let Err(e) = commit(&app, updates).await {
            tracing::error!(error = %e, "cannot record send outcomes; the lease will retry them");
        }
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

async fn send_one(app: Arc<AppState>, client: reqwest::Client, item: DueItem) -> OutboxUpdate {
    let attempt = item.attempts + 1;
    let payload: serde_json::Value = serde_json::from_str(&item.payload).unwrap_or_default();
    let outcome = match SendMessage::from_payload(&payload) {
        Err(e) => (None, SendVerdict::Permanent { code: 0, error: e }),
        Ok(msg) => {
            let verdict = attempt_send(&app, &client, &msg).await;
            (Some(msg), verdict)
        }
    };
    let (msg, verdict) = outcome;
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
    let dead = |error: String, code: i64| OutboxUpdate {
        node_id: item.node_id.clone(),
        id: item.id.clone(),
        status_event: status(
            "failed",
            item.id.clone(),
            vec![StatusError {
                code,
                title: Some(error.clone()),
                details: None,
            }],
        ),
        change: OutboxChange::Dead { error },
    };
    let channel = msg.as_ref().map(|m| m.provider.as_str()).unwrap_or("-");
    match verdict {
        SendVerdict::Sent { provider_msg_id } => {
            tracing::info!(node_id = %item.node_id, outbox_id = %item.id, channel, msg_id = %provider_msg_id, attempt, "reply sent");
            OutboxUpdate {
                node_id: item.node_id.clone(),
                id: item.id.clone(),
                status_event: status("sent", provider_msg_id.clone(), Vec::new()),
                change: OutboxChange::Sent { provider_msg_id },
            }
        }
        SendVerdict::Permanent { code, error } => {
            tracing::warn!(node_id = %item.node_id, outbox_id = %item.id, channel, code, error = %error, "reply refused; dead-lettered");
            dead(error, code)
        }
        SendVerdict::Retry { error, .. } if attempt >= app.config.send.max_attempts => {
            tracing::warn!(node_id = %item.node_id, outbox_id = %item.id, channel, attempt, error = %error, "reply failed after the last attempt; dead-lettered");
            dead(format!("{error} (after {attempt} attempts)"), 0)
        }
        SendVerdict::Retry { error, after_secs } => {
            let s = &app.config.send;
            let mut delay = backoff(s.retry_base_ms, s.retry_max_ms, attempt);
            if let Some(secs) = after_secs {
                delay = delay.max(Duration::from_secs(secs));
            }
            tracing::info!(node_id = %item.node_id, outbox_id = %item.id, channel, attempt, delay_ms = delay.as_millis() as u64, error = %error, "reply will be retried");
            OutboxUpdate {
                node_id: item.node_id.clone(),
                id: item.id.clone(),
                change: OutboxChange::Retry {
                    at: at(delay),
                    error,
                },
                status_event: None,
            }
        }
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
