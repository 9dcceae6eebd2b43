//! Kitchen tickets on paper (issue 17): the ticket's blocks (`domain::ticket`) rendered to a
//! 1-bit raster with shaped, bidi-ordered text (`raster`), and that raster as ESC/POS bytes
//! (`escpos`). Printers' text modes cannot shape Arabic, so everything goes as an image.
//!
//! Pure: no I/O; the fonts are embedded in the binary. May import: `domain`.

pub mod escpos;
pub mod raster;

use crate::domain::ticket::{layout, Ticket};

pub use raster::{render_blocks, Bitmap, PaperWidth};

/// A ticket as the bytes to send to its printer: layout, raster, ESC/POS.
pub fn ticket_bytes(ticket: &Ticket, width: PaperWidth) -> Vec<u8> {
    escpos::encode(&render_blocks(&layout(ticket), width))
}
