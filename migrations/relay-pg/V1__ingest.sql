-- Relay schema on PostgreSQL, v1 (issue 18): what the ingest path needs. The same tables and
-- columns as migrations/relay/ produces on SQLite (V1..V13) for nodes, routes, the event log,
-- dedupe keys, unrouted and security events and customer windows; the other tables (outbox,
-- payments, media, away notices) come with the later parts of the backend.
-- Differences from SQLite, on purpose: times written by the relay are timestamptz (SQLite
-- keeps RFC 3339 text), seqs are bigint, booleans are boolean. Payloads stay text: canonical
-- JSON written by serde and read back whole, never queried, so jsonb would only re-parse them.

CREATE TABLE nodes (
    id                text PRIMARY KEY,
    name              text NOT NULL UNIQUE,
    -- The node secret is derived from the master key and this generation (never stored).
    secret_generation integer NOT NULL DEFAULT 1 CHECK (secret_generation >= 1),
    -- Highest seq ever handed out for this node: never reused, even after purges. Also the
    -- row every appending transaction locks first (store/pg/writer.rs): commits to one
    -- node's log happen one at a time, in seq order.
    last_seq          bigint NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
    acked_seq         bigint NOT NULL DEFAULT 0 CHECK (acked_seq >= 0),
    created_at        timestamptz NOT NULL,
    last_seen_at      timestamptz
);

CREATE TABLE routes (
    provider        text NOT NULL CHECK (provider IN ('wa', 'ig', 'msg')),
    account_id      text NOT NULL CHECK (length(account_id) > 0),
    node_id         text NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
    access_token    text,
    created_at      timestamptz NOT NULL,
    window_template text,
    PRIMARY KEY (provider, account_id)
);
CREATE INDEX routes_by_node ON routes(node_id);

CREATE TABLE events (
    node_id     text NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
    seq         bigint NOT NULL CHECK (seq > 0),
    id          text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('inbound_message', 'message_status', 'payment_update', 'config_update')),
    received_at timestamptz NOT NULL,
    payload     text NOT NULL,
    away_notice boolean NOT NULL DEFAULT false,
    PRIMARY KEY (node_id, seq)
);

-- Dedupe keys of Meta's retries. The primary key is the decision, shared by every relay of
-- the deployment: a second insert of a key finds it (or waits for the transaction that is
-- inserting it) and does nothing. Kept longer than the events (Meta retries for 7 days).
CREATE TABLE seen_messages (
    provider text NOT NULL CHECK (provider IN ('wa', 'ig', 'msg')),
    msg_id   text NOT NULL,
    seen_at  timestamptz NOT NULL,
    PRIMARY KEY (provider, msg_id)
);
CREATE INDEX seen_messages_by_seen_at ON seen_messages(seen_at);

-- `arrival` keeps the order events were parked in (several share one received_at when they
-- came in one group), the order `route add` hands them to the node in.
CREATE TABLE unrouted_events (
    arrival     bigint GENERATED ALWAYS AS IDENTITY,
    id          text PRIMARY KEY,
    provider    text NOT NULL CHECK (provider IN ('wa', 'ig', 'msg')),
    account_id  text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('inbound_message', 'message_status', 'payment_update', 'config_update')),
    received_at timestamptz NOT NULL,
    payload     text NOT NULL
);
CREATE INDEX unrouted_by_account ON unrouted_events(provider, account_id, arrival);

CREATE TABLE security_events (
    id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    type   text NOT NULL CHECK (type IN (
        'AUTH_DENY', 'SIGNATURE_MISSING', 'SIGNATURE_INVALID', 'VERIFY_TOKEN_INVALID',
        'PAYLOAD_INVALID', 'PAYLOAD_TOO_LARGE', 'AUDIO_URL_BLOCKED', 'MEDIA_URL_BLOCKED',
        'QUERY_TOKEN_REFUSED', 'PAYMENT_SIGNATURE_MISSING', 'PAYMENT_SIGNATURE_INVALID',
        'SENDER_RATE')),
    source text,
    reason text NOT NULL,
    at     timestamptz NOT NULL
);
CREATE INDEX security_events_by_at ON security_events(at);
CREATE INDEX security_events_by_type_at ON security_events(type, at);

-- Meta's customer-service window: each customer's last message (the payload's RFC 3339
-- `timestamp`, kept as text as on SQLite), written in the ingest transaction.
CREATE TABLE customer_windows (
    provider        text NOT NULL CHECK (provider IN ('wa', 'ig', 'msg')),
    account_id      text NOT NULL,
    user_id         text NOT NULL,
    last_inbound_at text NOT NULL,
    PRIMARY KEY (provider, account_id, user_id)
);

-- The fingerprint of the deployment's master.key, recorded by the first relay that starts:
-- node secrets derive from that key, so a relay with another key would refuse every node.
-- One row at most.
CREATE TABLE relay_master_key (
    one         boolean PRIMARY KEY DEFAULT true CHECK (one),
    fingerprint text NOT NULL,
    recorded_at timestamptz NOT NULL
);
