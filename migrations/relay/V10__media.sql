-- Customers' media (voice notes, photos, documents): fetched from Meta by the relay soon
-- after ingest, kept as files under <data_dir>/media until the node has them (plus a grace
-- period). One row per attachment of an inbound message; the node asks by (msg_id, idx).
CREATE TABLE media (
    id              INTEGER PRIMARY KEY,
    node_id         TEXT NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
    msg_id          TEXT NOT NULL,
    idx             INTEGER NOT NULL CHECK (idx >= 0),
    provider        TEXT NOT NULL CHECK (provider IN ('wa', 'ig', 'msg')),
    account_id      TEXT NOT NULL,
    kind            TEXT NOT NULL,
    media_id        TEXT,
    url             TEXT,
    mime_type       TEXT,
    sha256          TEXT,
    state           TEXT NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'fetched', 'failed', 'delivered', 'purged')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    size            INTEGER,
    error           TEXT,
    created_at      TEXT NOT NULL,
    fetched_at      TEXT,
    delivered_at    TEXT,
    UNIQUE (node_id, msg_id, idx)
);
CREATE INDEX media_due ON media(state, next_attempt_at);

-- How far each node's event log has been looked at for media.
CREATE TABLE media_scan (
    node_id  TEXT PRIMARY KEY REFERENCES nodes(id) ON DELETE CASCADE,
    last_seq INTEGER NOT NULL
) WITHOUT ROWID;
