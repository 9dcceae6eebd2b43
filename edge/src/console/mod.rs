//! The staff console on the LAN: embedded pages, a JSON API with sessions, CSRF tokens and
//! role scopes, a live board over server-sent events, and `/status`, `/metrics`, `/healthz`.
//! Handlers are thin: the work is in `order_board`, `handoff`, `menu_edit`, `staff`, …

mod api;
mod assets;
mod auth;
mod growth_api;
mod learn_api;
mod live;
mod media_api;
mod printer_api;
mod trust_api;

use crate::store::Db;
use axum::routing::{get, post};
use axum::Router;
use growth_api as growth;
use std::sync::Arc;
use tokio::sync::Notify;

#[derive(Clone)]
pub struct Console {
    pub db: Db,
    /// Wakes the outbox drain when the console queued a message.
    pub outbox_ready: Arc<Notify>,
    /// Wakes the live board at once after a change made from the console.
    pub changed: Arc<Notify>,
    /// Orders older than this and not finished are shown late.
    pub sla_minutes: u32,
}

impl Console {
    pub fn new(db: Db, outbox_ready: Arc<Notify>, sla_minutes: u32) -> Console {
        Console {
            db,
            outbox_ready,
            changed: Arc::new(Notify::new()),
            sla_minutes,
        }
    }

    /// Runs `f` on the store off the async threads.
    async fn with_db<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut rusqlite::Connection) -> T + Send + 'static,
    ) -> T {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || {
            let mut c = db.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut c)
        })
        .await
        .expect("database task panicked")
    }

    /// Runs `f` in one IMMEDIATE transaction, committed only when `f` succeeds: a console
    /// change and what it queues for the customer land together or not at all.
    async fn write<T, E>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<rusqlite::Error> + Send + 'static,
    {
        self.with_db(move |db| {
            let tx = db.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let out = f(&tx)?;
            tx.commit()?;
            Ok(out)
        })
        .await
    }

    /// Something changed: the board refreshes and the outbox drains now.
    fn touched(&self) {
        self.changed.notify_waiters();
        self.outbox_ready.notify_one();
    }
}

pub fn router(c: Console) -> Router {
    Router::new()
        .route("/", get(assets::index))
        .route("/app.js", get(assets::script))
        .route("/growth.js", get(assets::growth_script))
        .route("/learn.js", get(assets::learn_script))
        .route("/voice.js", get(assets::voice_script))
        .route("/printers.js", get(assets::printers_script))
        .route("/app.css", get(assets::style))
        .route("/healthz", get(healthz))
        .route("/status", get(api::status))
        .route("/metrics", get(api::metrics))
        .route("/api/login", post(api::login))
        .route("/api/logout", post(api::logout))
        .route("/api/me", get(api::me))
        .route("/api/board", get(api::board))
        .route(
            "/api/away-told/acknowledge",
            post(api::acknowledge_away_told),
        )
        .route("/api/events", get(live::events))
        .route("/api/orders", post(api::counter_order))
        .route("/api/orders/{id}/status", post(api::move_order))
        .route("/api/orders/{id}/eta", post(api::set_eta))
        .route("/api/orders/{id}/cash-refused", post(api::cash_refused))
        .route("/api/orders/{id}/delivery-issue", post(api::delivery_issue))
        .route("/api/orders/{id}/reprint", post(printer_api::reprint))
        .route(
            "/api/printers",
            get(printer_api::list).post(printer_api::save),
        )
        .route("/api/printers/retry", post(printer_api::retry))
        .route(
            "/api/printers/{name}",
            axum::routing::delete(printer_api::remove),
        )
        .route("/api/printers/{name}/test", post(printer_api::test_page))
        .route("/api/refunds", get(api::refunds))
        .route("/api/refunds/{id}/done", post(api::refund_done))
        .route("/api/menu", get(api::menu))
        .route("/api/menu/items", post(api::add_item))
        .route("/api/menu/items/{sku}", post(api::edit_item))
        .route(
            "/api/menu/items/{sku}/availability",
            post(api::set_available),
        )
        .route("/api/conversations", get(api::conversations))
        .route("/api/conversations/{id}", get(api::conversation))
        .route("/api/media/{id}", get(media_api::media_file))
        .route("/api/conversations/{id}/take-over", post(api::take_over))
        .route("/api/conversations/{id}/hand-back", post(api::hand_back))
        .route("/api/conversations/{id}/reply", post(api::reply))
        .route("/api/conversations/{id}/read", post(api::mark_read))
        .route("/api/quarantines", get(trust_api::quarantines))
        .route("/api/customers/{id}/release", post(trust_api::release))
        .route(
            "/api/customers/{id}/quarantine",
            post(trust_api::quarantine),
        )
        .route("/api/security-events", get(trust_api::security_events))
        .route(
            "/api/trust-policy",
            get(trust_api::policy).post(trust_api::save_policy),
        )
        .route("/api/faq", get(growth::faq_list).post(growth::faq_add))
        .route("/api/faq/try", get(growth::faq_try))
        .route(
            "/api/faq/{position}",
            post(growth::faq_update).delete(growth::faq_remove),
        )
        .route("/api/funnel", get(growth::funnel))
        .route("/api/funnel.csv", get(growth::funnel_csv))
        .route("/api/funnel.svg", get(growth::funnel_svg))
        .route("/api/qr", get(growth::qr_cards).post(growth::qr_create))
        .route("/api/qr/print", get(growth::qr_print))
        .route("/api/unmapped", get(learn_api::page))
        .route("/api/unmapped/{id}/dismiss", post(learn_api::dismiss))
        .route("/api/aliases", post(learn_api::teach))
        .route(
            "/api/aliases/{id}",
            axum::routing::delete(learn_api::remove_alias),
        )
        .with_state(c)
}

/// 200 when the database answers: systemd and the technician's `curl` ask this.
async fn healthz(
    axum::extract::State(c): axum::extract::State<Console>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    match c
        .with_db(|conn| crate::store::sync_status::read(conn).is_ok())
        .await
    {
        true => (axum::http::StatusCode::OK, "ok\n").into_response(),
        false => (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "database unavailable\n",
        )
            .into_response(),
    }
}

/// Serves the console on an already bound listener (bound at start-up, so a taken port
/// stops the daemon with a clear error) until the process ends.
pub async fn serve(listener: tokio::net::TcpListener, c: Console) {
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(addr = %addr, "staff console listening");
    }
    if let Err(e) = axum::serve(listener, router(c)).await {
        tracing::error!(error = %e, "staff console stopped");
    }
}
