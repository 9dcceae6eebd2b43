//! One ticket to one printer. Raw TCP (port 9100): connect, ask the paper and off-line status
//! (`DLE EOT`), send every byte, ask again; a printer that does not answer status within
//! [`STATUS_WAIT`] is trusted once it took the bytes. A device file (`/dev/usb/lp0`): write
//! every byte; the kernel's USB printer driver reports no status we can read back.

use crate::domain::printer::PrinterTarget;
use crate::print::escpos::{is_status_byte, status_problem, ASK_OFFLINE, ASK_PAPER};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

const CONNECT_WAIT: Duration = Duration::from_secs(3);
/// Printers answer `DLE EOT` at once, even while printing; longer means it never will.
const STATUS_WAIT: Duration = Duration::from_millis(500);
/// A 80 mm ticket is ~50 KiB; a printer that has not taken it in this time is stuck.
const WRITE_WAIT: Duration = Duration::from_secs(20);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SendError {
    #[error("printer {0} does not answer: check that it is on and plugged into the network, and that its IP has not changed (print its self-test page)")]
    Unreachable(String),
    #[error("printer {target}: {problem}")]
    Status {
        target: String,
        problem: &'static str,
    },
    #[error("printer {target} stopped taking the ticket: {error}")]
    Cut { target: String, error: String },
    #[error("cannot write to {path}: {error}. Check the USB cable and that the resto-edge service may use the device (docs/technician.md § Kitchen printers, USB)")]
    Device { path: String, error: String },
}

pub async fn send(target: &PrinterTarget, bytes: &[u8]) -> Result<(), SendError> {
    match target {
        PrinterTarget::Tcp { host, port } => send_tcp(host, *port, bytes).await,
        PrinterTarget::Device(path) => send_device(path, bytes.to_vec()).await,
    }
}

/// Whether the printer can be reached, without printing anything (preflight).
pub async fn reachable(target: &PrinterTarget) -> Result<(), SendError> {
    match target {
        PrinterTarget::Tcp { host, port } => {
            match timeout(CONNECT_WAIT, TcpStream::connect((host.as_str(), *port))).await {
                Ok(Ok(_)) => Ok(()),
                _ => Err(SendError::Unreachable(target.describe())),
            }
        }
        PrinterTarget::Device(path) => std::fs::OpenOptions::new()
            .append(true)
            .open(path)
            .map(|_| ())
            .map_err(|e| SendError::Device {
                path: path.clone(),
                error: e.to_string(),
            }),
    }
}

async fn send_tcp(host: &str, port: u16, bytes: &[u8]) -> Result<(), SendError> {
    let target = format!("{host}:{port}");
    let mut s = match timeout(CONNECT_WAIT, TcpStream::connect((host, port))).await {
        Ok(Ok(s)) => s,
        _ => return Err(SendError::Unreachable(target)),
    };
    let cut = |e: std::io::Error| SendError::Cut {
        target: target.clone(),
        error: e.to_string(),
    };
    let answers = check_status(&mut s, &target).await?;
    match timeout(WRITE_WAIT, async {
        s.write_all(bytes).await?;
        s.flush().await
    })
    .await
    {
        Ok(r) => r.map_err(cut)?,
        Err(_) => {
            return Err(SendError::Cut {
                target,
                error: "timed out".into(),
            })
        }
    }
    // Paper that ran out during the ticket: print it again rather than lose its end.
    if answers {
        check_status(&mut s, &target).await?;
    }
    let _ = s.shutdown().await;
    Ok(())
}

/// Asks paper and off-line status; Ok(false) when the printer does not answer status.
async fn check_status(s: &mut TcpStream, target: &str) -> Result<bool, SendError> {
    for ask in [ASK_PAPER, ASK_OFFLINE] {
        let Some(answer) = ask_status(s, ask).await else {
            return Ok(false);
        };
        if let Some(problem) = status_problem(ask, answer) {
            return Err(SendError::Status {
                target: target.to_string(),
                problem,
            });
        }
    }
    Ok(true)
}

async fn ask_status(s: &mut TcpStream, ask: [u8; 3]) -> Option<u8> {
    s.write_all(&ask).await.ok()?;
    let mut b = [0u8; 1];
    match timeout(STATUS_WAIT, s.read_exact(&mut b)).await {
        Ok(Ok(_)) if is_status_byte(b[0]) => Some(b[0]),
        _ => None,
    }
}

/// A USB printer that is off can block a write for ever: after [`WRITE_WAIT`] the job counts
/// as failed and is tried again (if the stuck write finishes later, the ticket prints twice,
/// never zero times).
async fn send_device(path: &str, bytes: Vec<u8>) -> Result<(), SendError> {
    let p = path.to_string();
    let write = tokio::task::spawn_blocking(move || {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new().append(true).open(&p)?;
        f.write_all(&bytes)?;
        f.flush()
    });
    let error = match timeout(WRITE_WAIT, write).await {
        Ok(Ok(Ok(()))) => return Ok(()),
        Ok(Ok(Err(e))) => e.to_string(),
        Ok(Err(e)) => e.to_string(),
        Err(_) => "timed out: is the printer on?".to_string(),
    };
    Err(SendError::Device {
        path: path.to_string(),
        error,
    })
}
