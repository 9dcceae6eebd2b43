//! A customer opting out or back in (issue 19): their own STOP / START, answered in their
//! language, or WhatsApp's marketing preference, recorded without a reply (WhatsApp already
//! told them). Either way staff see it in the conversation and on the customer's row.

use crate::domain::consent::{self, Consent};
use crate::domain::menu::Lang;
use crate::domain::text::{script, Script};
use crate::store::{conversations, customers, outbox, transcript};
use resto_sync::outbound::{OutgoingMessage, SendMessage};
use resto_sync::InboundMessage;
use rusqlite::Transaction;

/// Who said it: the customer in a message (answered), or WhatsApp's settings (not answered).
pub enum Asked {
    InChat { lang: Option<Lang> },
    InWhatsAppSettings,
}

pub fn apply_consent(
    tx: &Transaction<'_>,
    customer_id: i64,
    msg: &InboundMessage,
    c: Consent,
    asked: Asked,
    at: &str,
) -> rusqlite::Result<()> {
    let changed = customers::set_opted_out(tx, customer_id, c == Consent::OptOut)?;
    tracing::info!(
        customer_id,
        opted_out = (c == Consent::OptOut),
        changed,
        "customer consent"
    );
    match asked {
        Asked::InWhatsAppSettings => {
            let note = match c {
                Consent::OptOut => "[WhatsApp] marketing messages stopped by the customer",
                Consent::OptIn => "[WhatsApp] marketing messages resumed by the customer",
            };
            let shown = InboundMessage {
                text: Some(note.into()),
                ..msg.clone()
            };
            transcript::record_in(tx, customer_id, &shown, at)?;
            conversations::note_unread(tx, customer_id, at)?;
        }
        Asked::InChat { lang } => {
            // Their own words decide the language when they are in Arabic script.
            let said = msg.text.as_deref().unwrap_or_default();
            let lang = match script(said) {
                Script::Arabic => Lang::Ar,
                _ => lang.unwrap_or(Lang::Fr),
            };
            let send = SendMessage {
                provider: msg.provider,
                account_id: msg.account_id.clone(),
                to: msg.user_id.clone(),
                correlation_id: Some(msg.msg_id.clone()),
                message: OutgoingMessage::Text {
                    text: consent::confirmation(lang, c).to_string(),
                },
            };
            outbox::queue_reply(tx, customer_id, "bot", &send, at)?;
        }
    }
    Ok(())
}

/// WhatsApp's `user_preferences` webhook for a customer (known or not yet).
pub fn from_whatsapp_settings(
    tx: &Transaction<'_>,
    msg: &InboundMessage,
    c: Consent,
    now: chrono::DateTime<chrono::Utc>,
) -> rusqlite::Result<()> {
    let at = crate::store::fmt_ts(now);
    let customer = customers::seen(tx, msg, &at)?;
    apply_consent(tx, customer.id, msg, c, Asked::InWhatsAppSettings, &at)
}
