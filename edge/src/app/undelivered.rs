//! A reply the relay could not deliver (issue 19): its line in the conversation says so, and
//! the conversation is raised, so staff can reach the customer another way (a call, a
//! template) instead of believing they were told.

use crate::store::{applied, fmt_ts, transcript};
use chrono::{DateTime, Utc};
use resto_sync::MessageStatus;
use rusqlite::Transaction;

pub fn show(
    tx: &Transaction<'_>,
    st: &MessageStatus,
    why: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    // The relay's own dead letters name the outbox item; WhatsApp's later failures only the
    // wamid, which its `sent` status linked to the item.
    let outbox_id = match &st.outbox_id {
        Some(id) => Some(id.clone()),
        None => applied::outbox_of(tx, &st.msg_id)?,
    };
    let Some(outbox_id) = outbox_id else {
        return Ok(());
    };
    if transcript::mark_undelivered(tx, &outbox_id, why, &fmt_ts(now))? {
        tracing::warn!(outbox_id = %outbox_id, reason = why, "a reply did not reach the customer; shown to staff");
    }
    Ok(())
}
