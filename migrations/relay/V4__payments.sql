-- Online payments (Chargily Pay v2, docs/payments.md). The relay holds the gateway key, so it
-- is the one that creates checkouts and hears the gateway's webhooks; nodes learn the outcome
-- as `payment_update` events.

-- One row per checkout a node asked for; (node_id, attempt_id) is the node's idempotency key.
CREATE TABLE payment_checkouts (
    node_id         TEXT NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
    attempt_id      TEXT NOT NULL,
    order_ref       TEXT NOT NULL,
    amount          INTEGER NOT NULL CHECK (amount > 0),
    method          TEXT NOT NULL CHECK (method IN ('cib', 'edahabia')),
    locale          TEXT NOT NULL CHECK (locale IN ('fr', 'ar', 'en')),
    state           TEXT NOT NULL DEFAULT 'requested' CHECK (state IN (
        'requested', 'pending', 'processing', 'paid', 'failed', 'canceled', 'expired', 'unavailable')),
    checkout_id     TEXT UNIQUE,
    checkout_url    TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at TEXT NOT NULL,
    delay_told      INTEGER NOT NULL DEFAULT 0 CHECK (delay_told IN (0, 1)),
    last_error      TEXT,
    requested_at    TEXT NOT NULL,
    created_at      TEXT,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (node_id, attempt_id)
) WITHOUT ROWID;
-- Creation queue and reconciliation both look for a state, oldest first.
CREATE INDEX payment_checkouts_by_state ON payment_checkouts(state, next_attempt_at);

-- Every verified gateway webhook, by the gateway's event id: a redelivery is a duplicate.
CREATE TABLE payment_webhook_events (
    id          TEXT PRIMARY KEY,
    type        TEXT NOT NULL,
    checkout_id TEXT,
    outcome     TEXT NOT NULL CHECK (outcome IN ('applied', 'unchanged', 'unknown_checkout', 'amount_mismatch')),
    received_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX payment_webhook_events_by_received_at ON payment_webhook_events(received_at);

-- New security event types: a CHECK constraint cannot be altered, so the table is rebuilt.
CREATE TABLE security_events_new (
    id     INTEGER PRIMARY KEY,
    type   TEXT NOT NULL CHECK (type IN (
        'AUTH_DENY', 'SIGNATURE_MISSING', 'SIGNATURE_INVALID', 'VERIFY_TOKEN_INVALID',
        'PAYLOAD_INVALID', 'PAYLOAD_TOO_LARGE', 'AUDIO_URL_BLOCKED', 'MEDIA_URL_BLOCKED',
        'QUERY_TOKEN_REFUSED', 'PAYMENT_SIGNATURE_MISSING', 'PAYMENT_SIGNATURE_INVALID')),
    source TEXT,
    reason TEXT NOT NULL,
    at     TEXT NOT NULL
);
INSERT INTO security_events_new (id, type, source, reason, at)
    SELECT id, type, source, reason, at FROM security_events;
DROP TABLE security_events;
ALTER TABLE security_events_new RENAME TO security_events;
CREATE INDEX security_events_by_at ON security_events(at);
CREATE INDEX security_events_by_type_at ON security_events(type, at);
