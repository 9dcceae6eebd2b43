//! Kitchen tickets (issue 17): which printers owe a ticket when an order is confirmed,
//! cancelled, changed or reprinted (jobs written in the caller's transaction), and the bytes
//! of a job's ticket when the worker sends it. A ticket shows the order as it is at print
//! time, on each station only the lines of that station's categories.

use crate::app::move_order::local_hhmm;
use crate::domain::menu::Lang;
use crate::domain::printer::{station_prints, JobKind, PrinterSettings};
use crate::domain::ticket::{self, Fulfilment, Ticket, TicketLine, TicketPayment};
use crate::print::{self, PaperWidth};
use crate::store::print_jobs::{self, Job};
use crate::store::printers::{self, Printer};
use crate::store::tickets::{order_for_ticket, LineForTicket, OrderForTicket};
use crate::store::{fmt_ts, orders::restaurant_offset};
use chrono::{DateTime, Utc};
use rusqlite::Connection;

/// The order was confirmed in the chat or taken at the counter: every station with a line
/// of the order gets a ticket.
pub fn on_order_placed(
    c: &Connection,
    order_id: i64,
    now: DateTime<Utc>,
) -> rusqlite::Result<usize> {
    queue_for_stations(c, order_id, JobKind::Order, now)
}

/// Staff asked for the order's tickets again (order card). 0 when no printer takes any of
/// its lines.
pub fn reprint(c: &Connection, order_id: i64, now: DateTime<Utc>) -> rusqlite::Result<usize> {
    queue_for_stations(c, order_id, JobKind::Reprint, now)
}

