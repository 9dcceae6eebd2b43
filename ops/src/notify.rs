//! systemd's notification protocol (`Type=notify`, `WatchdogSec=`). Outside systemd
//! (`NOTIFY_SOCKET` unset) every call is a no-op, so tests and hand runs need nothing.

use std::time::Duration;

/// Migrations are applied and the listeners are bound: systemd may start dependents.
pub fn ready() {
    send(&[sd_notify::NotifyState::Ready]);
}

/// The main loop is alive. Must arrive at least every `WatchdogSec`, or systemd restarts us.
pub fn watchdog() {
    send(&[sd_notify::NotifyState::Watchdog]);
}

/// Shutdown has begun: systemd waits (up to `TimeoutStopSec`) instead of killing.
pub fn stopping() {
    send(&[sd_notify::NotifyState::Stopping]);
}

/// A one-line status shown by `systemctl status`.
pub fn status(line: &str) {
    send(&[sd_notify::NotifyState::Status(line)]);
}

/// How often to ping: half the watchdog timeout systemd gave us, or `None` when the
/// watchdog is off (then the heartbeat still runs, to log a stalled loop).
pub fn watchdog_interval() -> Option<Duration> {
    let mut usec = 0u64;
    if sd_notify::watchdog_enabled(false, &mut usec) && usec > 0 {
        Some(Duration::from_micros(usec / 2))
    } else {
        None
    }
}

fn send(state: &[sd_notify::NotifyState]) {
    if std::env::var_os("NOTIFY_SOCKET").is_none() {
        return;
    }
    if let Err(e) = sd_notify::notify(false, state) {
        tracing::warn!(error = %e, "cannot notify systemd");
    }
}
