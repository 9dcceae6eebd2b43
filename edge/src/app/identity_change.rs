//! A WhatsApp `system` message (issue 19): the customer's record follows their new number,
//! staff see Meta's note in the conversation, and the bot stays quiet — it is Meta talking,
//! not the customer.

use crate::domain::identity::IdentityChange;
use crate::store::{conversations, customers, fmt_ts, transcript};
use chrono::{DateTime, Utc};
use resto_sync::InboundMessage;
use rusqlite::Transaction;

pub fn apply_identity_change(
    tx: &Transaction<'_>,
    msg: &InboundMessage,
    change: &IdentityChange,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    let at = fmt_ts(now);
    let customer = customers::seen(tx, msg, &at)?;
    let note = match change {
        IdentityChange::NewNumber { note, .. }
        | IdentityChange::NewBsuid { note, .. }
        | IdentityChange::Notice { note } => note,
    };
    let shown = InboundMessage {
        text: Some(format!("[WhatsApp] {note}")),
        ..msg.clone()
    };
    transcript::record_in(tx, customer.id, &shown, &at)?;
    conversations::note_unread(tx, customer.id, &at)?;
    if let IdentityChange::NewBsuid { new_bsuid, .. } = change {
        if !customers::change_bsuid(tx, customer.id, new_bsuid)? {
            tracing::warn!(
                customer_id = customer.id,
                "new BSUID already belongs to another customer; left apart for staff"
            );
        }
    }
    if let IdentityChange::NewNumber { new_wa_id, .. } = change {
        let moved = customers::change_wa_id(tx, &msg.account_id, &msg.user_id, new_wa_id)?;
        if moved {
            tracing::info!(
                customer_id = customer.id,
                "customer moved to their new WhatsApp number"
            );
        } else {
            tracing::warn!(customer_id = customer.id, "customer changed number but the new number already wrote to us; records left apart for staff");
        }
    }
    Ok(())
}
