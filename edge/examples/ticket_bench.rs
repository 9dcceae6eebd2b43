//! Render time of a 10-line kitchen ticket (issue 17): layout, shaping, raster and ESC/POS,
//! French on 58 mm and Arabic on 80 mm paper. Prints the median of 50 runs each.
//! `cargo run --release -p resto-edge --example ticket_bench`

use resto_edge::domain::menu::Lang;
use resto_edge::domain::ticket::{Fulfilment, Ticket, TicketLine, TicketPayment};
use resto_edge::print::{ticket_bytes, PaperWidth};
use std::time::{Duration, Instant};

fn ticket(lang: Lang, name: &str, option: &str) -> Ticket {
    Ticket {
        lang,
        restaurant: "Pizzeria El Bahdja".into(),
        number: "A-042".into(),
        time: "19:32".into(),
        fulfilment: Fulfilment::Delivery {
            commune: "Bab Ezzouar".into(),
            address: "Cité 2000 logements, bâtiment 12, escalier B".into(),
            landmark: Some("près de la mosquée".into()),
            promised_at: Some("20:10".into()),
        },
        customer_name: "Karim".into(),
        customer_phone: "0555123467".into(),
        lines: (1..=10)
            .map(|i| TicketLine {
                quantity: i,
                name: format!("{name} {i}"),
                options: vec![option.to_string()],
            })
            .collect(),
        note: Some("sans oignons, sonner deux fois".into()),
        payment: TicketPayment::CashToCollect { amount_dzd: 12400 },
        banner: None,
    }
}

fn median(t: &Ticket, width: PaperWidth) -> (Duration, usize) {
    let mut bytes = 0;
    let mut times: Vec<Duration> = (0..50)
        .map(|_| {
            let start = Instant::now();
            bytes = ticket_bytes(t, width).len();
            start.elapsed()
        })
        .collect();
    times.sort();
    (times[times.len() / 2], bytes)
}

fn main() {
    let fr = ticket(Lang::Fr, "Pizza 4 Fromages", "Grande");
    let ar = ticket(Lang::Ar, "بيتزا خضار", "كبيرة");
    for (label, t, w) in [
        ("fr 58mm", &fr, PaperWidth::Mm58),
        ("ar 80mm", &ar, PaperWidth::Mm80),
    ] {
        let (d, bytes) = median(t, w);
        println!(
            "ticket_bench {label}: 10-line ticket median {:.2} ms ({bytes} bytes)",
            d.as_secs_f64() * 1000.0
        );
    }
}
