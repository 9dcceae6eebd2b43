//! Kitchen tickets (issue 17): what a ticket says and in which order, as plain blocks of text.
//! Pure: the caller supplies the order's facts, already in the restaurant's local time and in
//! the printer's language; `print` turns the blocks into a raster for the printer.

use crate::domain::menu::Lang;

/// Everything a kitchen ticket shows. Item names and options are already in the printer's
/// language (`lang`); the customer's note is printed as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    pub lang: Lang,
    pub restaurant: String,
    /// The order number as the customer knows it ("A-042"), printed large.
    pub number: String,
    /// When the order was confirmed, local time ("19:32").
    pub time: String,
    pub fulfilment: Fulfilment,
    pub customer_name: String,
    /// The full phone number; the ticket shows it masked (see [`mask_phone`]).
    pub customer_phone: String,
    pub lines: Vec<TicketLine>,
    pub note: Option<String>,
    pub payment: TicketPayment,
    pub banner: Option<Banner>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fulfilment {
    /// `ready_at`: the promised time ("19:50").
    Pickup { ready_at: Option<String> },
    Delivery {
        commune: String,
        address: String,
        landmark: Option<String>,
        /// The promised delivery time ("20:10").
        promised_at: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketLine {
    pub quantity: u32,
    pub name: String,
    pub options: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketPayment {
    /// Cash still to collect from the customer, in dinars.
    CashToCollect {
        amount_dzd: u64,
    },
    Paid,
    /// A card payment not confirmed yet: the kitchen may wait for it.
    AwaitingOnline,
}

/// Why the ticket is not the first one for this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Banner {
    Reprint,
    Cancelled,
    /// The order changed after its first ticket (payment switched to cash).
    Changed,
}

/// Text size on paper; the renderer maps each to a pixel height.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    Normal,
    Large,
    Huge,
}

/// Where a line sits. `Start` follows the line's own direction: left for French, right for
/// Arabic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Start,
    Center,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Text {
        text: String,
        size: Size,
        align: Align,
        /// Indent from the start side, in half-ems of the line's size (options under an
        /// item).
        indent: u8,
        /// The line reads right to left even when it starts with a number or a Latin word
        /// ("2 x بيتزا"): every line of an Arabic ticket. Otherwise its first letter decides.
        rtl: bool,
    },
    /// White text on a black bar, full width: REPRINT / CANCELLED.
    Banner(String),
    /// A horizontal line across the paper.
    Rule,
}

impl Block {
    fn text(text: impl Into<String>, size: Size, align: Align) -> Block {
        Block::Text {
            text: text.into(),
            size,
            align,
            indent: 0,
            rtl: false,
        }
    }
}

/// The ticket as blocks, top to bottom.
pub fn layout(t: &Ticket) -> Vec<Block> {
    let fr = t.lang == Lang::Fr;
    let mut out = Vec::new();
    if let Some(b) = t.banner {
        out.push(Block::Banner(banner_text(b, t.lang).to_string()));
    }
    out.push(Block::text(&t.restaurant, Size::Normal, Align::Center));
    out.push(Block::text(&t.number, Size::Huge, Align::Center));
    out.push(Block::text(&t.time, Size::Normal, Align::Center));
    out.push(Block::Rule);
    match &t.fulfilment {
        Fulfilment::Pickup { ready_at } => {
            out.push(Block::text(
                if fr {
                    "À EMPORTER"
                } else {
                    "للاستلام"
                },
                Size::Large,
                Align::Start,
            ));
            if let Some(at) = ready_at {
                let l = if fr { "Prête à" } else { "جاهزة على" };
                out.push(Block::text(format!("{l} {at}"), Size::Normal, Align::Start));
            }
        }
        Fulfilment::Delivery {
            commune,
            address,
            landmark,
            promised_at,
        } => {
            out.push(Block::text(
                if fr { "LIVRAISON" } else { "توصيل" },
                Size::Large,
                Align::Start,
            ));
            out.push(Block::text(commune, Size::Normal, Align::Start));
            out.push(Block::text(address, Size::Normal, Align::Start));
            if let Some(l) = landmark {
                let p = if fr { "Repère :" } else { "علامة:" };
                out.push(Block::text(format!("{p} {l}"), Size::Normal, Align::Start));
            }
            if let Some(at) = promised_at {
                let l = if fr {
                    "Promise à"
                } else {
                    "موعد التوصيل"
                };
                out.push(Block::text(format!("{l} {at}"), Size::Normal, Align::Start));
            }
        }
    }
    let phone = mask_phone(&t.customer_phone);
    out.push(Block::text(
        format!("{} {phone}", t.customer_name),
        Size::Normal,
        Align::Start,
    ));
    out.push(Block::Rule);
    for line in &t.lines {
        out.push(Block::text(
            format!("{} x {}", line.quantity, line.name),
            Size::Large,
            Align::Start,
        ));
        for o in &line.options {
            out.push(Block::Text {
                text: format!("+ {o}"),
                size: Size::Normal,
                align: Align::Start,
                indent: 2,
                rtl: false,
            });
        }
    }
    if let Some(note) = t.note.as_deref().filter(|n| !n.trim().is_empty()) {
        out.push(Block::Rule);
        let l = if fr { "Note :" } else { "ملاحظة:" };
        out.push(Block::text(
            format!("{l} {note}"),
            Size::Normal,
            Align::Start,
        ));
    }
    out.push(Block::Rule);
    out.push(Block::text(
        payment_text(t.payment, t.lang),
        Size::Large,
        Align::Center,
    ));
    if let Some(b) = t.banner {
        out.push(Block::Banner(banner_text(b, t.lang).to_string()));
    }
    if !fr {
        for b in &mut out {
            if let Block::Text { rtl, .. } = b {
                *rtl = true;
            }
        }
    }
    out
}

