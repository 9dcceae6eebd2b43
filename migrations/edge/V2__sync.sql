-- Edge side of the v1 sync channel: the cursor, applied events (effectively-once), the inbound
-- messages handed to the ordering engine, delivery statuses, and the outbox.

CREATE TABLE sync_state (
    id                 INTEGER PRIMARY KEY CHECK (id = 1),
    cursor             INTEGER NOT NULL DEFAULT 0 CHECK (cursor >= 0),
    last_sync_at       TEXT,
    offline_since      TEXT
);
INSERT INTO sync_state (id) VALUES (1);

CREATE TABLE applied_events (
    event_id   TEXT PRIMARY KEY,
    seq        INTEGER NOT NULL,
    applied_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX applied_events_by_applied_at ON applied_events(applied_at);

CREATE TABLE inbound_messages (
    provider   TEXT NOT NULL CHECK (provider IN ('wa', 'ig', 'msg')),
    msg_id     TEXT NOT NULL,
    event_id   TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    kind       TEXT NOT NULL,
    received_at TEXT NOT NULL,
    payload    TEXT NOT NULL,
    PRIMARY KEY (provider, msg_id)
) WITHOUT ROWID;
CREATE INDEX inbound_messages_by_user ON inbound_messages(provider, user_id, received_at);

CREATE TABLE message_statuses (
    msg_id     TEXT NOT NULL,
    status     TEXT NOT NULL,
    outbox_id  TEXT,
    at         TEXT NOT NULL,
    payload    TEXT NOT NULL,
    PRIMARY KEY (msg_id, status)
) WITHOUT ROWID;
CREATE INDEX message_statuses_by_outbox ON message_statuses(outbox_id);

-- Rows are written in the same transaction as the change that caused them and deleted only
-- once the relay answered accepted or duplicate. rowid order = creation order.
CREATE TABLE outbox (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL CHECK (kind IN ('send_message')),
    created_at TEXT NOT NULL,
    payload    TEXT NOT NULL
);
