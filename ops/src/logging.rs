//! Log output of both daemons: structured JSON lines on stderr (journald on the device
//! stores them), and optionally rolling JSON files in a directory, one per day, keeping
//! `keep_files` of them.

use std::path::PathBuf;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

#[derive(Debug, Clone)]
pub struct LogOptions {
    /// A tracing filter such as `info` or `resto_edge=debug`.
    pub filter: String,
    /// JSON (default) or human-readable text on stderr.
    pub json: bool,
    /// Also write rolling daily JSON files here.
    pub dir: Option<PathBuf>,
    /// Files kept in `dir` (older ones are deleted at each rotation).
    pub keep_files: usize,
    /// File name prefix, e.g. `resto-edge` → `resto-edge.2026-01-10.log`.
    pub file_prefix: String,
}

/// Keep it alive for the program's life: dropping it flushes and stops the file writer.
pub struct LogGuard(#[allow(dead_code)] Option<tracing_appender::non_blocking::WorkerGuard>);

/// Installs the global subscriber. A file directory that cannot be used is reported on
/// stderr and the program carries on with stderr only: logs must never stop the daemon.
pub fn init(opts: &LogOptions) -> LogGuard {
    // refinery narrates every start at info; its news is only interesting when something fails.
    let spec = if opts.filter.contains("refinery") {
        opts.filter.clone()
    } else {
        format!("{},refinery_core=warn", opts.filter)
    };
    let filter =
        || EnvFilter::try_new(&spec).unwrap_or_else(|_| EnvFilter::new("info,refinery_core=warn"));
    let stderr = if opts.json {
        tracing_subscriber::fmt::layer()
            .json()
            .flatten_event(true)
            .with_writer(std::io::stderr)
            .with_filter(filter())
            .boxed()
    } else {
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_filter(filter())
            .boxed()
    };
    let mut guard = None;
    let file = opts.dir.as_ref().and_then(|dir| {
        let appender = tracing_appender::rolling::Builder::new()
            .rotation(tracing_appender::rolling::Rotation::DAILY)
            .filename_prefix(&opts.file_prefix)
            .filename_suffix("log")
            .max_log_files(opts.keep_files.max(1))
            .build(dir);
        match appender {
            Ok(a) => {
                let (w, g) = tracing_appender::non_blocking(a);
                guard = Some(g);
                Some(
                    tracing_subscriber::fmt::layer()
                        .json()
                        .flatten_event(true)
                        .with_ansi(false)
                        .with_writer(w)
                        .with_filter(filter())
                        .boxed(),
                )
            }
            Err(e) => {
                eprintln!(
                    "cannot write log files in {} ({e}); logging to stderr only. Check LOG_DIR and its permissions.",
                    dir.display()
                );
                None
            }
        }
    });
    let _ = tracing_subscriber::registry()
        .with(stderr)
        .with(file)
        .try_init();
    LogGuard(guard)
}
