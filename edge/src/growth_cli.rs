//! Command lines for issue 7 (`resto-edge customer|trust|funnel|qr`), kept out of `main.rs`
//! so the binary only wires them in. Each returns what to print, or an error that says
//! what to do.

use crate::{faq, funnel, qr, store, trust};
use chrono::{Duration, Utc};
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error(transparent)]
    Trust(#[from] trust::TrustError),
    #[error(transparent)]
    Qr(#[from] qr::QrError),
    #[error(transparent)]
    Faq(#[from] faq::FaqError),
    #[error("cannot write {0}: {1}")]
    Write(String, std::io::Error),
    #[error("{0}")]
    Usage(String),
}

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

#[derive(Args)]
pub struct FunnelArgs {
    /// First restaurant-local day (YYYY-MM-DD); default: 6 days before --to.
    #[arg(long)]
    from: Option<String>,
    /// Last day; default: today (UTC).
    #[arg(long)]
    to: Option<String>,
    /// Print CSV (day,channel,source,step,count,conversion_pct).
    #[arg(long)]
    csv: bool,
    /// Write the SVG chart to FILE.
    #[arg(long)]
    svg: Option<PathBuf>,
    /// Only this channel in the chart (wa|ig|msg).
    #[arg(long)]
    channel: Option<String>,
}

#[derive(Args)]
pub struct QrArgs {
    /// wa (WhatsApp), msg (Messenger) or ig (Instagram).
    #[arg(long)]
    channel: String,
    /// The prefilled message (WhatsApp) or ref (Messenger/Instagram) that identifies scans.
    #[arg(long, default_value = "MENU")]
    text: String,
    /// WhatsApp number with country code, Facebook page name or Instagram username;
    /// default for wa: the restaurant's phone from the menu.
    #[arg(long)]
    account: Option<String>,
    /// FILE.svg or FILE.png (QR only), or FILE.html with --card.
    #[arg(long)]
    out: PathBuf,
    /// Write a printable table card / flyer (HTML) instead of the bare QR.
    #[arg(long)]
    card: bool,
    /// Name of this code in the funnel (e.g. "table", "flyer-oct"); default: the text.
    #[arg(long)]
    label: Option<String>,
}

pub fn customer(db: &Path, action: CustomerAction) -> Result<String, CliError> {
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
            trust::quarantine(&c, &p, id, trust::policy::Reason::Manual, &note, now)?;
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

pub fn trust_cmd(db: &Path, action: TrustAction) -> Result<String, CliError> {
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
        TrustAction::Set(a) => {
            let mut p = trust::load_policy(&c)?;
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
                p.noshow_action = trust::policy::CheckoutRule::parse(act).ok_or_else(|| {
                    CliError::Usage(format!(
                        "--noshow-action {act:?}: use none, phone_confirm or prepay"
                    ))
                })?;
            }
            trust::save_policy(&c, &p)?;
            Ok(serde_json::to_string_pretty(&p).unwrap_or_default())
        }
    }
}

pub fn funnel_cmd(db: &Path, a: FunnelArgs) -> Result<String, CliError> {
    let c = store::open(db)?;
    let to = a.to.unwrap_or_else(|| Utc::now().date_naive().to_string());
    let to_day = chrono::NaiveDate::parse_from_str(&to, "%Y-%m-%d")
        .map_err(|_| CliError::Usage(format!("--to {to:?} is not a date like 2026-11-23")))?;
    let from = a
        .from
        .unwrap_or_else(|| (to_day - Duration::days(6)).to_string());
    chrono::NaiveDate::parse_from_str(&from, "%Y-%m-%d")
        .map_err(|_| CliError::Usage(format!("--from {from:?} is not a date like 2026-11-17")))?;
    let rows = funnel::report(&c, &from, &to)?;
    if let Some(path) = &a.svg {
        std::fs::write(
            path,
            funnel::svg_chart(&rows, a.channel.as_deref(), &from, &to),
        )
        .map_err(|e| CliError::Write(path.display().to_string(), e))?;
    }
    if a.csv {
        return Ok(funnel::csv(&rows).trim_end().to_string());
    }
    let mut out = format!("funnel {from} .. {to}");
    for step in funnel::STEPS {
        let n: i64 = rows
            .iter()
            .filter(|r| r.step == step)
            .map(|r| r.count)
            .sum();
        out.push_str(&format!("\n  {step:<22} {n}"));
    }
    Ok(out)
}

pub fn qr_cmd(db: &Path, a: QrArgs) -> Result<String, CliError> {
    let channel = qr::Channel::parse(&a.channel)
        .ok_or_else(|| CliError::Usage(format!("--channel {:?}: use wa, msg or ig", a.channel)))?;
    let c = store::open(db)?;
    let (name, phone) = qr::restaurant(&c)?;
    let account = match (&a.account, channel, phone) {
        (Some(acc), _, _) => acc.clone(),
        (None, qr::Channel::Wa, Some(phone)) => phone,
        _ => return Err(CliError::Usage(
            "--account is required: the WhatsApp number, Facebook page name or Instagram username"
                .into(),
        )),
    };
    let link = qr::link(channel, &account, &a.text)?;
    let ext = a
        .out
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let bytes = match (a.card, ext.as_str()) {
        (true, "html" | "htm") => {
            qr::card_html(&name, &link, &a.text, qr::CardSize::TableCard)?.into_bytes()
        }
        (true, _) => {
            return Err(CliError::Usage(
                "--card writes HTML: use --out FILE.html".into(),
            ))
        }
        (false, "svg") => qr::svg(&link)?.into_bytes(),
        (false, "png") => qr::png(&link, 8)?,
        _ => {
            return Err(CliError::Usage(
                "--out must end in .svg or .png (or .html with --card)".into(),
            ))
        }
    };
    std::fs::write(&a.out, bytes).map_err(|e| CliError::Write(a.out.display().to_string(), e))?;
    let label = a.label.unwrap_or_else(|| a.text.clone());
    qr::register(&c, channel, &a.text, &label, &link, &store::now())?;
    Ok(format!(
        "{link}\nwritten to {}; scans are counted in the funnel as source qr:{label}",
        a.out.display()
    ))
}