fn banner_text(b: Banner, lang: Lang) -> &'static str {
    match (b, lang) {
        (Banner::Reprint, Lang::Fr) => "RÉIMPRESSION",
        (Banner::Reprint, Lang::Ar) => "إعادة طباعة",
        (Banner::Cancelled, Lang::Fr) => "ANNULÉE",
        (Banner::Cancelled, Lang::Ar) => "ملغاة",
        (Banner::Changed, Lang::Fr) => "MODIFIÉE",
        (Banner::Changed, Lang::Ar) => "معدلة",
    }
}

fn payment_text(p: TicketPayment, lang: Lang) -> String {
    match (p, lang) {
        (TicketPayment::CashToCollect { amount_dzd }, Lang::Fr) => {
            format!("À ENCAISSER {amount_dzd} DA")
        }
        (TicketPayment::CashToCollect { amount_dzd }, Lang::Ar) => {
            format!("الدفع عند الاستلام {amount_dzd} دج")
        }
        (TicketPayment::Paid, Lang::Fr) => "PAYÉE".to_string(),
        (TicketPayment::Paid, Lang::Ar) => "مدفوعة".to_string(),
        (TicketPayment::AwaitingOnline, Lang::Fr) => "PAIEMENT EN LIGNE EN ATTENTE".to_string(),
        (TicketPayment::AwaitingOnline, Lang::Ar) => "الدفع الإلكتروني قيد الانتظار".to_string(),
    }
}

/// The page `printer test` prints: both scripts, both sizes, the printer's name and where it
/// is, so a technician sees at once that Arabic joins and French accents come out.
pub fn test_page(restaurant: &str, printer: &str, target: &str, time: &str) -> Vec<Block> {
    let mut out = vec![
        Block::Banner("TEST".into()),
        Block::text(restaurant, Size::Normal, Align::Center),
        Block::text(printer, Size::Huge, Align::Center),
        Block::text(target, Size::Normal, Align::Center),
        Block::text(time, Size::Normal, Align::Center),
        Block::Rule,
        Block::text("Crème brûlée, Café très sucré", Size::Large, Align::Start),
        Block::text("2 x Pizza 4 Fromages", Size::Normal, Align::Start),
    ];
    let mut ar = Block::text("٢ × بيتزا خضار وشاورما دجاج", Size::Large, Align::Start);
    if let Block::Text { rtl, .. } = &mut ar {
        *rtl = true;
    }
    out.push(ar);
    out.push(Block::Rule);
    out
}

