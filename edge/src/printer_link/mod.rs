//! Talks to the kitchen's printers: sends print jobs as they come due (`worker`) over raw TCP
//! or a USB device file (`transport`), asking the printer's status where it answers.
//!
//! May import: `config`, `domain`, `print`, `store`, `app`.

pub mod transport;
pub mod worker;

pub use transport::{send, SendError};
