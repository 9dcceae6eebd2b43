//! A kitchen printer on 127.0.0.1 (issue 17): a raw TCP server, as on port 9100, that parses
//! the ESC/POS stream as it arrives, keeps each ticket (`ESC @` … `GS V`) it received whole,
//! and answers `DLE EOT` status queries like a real printer — or stays silent, like a printer
//! that does not report status. Paper can run out. Anything it does not know is kept as a
//! protocol error, so a stray byte fails the test that looks.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Default)]
struct Shared {
    tickets: Mutex<Vec<Vec<u8>>>,
    errors: Mutex<Vec<String>>,
    connections: Mutex<usize>,
    paper_out: AtomicBool,
    silent: AtomicBool,
    stop: AtomicBool,
}

pub struct FakePrinter {
    port: u16,
    shared: Arc<Shared>,
}

/// A port nothing listens on yet: a printer that is off, to be started later with
/// [`FakePrinter::start_on`].
pub use crate::free_port;

impl FakePrinter {
    pub fn start() -> FakePrinter {
        FakePrinter::start_on(0)
    }

    pub fn start_on(port: u16) -> FakePrinter {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("fake printer binds");
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Shared::default());
        let s = shared.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if s.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                *s.connections.lock().unwrap() += 1;
                let s = s.clone();
                std::thread::spawn(move || serve(conn, &s));
            }
        });
        FakePrinter { port, shared }
    }

    /// `127.0.0.1:PORT`, as `printer add --address` takes it.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Paper out: status queries say so (a printer that answers status).
    pub fn set_paper_out(&self, out: bool) {
        self.shared.paper_out.store(out, Ordering::SeqCst);
    }

    /// A printer that never answers `DLE EOT` (many cheap ones).
    pub fn set_silent(&self, silent: bool) {
        self.shared.silent.store(silent, Ordering::SeqCst);
    }

    /// Every whole ticket received so far, in order.
    pub fn tickets(&self) -> Vec<Vec<u8>> {
        self.shared.tickets.lock().unwrap().clone()
    }

    pub fn errors(&self) -> Vec<String> {
        self.shared.errors.lock().unwrap().clone()
    }

    /// Waits until at least `n` tickets came (or `within` passed) and returns them all.
    pub fn wait_tickets(&self, n: usize, within: Duration) -> Vec<Vec<u8>> {
        let end = Instant::now() + within;
        while self.tickets().len() < n && Instant::now() < end {
            std::thread::sleep(Duration::from_millis(50));
        }
        self.tickets()
    }
}

impl Drop for FakePrinter {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so it sees `stop` and frees the port.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn serve(mut conn: TcpStream, s: &Shared) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        match conn.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
        loop {
            match step(&buf, s) {
                Step::Need => break,
                Step::Took(n, answer) => {
                    if let Some(a) = answer {
                        let _ = conn.write_all(&[a]);
                    }
                    buf.drain(..n);
                }
                Step::Bad(e) => {
                    s.errors.lock().unwrap().push(e);
                    buf.clear();
                    break;
                }
            }
        }
        if s.stop.load(Ordering::SeqCst) {
            break;
        }
    }
    if !buf.is_empty() {
        s.errors.lock().unwrap().push(format!(
            "connection closed with {} bytes of an unfinished ticket",
            buf.len()
        ));
    }
}

enum Step {
    Need,
    /// Bytes consumed and the status byte to answer.
    Took(usize, Option<u8>),
    Bad(String),
}

/// One command at the start of `buf`. A ticket is kept whole once its cut arrives.
fn step(buf: &[u8], s: &Shared) -> Step {
    if buf.len() < 2 {
        return Step::Need;
    }
    match (buf[0], buf[1]) {
        (0x10, 0x04) => {
            let Some(&n) = buf.get(2) else {
                return Step::Need;
            };
            if s.silent.load(Ordering::SeqCst) {
                return Step::Took(3, None);
            }
            let out = s.paper_out.load(Ordering::SeqCst);
            let answer = match (n, out) {
                (4, true) => 0x72,
                (2, true) => 0x32,
                _ => 0x12,
            };
            Step::Took(3, Some(answer))
        }
        (0x1b, 0x40) => ticket(buf, s),
        (a, b) => Step::Bad(format!("unexpected {a:#04x} {b:#04x} outside a ticket")),
    }
}

/// A ticket from `ESC @` to its `GS V m` cut, skipping over raster bands.
fn ticket(buf: &[u8], s: &Shared) -> Step {
    let mut i = 2;
    loop {
        let (Some(&a), Some(&b)) = (buf.get(i), buf.get(i + 1)) else {
            return Step::Need;
        };
        match (a, b) {
            (0x1d, 0x76) => {
                if buf.len() < i + 8 {
                    return Step::Need;
                }
                let xb = u16::from_le_bytes([buf[i + 4], buf[i + 5]]) as usize;
                let rows = u16::from_le_bytes([buf[i + 6], buf[i + 7]]) as usize;
                i += 8 + xb * rows;
            }
            (0x1b, 0x64) => i += 3,
            (0x1d, 0x56) => {
                if buf.len() < i + 3 {
                    return Step::Need;
                }
                if s.paper_out.load(Ordering::SeqCst) {
                    // Out of paper: the bytes are taken but nothing comes out.
                    return Step::Took(i + 3, None);
                }
                s.tickets.lock().unwrap().push(buf[..i + 3].to_vec());
                return Step::Took(i + 3, None);
            }
            (a, b) => {
                return Step::Bad(format!(
                    "unexpected {a:#04x} {b:#04x} inside a ticket at {i}"
                ))
            }
        }
        if i > buf.len() {
            return Step::Need;
        }
    }
}