#[derive(Debug, thiserror::Error)]
pub enum ReprintError {
    #[error("there is no order {0}; reload the board")]
    UnknownOrder(i64),
    #[error("no printer is set up: the owner adds one in the console (Imprimantes) or with `resto-edge printer add`")]
    NoPrinter,
    #[error("no printer prints this order's items: give a printer their categories (console, Imprimantes) or add one that prints every category")]
    NoStation,
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// The order card's "reprint": like [`reprint`], but an unknown order or an order no printer
/// takes is an error the staff can act on. Returns how many tickets were queued.
pub fn reprint_from_card(
    c: &Connection,
    order_id: i64,
    now: DateTime<Utc>,
) -> Result<usize, ReprintError> {
    if order_for_ticket(c, order_id)?.is_none() {
        return Err(ReprintError::UnknownOrder(order_id));
    }
    match reprint(c, order_id, now)? {
        0 if printers::list(c)?.is_empty() => Err(ReprintError::NoPrinter),
        0 => Err(ReprintError::NoStation),
        n => Ok(n),
    }
}

/// The order was cancelled or rejected: a station that printed it gets a CANCELLED ticket; a
/// station that had not printed it yet never will.
pub fn on_order_cancelled(
    c: &Connection,
    order_id: i64,
    now: DateTime<Utc>,
) -> rusqlite::Result<usize> {
    follow_up(c, order_id, JobKind::Cancelled, now)
}

/// The order changed after the kitchen got it (payment switched to cash): stations that
/// printed it get a CHANGED ticket; a waiting ticket will show the change anyway.
pub fn on_order_changed(
    c: &Connection,
    order_id: i64,
    now: DateTime<Utc>,
) -> rusqlite::Result<usize> {
    follow_up(c, order_id, JobKind::Changed, now)
}

/// A CANCELLED or CHANGED ticket for each station that printed the order; a cancellation
/// also drops the tickets not printed yet.
fn follow_up(
    c: &Connection,
    order_id: i64,
    kind: JobKind,
    now: DateTime<Utc>,
) -> rusqlite::Result<usize> {
    let at = fmt_ts(now);
    let mut queued = 0;
    for (printer_id, printed) in print_jobs::printers_of_order(c, order_id)? {
        if kind == JobKind::Cancelled {
            print_jobs::drop_waiting(c, printer_id, order_id)?;
        }
        if printed {
            print_jobs::insert(c, printer_id, order_id, kind, &at)?;
            queued += 1;
        }
    }
    Ok(queued)
}

fn queue_for_stations(
    c: &Connection,
    order_id: i64,
    kind: JobKind,
    now: DateTime<Utc>,
) -> rusqlite::Result<usize> {
    let Some(order) = order_for_ticket(c, order_id)? else {
        return Ok(0);
    };
    let at = fmt_ts(now);
    let mut queued = 0;
    for p in printers::list(c)? {
        if order.lines.iter().any(|l| line_on_station(&p.settings, l)) {
            print_jobs::insert(c, p.id, order_id, kind, &at)?;
            queued += 1;
        }
    }
    Ok(queued)
}

/// An item since removed from the menu has no category: it goes to the stations that print
/// everything.
fn line_on_station(p: &PrinterSettings, l: &LineForTicket) -> bool {
    match &l.category {
        Some(cat) => station_prints(&p.categories, cat),
        None => p.categories.is_empty(),
    }
}

/// A job's ticket, read from the store and ready to render: rendering takes milliseconds
/// and is done outside the database lock.
#[derive(Debug, Clone)]
pub struct JobTicket {
    pub ticket: Ticket,
    pub width: PaperWidth,
    pub copies: u8,
}

impl JobTicket {
    /// The bytes the printer gets: the ticket, `copies` times.
    pub fn bytes(&self) -> Vec<u8> {
        print::ticket_bytes(&self.ticket, self.width).repeat(self.copies as usize)
    }
}

/// None when the order or the printer is gone (nothing left to print).
pub fn job_ticket(c: &Connection, job: &Job) -> rusqlite::Result<Option<JobTicket>> {
    let (Some(p), Some(order)) = (
        printers::by_id(c, job.printer_id)?,
        order_for_ticket(c, job.order_id)?,
    ) else {
        return Ok(None);
    };
    Ok(Some(JobTicket {
        ticket: ticket_for(c, &p, &order, job.kind)?,
        width: paper(&p.settings),
        copies: p.settings.copies,
    }))
}

fn ticket_for(
    c: &Connection,
    p: &Printer,
    o: &OrderForTicket,
    kind: JobKind,
) -> rusqlite::Result<Ticket> {
    let off = restaurant_offset(c)?;
    let lang = p.settings.lang;
    let promised = o.promised_at.as_deref().and_then(|t| local_hhmm(off, t));
    let fulfilment = if o.pickup {
        Fulfilment::Pickup { ready_at: promised }
    } else {
        Fulfilment::Delivery {
            commune: o.commune.clone().unwrap_or_default(),
            address: o.address.clone().unwrap_or_default(),
            landmark: None,
            promised_at: promised,
        }
    };
    let lines = o
        .lines
        .iter()
        .filter(|l| line_on_station(&p.settings, l))
        .map(|l| TicketLine {
            quantity: l.quantity,
            name: match lang {
                Lang::Fr => l.name_fr.clone(),
                Lang::Ar => l.name_ar.clone(),
            }
            .unwrap_or_else(|| l.name.clone()),
            options: l.options.clone(),
        })
        .collect();
    let customer_name = if o.customer_name.trim().is_empty() {
        match lang {
            Lang::Fr => "Client".to_string(),
            Lang::Ar => "زبون".to_string(),
        }
    } else {
        o.customer_name.clone()
    };
    Ok(Ticket {
        lang,
        restaurant: o.restaurant.clone(),
        number: o.number.clone(),
        time: local_hhmm(off, &o.created_at).unwrap_or_default(),
        fulfilment,
        customer_name,
        customer_phone: o.customer_phone.clone(),
        lines,
        note: o.note.clone(),
        payment: payment(o),
        banner: kind.banner(),
    })
}

fn payment(o: &OrderForTicket) -> TicketPayment {
    match o.payment_status.as_str() {
        "paid" | "collected" => TicketPayment::Paid,
        "awaiting_online" | "failed" => TicketPayment::AwaitingOnline,
        _ => TicketPayment::CashToCollect {
            amount_dzd: o.total.max(0) as u64,
        },
    }
}

pub fn paper(s: &PrinterSettings) -> PaperWidth {
    if s.width_mm == 58 {
        PaperWidth::Mm58
    } else {
        PaperWidth::Mm80
    }
}

/// The test page of `printer test` and the console's test button.
pub fn test_page_bytes(
    c: &Connection,
    p: &PrinterSettings,
    now: DateTime<Utc>,
) -> rusqlite::Result<Vec<u8>> {
    let restaurant = crate::store::tickets::restaurant_name(c)?;
    let time = local_hhmm(restaurant_offset(c)?, &fmt_ts(now)).unwrap_or_default();
    let blocks = ticket::test_page(&restaurant, &p.name, &p.target.describe(), &time);
    Ok(print::escpos::encode(&print::render_blocks(
        &blocks,
        paper(p),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::printer::PrinterForm;

    fn with_order(skus: &[&str]) -> (Connection, i64) {
        crate::app::counter_order::demo_shop_with_order("tickets", skus, Utc::now())
    }

    fn add(c: &Connection, name: &str, categories: &[&str]) -> i64 {
        let form = PrinterForm {
            name: name.into(),
            address: Some("127.0.0.1:9100".into()),
            categories: categories.iter().map(|s| s.to_string()).collect(),
            ..PrinterForm::default()
        };
        let cats = printers::menu_categories(c).unwrap();
        printers::save(
            c,
            &form.validate(Lang::Fr, &cats).unwrap(),
            "2026-01-01T00:00:00.000Z",
        )
        .unwrap()
    }

    #[test]
    fn stations_get_only_orders_with_their_lines() {
        let (c, order_id) = with_order(&["PZ-MARG", "BS-LIMO"]);
        let all = add(&c, "cuisine", &[]);
        let pizzas = add(&c, "four", &["pizzas"]);
        let grill = add(&c, "grill", &["sandwichs"]);
        let now = Utc::now();
        assert_eq!(on_order_placed(&c, order_id, now).unwrap(), 2);
        let due = |p| print_jobs::due(&c, p, &fmt_ts(now)).unwrap();
        assert!(due(all).is_some() && due(pizzas).is_some());
        assert!(due(grill).is_none(), "no grill line, no grill ticket");
    }

    #[test]
    fn cancelled_before_printing_prints_nothing_after_prints_cancelled() {
        let (c, order_id) = with_order(&["PZ-MARG"]);
        let p = add(&c, "cuisine", &[]);
        let now = Utc::now();
        on_order_placed(&c, order_id, now).unwrap();
        assert_eq!(on_order_cancelled(&c, order_id, now).unwrap(), 0);
        assert!(
            print_jobs::due(&c, p, &fmt_ts(now)).unwrap().is_none(),
            "waiting ticket dropped"
        );

        on_order_placed(&c, order_id, now).unwrap();
        let job = print_jobs::due(&c, p, &fmt_ts(now)).unwrap().unwrap();
        print_jobs::mark_printed(&c, job.id, &fmt_ts(now)).unwrap();
        assert_eq!(on_order_cancelled(&c, order_id, now).unwrap(), 1);
        let job = print_jobs::due(&c, p, &fmt_ts(now)).unwrap().unwrap();
        assert_eq!(job.kind, JobKind::Cancelled);
    }

    #[test]
    fn reprint_from_card_says_why_nothing_was_queued() {
        let (c, order_id) = with_order(&["BS-LIMO"]);
        let now = Utc::now();
        assert!(matches!(
            reprint_from_card(&c, order_id + 100, now),
            Err(ReprintError::UnknownOrder(_))
        ));
        assert!(matches!(
            reprint_from_card(&c, order_id, now),
            Err(ReprintError::NoPrinter)
        ));
        let four = add(&c, "four", &["pizzas"]);
        assert!(matches!(
            reprint_from_card(&c, order_id, now),
            Err(ReprintError::NoStation)
        ));
        assert!(print_jobs::due(&c, four, &fmt_ts(now)).unwrap().is_none());
        let bar = add(&c, "bar", &["boissons"]);
        assert_eq!(reprint_from_card(&c, order_id, now).unwrap(), 1);
        let job = print_jobs::due(&c, bar, &fmt_ts(now)).unwrap().unwrap();
        assert_eq!((job.order_id, job.kind), (order_id, JobKind::Reprint));
    }

    #[test]
    fn station_ticket_carries_only_its_lines_in_its_language() {
        let (c, order_id) = with_order(&["PZ-MARG", "BS-LIMO"]);
        let p = add(&c, "four", &["pizzas"]);
        let order = order_for_ticket(&c, order_id).unwrap().unwrap();
        let mut printer = printers::by_id(&c, p).unwrap().unwrap();
        let t = ticket_for(&c, &printer, &order, JobKind::Reprint).unwrap();
        assert_eq!(t.lines.len(), 1, "{:?}", t.lines);
        assert_eq!(t.lines[0].name, "Pizza Margherita");
        assert_eq!(t.banner, Some(ticket::Banner::Reprint));
        printer.settings.lang = Lang::Ar;
        let t = ticket_for(&c, &printer, &order, JobKind::Order).unwrap();
        assert_eq!(t.lines[0].name, "بيتزا مارغريتا");
    }

    #[test]
    fn a_switch_to_cash_reaches_only_stations_that_printed() {
        let (c, order_id) = with_order(&["PZ-MARG"]);
        let p = add(&c, "cuisine", &[]);
        let now = Utc::now();
        on_order_placed(&c, order_id, now).unwrap();
        assert_eq!(
            on_order_changed(&c, order_id, now).unwrap(),
            0,
            "the waiting ticket will show it"
        );
        let job = print_jobs::due(&c, p, &fmt_ts(now)).unwrap().unwrap();
        print_jobs::mark_printed(&c, job.id, &fmt_ts(now)).unwrap();
        assert_eq!(on_order_changed(&c, order_id, now).unwrap(), 1);
        let job = print_jobs::due(&c, p, &fmt_ts(now)).unwrap().unwrap();
        assert_eq!(job.kind, JobKind::Changed);
        assert_eq!(reprint(&c, order_id, now).unwrap(), 1);
    }

    #[test]
    fn a_failed_job_holds_the_ones_behind_it_until_its_retry() {
        let (c, order_id) = with_order(&["PZ-MARG"]);
        let p = add(&c, "cuisine", &[]);
        let now = Utc::now();
        on_order_placed(&c, order_id, now).unwrap();
        reprint(&c, order_id, now).unwrap();
        let first = print_jobs::due(&c, p, &fmt_ts(now)).unwrap().unwrap();
        let later = fmt_ts(now + chrono::Duration::seconds(2));
        print_jobs::mark_failed(&c, first.id, "printer off", &later).unwrap();
        assert!(
            print_jobs::due(&c, p, &fmt_ts(now)).unwrap().is_none(),
            "the reprint waits behind the first ticket"
        );
        assert_eq!(
            print_jobs::due(&c, p, &later).unwrap().unwrap().id,
            first.id
        );
        assert_eq!(print_jobs::retry_now(&c, None, &fmt_ts(now)).unwrap(), 2);
        assert_eq!(
            print_jobs::due(&c, p, &fmt_ts(now)).unwrap().unwrap().id,
            first.id
        );
    }
}
