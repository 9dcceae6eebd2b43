//! A customer edited or unsent a message (issue 19): the line staff see changes in place and
//! the bot does not answer — the conversation already moved on from the original.

use crate::domain::revision::Revision;
use crate::store::{conversations, customers, fmt_ts, transcript};
use chrono::{DateTime, Utc};
use resto_sync::InboundMessage;
use rusqlite::Transaction;

pub fn revise_message(
    tx: &Transaction<'_>,
    msg: &InboundMessage,
    rev: &Revision,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    let at = fmt_ts(now);
    let customer = customers::seen(tx, msg, &at)?;
    if !transcript::revise(tx, customer.id, rev)? {
        // The original is not here (older than this version, or purged): staff still see
        // what the customer did, as a line of its own.
        let shown = InboundMessage {
            text: Some(match rev {
                Revision::Edited { text, .. } => format!("✎ {text}"),
                Revision::Deleted { .. } => "✕".into(),
            }),
            ..msg.clone()
        };
        transcript::record_in(tx, customer.id, &shown, &at)?;
    }
    conversations::note_unread(tx, customer.id, &at)?;
    tracing::info!(customer_id = customer.id, msg_id = %msg.msg_id, "customer revised a message");
    Ok(())
}
