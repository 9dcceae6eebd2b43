//! `resto-edge qr`: a click-to-chat link as a QR code (SVG/PNG) or a printable table card
//! (HTML), registered so that its scans show in the funnel as `qr:<label>`.

use super::CliError;
use crate::app::qr;
use crate::store;
use clap::Args;
use std::path::{Path, PathBuf};

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

/// Returns what to print: the link and where it was written.
pub fn run(db: &Path, a: QrArgs) -> Result<String, CliError> {
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
    let bytes = render(&a, &name, &link)?;
    std::fs::write(&a.out, bytes).map_err(|e| CliError::Write(a.out.display().to_string(), e))?;
    let label = a.label.unwrap_or_else(|| a.text.clone());
    qr::register(&c, channel, &a.text, &label, &link, &store::now())?;
    Ok(format!(
        "{link}\nwritten to {}; scans are counted in the funnel as source qr:{label}",
        a.out.display()
    ))
}

/// The format follows the --out extension, so a wrong one is refused before anything is
/// written or registered.
fn render(a: &QrArgs, name: &str, link: &str) -> Result<Vec<u8>, CliError> {
    let ext = a
        .out
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    Ok(match (a.card, ext.as_str()) {
        (true, "html" | "htm") => {
            qr::card_html(name, link, &a.text, qr::CardSize::TableCard)?.into_bytes()
        }
        (true, _) => {
            return Err(CliError::Usage(
                "--card writes HTML: use --out FILE.html".into(),
            ))
        }
        (false, "svg") => qr::svg(link)?.into_bytes(),
        (false, "png") => qr::png(link, 8)?,
        _ => {
            return Err(CliError::Usage(
                "--out must end in .svg or .png (or .html with --card)".into(),
            ))
        }
    })
}
