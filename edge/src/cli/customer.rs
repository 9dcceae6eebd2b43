//! `resto-edge customer quarantined|quarantine|release`: the staff's hand on the quarantine
//! when the console is out of reach.

use super::CliError;
use crate::domain::trust_policy::Reason;
use crate::store::{self, trust};
use chrono::Utc;
use clap::Subcommand;
use std::path::Path;

#[derive(Subcommand)]
pub enum CustomerAction {
    /// List customers in quarantine (the bot does not answer them) and why.
    Quarantined,
    /// Put a customer in quarantine by hand (WHO: console id or provider:user_id).
    Quarantine {
        who: String,
        #[arg(long, default_value = "set by staff")]
        note: String,
    },
    /// Release a quarantined customer: the bot answers them again.
    Release {
        who: String,
        /// Who released (recorded in the security events).
        #[arg(long, default_value = "staff")]
        by: String,
    },
}

/// Returns what to print.
pub fn run(db: &Path, action: CustomerAction) -> Result<String, CliError> {
    let c = store::open(db)?;
    let now = Utc::now();
    match action {
        CustomerAction::Quarantined => {
            let list = trust::active_quarantines(&c, now)?;
            if list.is_empty() {
                return Ok("no customer is in quarantine".into());
            }
            Ok(list
                .iter()
                .map(|q| {
                    format!(
                        "#{} {}:{} {} — {} ({}) since {} until {}",
                        q.customer_id,
                        q.provider,
                        q.user_id,
                        q.display_name.as_deref().unwrap_or(""),
                        q.reason,
                        q.detail,
                        q.since,
                        q.until.as_deref().unwrap_or("released by staff")
                    )
                })
                .collect::<Vec<_>>()
                .join("\n"))
        }
        CustomerAction::Quarantine { who, note } => {
            let id = trust::find_customer(&c, &who)?;
            let p = trust::load_policy(&c)?;
            trust::quarantine(&c, &p, id, Reason::Manual, &note, now)?;
            Ok(format!(
                "customer {who} is in quarantine: the bot will not answer them"
            ))
        }
        CustomerAction::Release { who, by } => {
            let id = trust::find_customer(&c, &who)?;
            trust::release(&c, id, &by, now)?;
            Ok(format!(
                "customer {who} released: the bot answers them again"
            ))
        }
    }
}
