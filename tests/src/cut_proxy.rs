//! A TCP proxy the test controls, to cut the edge ⇄ relay link the ways networks fail:
//! black-hole (connections open, nothing flows), reset (every connection closed, new ones
//! refused at once), and restore.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const PASS: u8 = 0;
const BLACKHOLE: u8 = 1;
const RESET: u8 = 2;

pub struct CutProxy {
    pub url: String,
    mode: Arc<AtomicU8>,
    conns: Arc<Mutex<Vec<TcpStream>>>,
}

impl CutProxy {
    pub fn start(upstream: &str) -> CutProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let mode = Arc::new(AtomicU8::new(PASS));
        let conns: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let (m, c, up) = (mode.clone(), conns.clone(), upstream.to_string());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                match m.load(Ordering::SeqCst) {
                    RESET => {
                        let _ = client.shutdown(Shutdown::Both);
                    }
                    BLACKHOLE => c.lock().unwrap().push(client),
                    _ => {
                        let Ok(server) = TcpStream::connect(&up) else {
                            let _ = client.shutdown(Shutdown::Both);
                            continue;
                        };
                        for s in [&client, &server] {
                            if let Ok(s) = s.try_clone() {
                                c.lock().unwrap().push(s);
                            }
                        }
                        pipe(
                            client.try_clone().unwrap(),
                            server.try_clone().unwrap(),
                            m.clone(),
                        );
                        pipe(server, client, m.clone());
                    }
                }
            }
        });
        CutProxy { url, mode, conns }
    }

    pub fn blackhole(&self) {
        self.mode.store(BLACKHOLE, Ordering::SeqCst);
    }

    /// Closes every connection and refuses new ones until `restore`.
    pub fn reset(&self) {
        self.mode.store(RESET, Ordering::SeqCst);
        for s in self.conns.lock().unwrap().drain(..) {
            let _ = s.shutdown(Shutdown::Both);
        }
    }

    pub fn restore(&self) {
        self.mode.store(PASS, Ordering::SeqCst);
    }
}

fn pipe(mut from: TcpStream, mut to: TcpStream, mode: Arc<AtomicU8>) {
    std::thread::spawn(move || {
        let mut buf = [0u8; 16 * 1024];
        loop {
            let n = match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            // Black-holed: hold the bytes, like a network that drops every packet.
            while mode.load(Ordering::SeqCst) == BLACKHOLE {
                std::thread::sleep(Duration::from_millis(10));
            }
            if mode.load(Ordering::SeqCst) == RESET || to.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = to.shutdown(Shutdown::Both);
        let _ = from.shutdown(Shutdown::Both);
    });
}
