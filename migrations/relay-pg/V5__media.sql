-- Customers' media on PostgreSQL (migrations/relay V10 on SQLite, docs/relay.md § Media).
-- With several relays a node may fetch from relay B what relay A downloaded, so the bytes
-- live in the shared database (media_bodies) instead of one relay's disk; a separate table
-- keeps the queue rows small. Times are RFC 3339 text, as the media worker writes them.
CREATE TABLE media (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    node_id         text NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
    msg_id          text NOT NULL,
    idx             integer NOT NULL CHECK (idx >= 0),
    provider        text NOT NULL CHECK (provider IN ('wa', 'ig', 'msg')),
    account_id      text NOT NULL,
    kind            text NOT NULL,
    media_id        text,
    url             text,
    mime_type       text,
    sha256          text,
    state           text NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'fetched', 'failed', 'delivered', 'purged')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at text NOT NULL,
    size            bigint,
    error           text,
    created_at      text NOT NULL,
    fetched_at      text,
    delivered_at    text,
    UNIQUE (node_id, msg_id, idx)
);
CREATE INDEX media_due ON media(state, next_attempt_at);

-- The bytes of a fetched attachment, until the node has had them for the grace period.
CREATE TABLE media_bodies (
    media_id bigint PRIMARY KEY REFERENCES media(id) ON DELETE CASCADE,
    body     bytea NOT NULL
);

-- How far each node's event log has been looked at for media. Relays scanning at once
-- insert the same rows (ignored by the unique key) and only ever move this forward.
CREATE TABLE media_scan (
    node_id  text PRIMARY KEY REFERENCES nodes(id) ON DELETE CASCADE,
    last_seq bigint NOT NULL
);
