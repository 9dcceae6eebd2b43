-- A claimed reply (a Graph call started for it) is marked `leased` until its outcome is
-- recorded. Only one relay uses a database (it holds resto-relay.lock for its life), so at
-- start-up every lease left belongs to a process that died mid-send: those replies are made
-- due at once instead of waiting out RELAY_SEND_LEASE_SECS behind which the customer's later
-- replies would wait too.
ALTER TABLE outbox_items ADD COLUMN leased INTEGER NOT NULL DEFAULT 0 CHECK (leased IN (0, 1));