/// The phone with its middle hidden, enough for the kitchen to match a call back: the first
/// four and last two digits stay ("0555 ** ** 67"), an Algerian +213 number in its national
/// form. Short numbers show only the last two.
pub fn mask_phone(phone: &str) -> String {
    let mut digits: Vec<char> = phone.chars().filter(char::is_ascii_digit).collect();
    if digits.len() == 12 && digits.starts_with(&['2', '1', '3']) {
        digits.splice(..3, ['0']);
    }
    let n = digits.len();
    if n < 8 {
        let tail: String = digits[n.saturating_sub(2)..].iter().collect();
        return format!("** {tail}");
    }
    let head: String = digits[..4].iter().collect();
    let tail: String = digits[n - 2..].iter().collect();
    format!("{head} ** ** {tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket(lang: Lang) -> Ticket {
        Ticket {
            lang,
            restaurant: "Pizzeria El Bahdja".into(),
            number: "A-042".into(),
            time: "19:32".into(),
            fulfilment: Fulfilment::Delivery {
                commune: "Bab Ezzouar".into(),
                address: "Cité 2000 logements, bât 12".into(),
                landmark: Some("près de la mosquée".into()),
                promised_at: Some("20:10".into()),
            },
            customer_name: "Karim".into(),
            customer_phone: "+213 555 12 34 67".into(),
            lines: vec![TicketLine {
                quantity: 2,
                name: "Pizza 4 Fromages".into(),
                options: vec!["Grande".into()],
            }],
            note: Some("sans oignons".into()),
            payment: TicketPayment::CashToCollect { amount_dzd: 2400 },
            banner: None,
        }
    }

    fn texts(blocks: &[Block]) -> Vec<String> {
        blocks
            .iter()
            .map(|b| match b {
                Block::Text { text, .. } => text.clone(),
                Block::Banner(t) => format!("[{t}]"),
                Block::Rule => "---".into(),
            })
            .collect()
    }

    #[test]
    fn french_delivery_ticket_has_every_fact_in_order() {
        let b = layout(&ticket(Lang::Fr));
        let t = texts(&b);
        assert_eq!(t[0], "Pizzeria El Bahdja");
        assert_eq!(
            b[1],
            Block::text("A-042", Size::Huge, Align::Center),
            "order number is large"
        );
        for want in [
            "LIVRAISON",
            "Bab Ezzouar",
            "Cité 2000 logements, bât 12",
            "Repère : près de la mosquée",
            "Promise à 20:10",
            "Karim 0555 ** ** 67",
            "2 x Pizza 4 Fromages",
            "+ Grande",
            "Note : sans oignons",
            "À ENCAISSER 2400 DA",
        ] {
            assert!(t.contains(&want.to_string()), "{want:?} missing in {t:?}");
        }
        let pos = |s: &str| t.iter().position(|x| x == s).unwrap();
        assert!(pos("LIVRAISON") < pos("2 x Pizza 4 Fromages"));
        assert!(pos("2 x Pizza 4 Fromages") < pos("+ Grande"));
        assert!(!t.iter().any(|x| x.starts_with('[')), "no banner: {t:?}");
    }

    #[test]
    fn arabic_pickup_paid_reprint() {
        let mut tk = ticket(Lang::Ar);
        tk.fulfilment = Fulfilment::Pickup {
            ready_at: Some("19:50".into()),
        };
        tk.payment = TicketPayment::Paid;
        tk.banner = Some(Banner::Reprint);
        tk.note = Some("  ".into());
        let t = texts(&layout(&tk));
        assert_eq!(t.first().unwrap(), "[إعادة طباعة]");
        assert_eq!(t.last().unwrap(), "[إعادة طباعة]");
        assert!(t.contains(&"للاستلام".to_string()));
        assert!(t.contains(&"جاهزة على 19:50".to_string()));
        assert!(t.contains(&"مدفوعة".to_string()));
        assert!(
            !t.iter().any(|x| x.starts_with("ملاحظة")),
            "blank note: {t:?}"
        );
        let all_rtl = layout(&tk)
            .iter()
            .all(|b| !matches!(b, Block::Text { rtl: false, .. }));
        assert!(all_rtl, "an Arabic ticket reads right to left");
    }

    #[test]
    fn cancelled_banner_in_french() {
        let mut tk = ticket(Lang::Fr);
        tk.banner = Some(Banner::Cancelled);
        assert_eq!(texts(&layout(&tk))[0], "[ANNULÉE]");
    }

    #[test]
    fn phone_is_masked() {
        assert_eq!(mask_phone("0555 12 34 67"), "0555 ** ** 67");
        assert_eq!(mask_phone("+213555123467"), "0555 ** ** 67");
        assert_eq!(mask_phone("1234"), "** 34");
        assert_eq!(mask_phone(""), "** ");
    }
}
