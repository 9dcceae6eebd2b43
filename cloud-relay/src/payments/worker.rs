//! The two payment loops: creating the checkouts nodes ask for (woken by the outbox
//! handler), and reconciling checkouts the gateway has not settled by webhook — polling is
//! part of the design, because the gateway's webhook delivery is not guaranteed.

use super::chargily::{checkout_body, reported_state, CheckoutState};
use super::client::{Gateway, GatewayError};
use super::ledger;
use super::store::{self, CheckoutRow, Report};
use crate::state::AppState;
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use std::sync::Arc;

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn gateway(app: &AppState) -> Option<Gateway> {
    let p = &app.config.payments;
    if !p.enabled() {
        return None;
    }
    Gateway::new(
        &p.api_url,
        p.secret_key.expose(),
        std::time::Duration::from_millis(p.timeout_ms),
    )
    .map_err(|e| tracing::error!(error = %e, "cannot build the payment gateway client"))
    .ok()
}

/// Creates requested checkouts until the relay stops. Without a gateway key, requests are
/// answered `unavailable` so customers are offered cash instead of waiting.
pub async fn create_loop(app: Arc<AppState>) {
    let gw = gateway(&app);
    loop {
        if let Err(e) = create_due(&app, gw.as_ref()).await {
            tracing::error!(error = %e, "checkout creation pass failed; will retry");
        }
        tokio::select! {
            _ = app.payments_ready.notified() => {}
            _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
        }
    }
}

async fn create_due(
    app: &Arc<AppState>,
    gw: Option<&Gateway>,
) -> Result<(), crate::store::StoreError> {
    let due = ledger::due_creations(&app.store, Utc::now()).await?;
    for c in due {
        let appended = match gw {
            Some(gw) => create_one(app, gw, c).await?,
            None => {
                let now = ts(Utc::now());
                ledger::creation_failed(
                    &app.store,
                    c,
                    "online payments are not configured on the relay (CHARGILY_SECRET_KEY)".into(),
                    now.clone(),
                    true,
                    now,
                )
                .await?
            }
        };
        if let Some((node, seq)) = appended {
            app.channels.appended(&node, seq);
        }
    }
    Ok(())
}

async fn create_one(
    app: &Arc<AppState>,
    gw: &Gateway,
    c: CheckoutRow,
) -> Result<store::Appended, crate::store::StoreError> {
    let p = &app.config.payments;
    let body = checkout_body(
        &c.request,
        &c.node_id,
        &c.attempt_id,
        &p.return_url("success"),
        &p.return_url("failure"),
        &p.webhook_url(),
    );
    let result = gw.create_checkout(&body).await;
    let now = Utc::now();
    let (expire, recheck) = (
        Duration::seconds(p.expire_secs as i64),
        Duration::seconds(p.reconcile_after_secs as i64),
    );
    match result {
        Ok(made) => {
            let url = made.checkout_url.clone().unwrap_or_default();
            tracing::info!(node_id = %c.node_id, attempt_id = %c.attempt_id, checkout_id = %made.id, "checkout created");
            ledger::created(
                &app.store,
                c,
                made.id,
                url,
                ts(now + expire),
                ts(now + recheck),
                ts(now),
            )
            .await
        }
        Err(e) => {
            let requested = DateTime::parse_from_rfc3339(&c.requested_at)
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or(now);
            let refused = matches!(e, GatewayError::Refused { .. });
            let give_up = refused || now - requested >= Duration::seconds(p.give_up_secs as i64);
            // 1, 2, 4 … 30 s between attempts while the gateway is down.
            let wait = Duration::seconds(1i64 << c.attempts.min(5)).min(Duration::seconds(30));
            tracing::warn!(node_id = %c.node_id, attempt_id = %c.attempt_id, attempts = c.attempts + 1, give_up, error = %e, "checkout not created");
            let error = e.to_string();
            ledger::creation_failed(&app.store, c, error, ts(now + wait), give_up, ts(now)).await
        }
    }
}

/// Re-checks unsettled checkouts on the configured cron schedule.
pub async fn reconcile_loop(app: Arc<AppState>) {
    let Some(gw) = gateway(&app) else { return };
    let schedule = match app.config.payments.schedule() {
        Ok(s) => s,
        Err(e) => return tracing::error!("{e}"),
    };
    for next in schedule.upcoming(Utc) {
        let wait = (next - Utc::now()).to_std().unwrap_or_default();
        tokio::time::sleep(wait).await;
        if let Err(e) = reconcile(&app, &gw).await {
            tracing::error!(error = %e, "payment reconciliation failed; will retry at the next tick");
        }
    }
}

/// One reconciliation pass: ask the gateway about every due checkout, apply what it says,
/// expire what stayed unpaid too long.
pub async fn reconcile(
    app: &Arc<AppState>,
    gw: &Gateway,
) -> Result<usize, crate::store::StoreError> {
    let p = app.config.payments.clone();
    let due = ledger::unsettled(&app.store, Utc::now()).await?;
    let mut moved = 0;
    for c in due {
        let Some(id) = c.checkout_id.clone() else {
            continue;
        };
        let now = Utc::now();
        let reported = match gw.checkout(&id).await {
            Ok(co) => reported_state(&co.status).map(|s| (s, co.amount)),
            Err(e) => {
                tracing::warn!(checkout_id = %id, error = %e, "cannot re-check checkout; next tick");
                None
            }
        };
        let created = c
            .created_at
            .as_deref()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or(now);
        let too_old = now - created >= Duration::seconds(p.expire_secs as i64);
        let (state, amount) = match reported {
            Some((CheckoutState::Pending | CheckoutState::Processing, _)) | None if too_old => {
                (CheckoutState::Expired, c.request.amount)
            }
            Some(r) => r,
            None => continue,
        };
        // Not due again before the next pass of a per-minute schedule.
        let recheck = ts(now + Duration::seconds(p.reconcile_after_secs.min(60) as i64));
        let report = ledger::report(&app.store, id, state, amount, None, recheck, ts(now)).await?;
        if let Report::Moved {
            appended: (node, seq),
            state,
        } = report
        {
            tracing::info!(node_id = %node, state = state.as_str(), "reconciliation settled a checkout");
            app.channels.appended(&node, seq);
            moved += 1;
        }
    }
    Ok(moved)
}
