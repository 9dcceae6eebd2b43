//! Kitchen tickets read back (issue 17): a ticket rendered to ESC/POS bytes by the edge's
//! printing code, decoded from those bytes into an image, and read by Debian's `tesseract`
//! (French and Arabic models, installed by `.ci/run`): the order number and the item names
//! must come back, in both scripts and on both paper widths.

use resto_e2e::escpos::ocr;
use resto_edge::domain::menu::Lang;
use resto_edge::domain::ticket::{Fulfilment, Ticket, TicketLine, TicketPayment};
use resto_edge::print::{ticket_bytes, PaperWidth};

fn ticket(lang: Lang, items: &[&str]) -> Ticket {
    Ticket {
        lang,
        restaurant: "Pizzeria El Bahdja".into(),
        number: "A-042".into(),
        time: "19:32".into(),
        fulfilment: Fulfilment::Pickup {
            ready_at: Some("19:50".into()),
        },
        customer_name: "Karim".into(),
        customer_phone: "0555123467".into(),
        lines: items
            .iter()
            .map(|name| TicketLine {
                quantity: 2,
                name: name.to_string(),
                options: vec![],
            })
            .collect(),
        note: None,
        payment: TicketPayment::Paid,
        banner: None,
    }
}

#[test]
fn french_ticket_reads_back_order_number_and_item() {
    let t = ticket(Lang::Fr, &["Pizza 4 Fromages", "Crème brûlée"]);
    let text = ocr(&ticket_bytes(&t, PaperWidth::Mm58), "fra", "ticket-fr");
    for want in ["a-042", "pizza4fromages", "crèmebrûlée", "àemporter"] {
        assert!(text.contains(want), "{want:?} not read back from {text:?}");
    }
}

#[test]
fn arabic_ticket_reads_back_item_right_to_left() {
    let t = ticket(Lang::Ar, &["بيتزا خضار", "شاورما دجاج"]);
    let bytes = ticket_bytes(&t, PaperWidth::Mm80);
    let text = ocr(&bytes, "ara", "ticket-ar");
    // Main words only: the model may double a lam or miss a letter around them.
    for want in ["بيتزا", "شاورما", "استلام"] {
        assert!(text.contains(want), "{want:?} not read back from {text:?}");
    }
    // The order number is Latin on an Arabic ticket: the French model reads it.
    let latin = ocr(&bytes, "fra", "ticket-ar-latin");
    assert!(
        latin.contains("a-042"),
        "order number not read back from {latin:?}"
    );
}
