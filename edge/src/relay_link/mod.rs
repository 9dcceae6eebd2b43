//! The edge's side of the v1 sync channel: the long-poll loop that applies relay events, the
//! outbox drain, and the systemd watchdog heartbeat that watches both.
//!
//! May import: `config`, `store`, `app`.

pub mod heartbeat;
pub mod media_download;
pub mod reconnect;
pub mod sync_worker;
