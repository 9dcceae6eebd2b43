-- Never silence while the device is away (issue 15, docs/relay.md § Away notices): when a
-- node has not polled for longer than `[away] after_secs` and a customer writes, the relay
-- answers that customer once per outage that the message is saved.

-- Set on every event of a customer who was told during the node's outage, so the node learns
-- it with the event (wire field `away_notice`). Existing events: not told.
ALTER TABLE events ADD COLUMN away_notice INTEGER NOT NULL DEFAULT 0;

-- One row per customer told per outage. An outage is named by the node's last poll before
-- it (`nodes.last_seen_at`, or `created_at` for a node that never polled): the same value
-- for the whole outage, a new one once the node has polled again. The primary key is the
-- "once per outage": a second message in the same outage finds the row and is not answered.
CREATE TABLE away_notices (
    node_id      TEXT NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
    outage_since TEXT NOT NULL,
    provider     TEXT NOT NULL CHECK (provider IN ('wa', 'ig', 'msg')),
    account_id   TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    -- The `outbox_items` row that carries the notice (sent like any reply, DLQ included).
    outbox_id    TEXT NOT NULL,
    told_at      TEXT NOT NULL,
    PRIMARY KEY (node_id, outage_since, provider, account_id, user_id)
) WITHOUT ROWID;
-- Housekeeping forgets old rows by age (store/retention.rs).
CREATE INDEX away_notices_by_told_at ON away_notices(told_at);
