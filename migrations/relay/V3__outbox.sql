-- Items the edges asked the relay to carry out (POST /v1/sync/outbox), idempotent per node by
-- the edge's item id. The sender works through `state` / `next_attempt_at`.
CREATE TABLE outbox_items (
    node_id           TEXT NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
    id                TEXT NOT NULL,
    kind              TEXT NOT NULL CHECK (kind IN ('send_message')),
    created_at        TEXT NOT NULL,
    received_at       TEXT NOT NULL,
    payload           TEXT NOT NULL,
    state             TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'dead')),
    attempts          INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at   TEXT NOT NULL,
    provider_msg_id   TEXT,
    last_error        TEXT,
    PRIMARY KEY (node_id, id)
) WITHOUT ROWID;
CREATE INDEX outbox_items_due ON outbox_items(state, next_attempt_at);
