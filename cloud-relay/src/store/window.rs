//! The customer-service window as the relay sees it: each customer's last message, and the
//! template a route may send late notices as (`migrations/relay/V13__customer_window.sql`).

use super::{Store, StoreError};
use resto_sync::Provider;
use rusqlite::{params, Connection};

/// Written in the ingest transaction for every customer message (`?1` provider, `?2`
/// account, `?3` the event's payload). WhatsApp's marketing-preference notices are not the
/// customer writing and open nothing.
pub const TOUCH: &str = "INSERT INTO customer_windows (provider, account_id, user_id, last_inbound_at) \
     SELECT ?1, ?2, json_extract(?3, '$.user_id'), json_extract(?3, '$.timestamp') \
     WHERE json_extract(?3, '$.user_id') IS NOT NULL AND json_extract(?3, '$.timestamp') IS NOT NULL \
       AND json_extract(?3, '$.raw.user_preferences') IS NULL \
     ON CONFLICT (provider, account_id, user_id) \
     DO UPDATE SET last_inbound_at = max(last_inbound_at, excluded.last_inbound_at)";

/// What the sender needs to know before a free-form message leaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// RFC 3339 time of the customer's last message, if the relay saw one.
    pub last_inbound_at: Option<String>,
    /// The route's template for notices outside the window, if configured.
    pub template: Option<String>,
}

impl Store {
    pub async fn window(
        &self,
        provider: Provider,
        account_id: &str,
        user_id: &str,
    ) -> Result<Window, StoreError> {
        let (account, user) = (account_id.to_string(), user_id.to_string());
        self.read(move |c| {
            Ok(c.prepare_cached(
                "SELECT (SELECT last_inbound_at FROM customer_windows \
                         WHERE provider = ?1 AND account_id = ?2 AND user_id = ?3), \
                        (SELECT window_template FROM routes WHERE provider = ?1 AND account_id = ?2)",
            )?
            .query_row(params![provider.as_str(), account, user], |r| {
                Ok(Window {
                    last_inbound_at: r.get(0)?,
                    template: r.get(1)?,
                })
            })?)
        })
        .await
    }
}

/// Sets (or with `None` clears) the template a route sends late notices as; false when there
/// is no such route.
pub fn set_template(
    conn: &Connection,
    provider: Provider,
    account_id: &str,
    template: Option<&str>,
) -> Result<bool, StoreError> {
    let n = conn.execute(
        "UPDATE routes SET window_template = ?3 WHERE provider = ?1 AND account_id = ?2",
        params![provider.as_str(), account_id.trim(), template],
    )?;
    Ok(n == 1)
}
