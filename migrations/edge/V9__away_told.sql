-- Issue 15. When the relay cannot reach this node it may answer a customer that their message
-- is saved (docs/protocol.md § Away notices); the events arrive flagged `away_notice`.

-- Customers told during an outage, until staff acknowledge the console's notice (one row per
-- customer however many messages they sent).
CREATE TABLE away_told (
    provider  TEXT NOT NULL CHECK (provider IN ('wa', 'ig', 'msg')),
    user_id   TEXT NOT NULL,
    told_seen TEXT NOT NULL,
    PRIMARY KEY (provider, user_id)
) WITHOUT ROWID;

-- When the sync loops try the relay next after a failure (`resto-edge status`); NULL while
-- connected.
ALTER TABLE sync_state ADD COLUMN next_attempt_at TEXT;
