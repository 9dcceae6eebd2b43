//! `resto-edge trust show|set|events`: the anti-abuse and no-show policy, and the decisions
//! taken under it (`docs/trust-and-growth.md`).

use super::CliError;
use crate::domain::trust_policy::CheckoutRule;
use crate::store::{self, trust};
use clap::{Args, Subcommand};
use std::path::Path;

#[derive(Subcommand)]
pub enum TrustAction {
    /// Print the anti-abuse policy (JSON).
    Show,
    /// Change some of the policy's values.
    Set(PolicyArgs),
    /// The latest trust decisions (JSON lines).
    Events {
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

#[derive(Args)]
pub struct PolicyArgs {
    #[arg(long)]
    per_minute: Option<u32>,
    #[arg(long)]
    per_hour: Option<u32>,
    #[arg(long)]
    flood_repeats: Option<u32>,
    #[arg(long)]
    flood_window_min: Option<u32>,
    #[arg(long)]
    link_limit: Option<u32>,
    #[arg(long)]
    max_open_orders: Option<u32>,
    /// No-shows from which the action applies (0: never).
    #[arg(long)]
    noshow_threshold: Option<u32>,
    /// none | phone_confirm | prepay
    #[arg(long)]
    noshow_action: Option<String>,
    /// Automatic release after N minutes (0: staff release only).
    #[arg(long)]
    quarantine_minutes: Option<u32>,
    /// FAQ confidence 0..1 below which a human is offered.
    #[arg(long)]
    faq_min_score: Option<f64>,
}

/// Returns what to print.
pub fn run(db: &Path, action: TrustAction) -> Result<String, CliError> {
    let c = store::open(db)?;
    match action {
        TrustAction::Show => {
            Ok(serde_json::to_string_pretty(&trust::load_policy(&c)?).unwrap_or_default())
        }
        TrustAction::Events { limit } => Ok(trust::recent_events(&c, limit)?
            .iter()
            .map(|e| serde_json::to_string(e).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n")),
        TrustAction::Set(a) => set(&c, a),
    }
}

/// Only the values given change; the policy is saved whole.
fn set(c: &rusqlite::Connection, a: PolicyArgs) -> Result<String, CliError> {
    let mut p = trust::load_policy(c)?;
    macro_rules! set {
        ($($f:ident),*) => { $( if let Some(v) = a.$f { p.$f = v; } )* };
    }
    set!(
        per_minute,
        per_hour,
        flood_repeats,
        flood_window_min,
        link_limit,
        max_open_orders,
        noshow_threshold,
        quarantine_minutes,
        faq_min_score
    );
    if let Some(act) = &a.noshow_action {
        p.noshow_action = CheckoutRule::parse(act).ok_or_else(|| {
            CliError::Usage(format!(
                "--noshow-action {act:?}: use none, phone_confirm or prepay"
            ))
        })?;
    }
    trust::save_policy(c, &p)?;
    Ok(serde_json::to_string_pretty(&p).unwrap_or_default())
}
