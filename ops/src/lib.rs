//! What both RestoBot daemons need to live on a device and be looked after: systemd
//! notification (`notify`), the lock that says "a daemon owns this data directory" (`lock`),
//! online SQLite backups with rotation and restore (`backup`), cron schedules (`schedule`)
//! and log output (`logging`). Each program wires these in with a few lines.
#![forbid(unsafe_code)]

pub mod backup;
pub mod lock;
pub mod logging;
pub mod notify;
pub mod query_plan;
pub mod schedule;
pub mod secret;

pub use secret::Secret;
