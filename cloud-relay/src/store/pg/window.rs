//! `store::window` on PostgreSQL: a customer's last message and the route's late-notice
//! template, read by the sender before a free-form message leaves.

use super::super::window::Window;
use super::super::StoreError;
use super::PgStore;
use resto_sync::Provider;

impl PgStore {
    pub async fn window(
        &self,
        provider: Provider,
        account_id: &str,
        user_id: &str,
    ) -> Result<Window, StoreError> {
        let client = self.pool().get().await?;
        let row = client
            .query_one(
                "SELECT (SELECT last_inbound_at FROM customer_windows \
                         WHERE provider = $1 AND account_id = $2 AND user_id = $3), \
                        (SELECT window_template FROM routes WHERE provider = $1 AND account_id = $2)",
                &[&provider.as_str(), &account_id, &user_id],
            )
            .await?;
        Ok(Window {
            last_inbound_at: row.get(0),
            template: row.get(1),
        })
    }
}
