-- Which relay holds a reply's lease. Each relay has a stable id in its own data dir
-- (relay.id), guarded by the data-dir lock: when a relay starts again it knows its previous
-- process is dead and makes that process's replies due at once, as the SQLite relay does,
-- without touching the live leases of the other relays. A relay that never comes back
-- leaves its leases to run out (RELAY_SEND_LEASE_SECS).
ALTER TABLE outbox_items ADD COLUMN leased_by text;
