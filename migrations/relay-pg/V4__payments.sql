-- Online payments on PostgreSQL (migrations/relay V4 on SQLite, docs/payments.md). Times are
-- RFC 3339 text written by the relay, as on SQLite: the payment worker compares and stores
-- them as it reads them, and both backends answer alike.

-- One row per checkout a node asked for; (node_id, attempt_id) is the node's idempotency key.
-- With several relays, a worker claims due rows by moving next_attempt_at past its lease
-- (FOR UPDATE SKIP LOCKED), so one checkout is never created twice at once.
CREATE TABLE payment_checkouts (
    node_id         text NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
    attempt_id      text NOT NULL,
    order_ref       text NOT NULL,
    amount          bigint NOT NULL CHECK (amount > 0),
    method          text NOT NULL CHECK (method IN ('cib', 'edahabia')),
    locale          text NOT NULL CHECK (locale IN ('fr', 'ar', 'en')),
    state           text NOT NULL DEFAULT 'requested' CHECK (state IN (
        'requested', 'pending', 'processing', 'paid', 'failed', 'canceled', 'expired', 'unavailable')),
    checkout_id     text UNIQUE,
    checkout_url    text,
    attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at text NOT NULL,
    delay_told      boolean NOT NULL DEFAULT false,
    last_error      text,
    requested_at    text NOT NULL,
    created_at      text,
    updated_at      text NOT NULL,
    PRIMARY KEY (node_id, attempt_id)
);
-- Creation queue and reconciliation both look for a state, oldest first.
CREATE INDEX payment_checkouts_by_state ON payment_checkouts(state, next_attempt_at);

-- Every verified gateway webhook, by the gateway's event id: a redelivery (to any relay) is a
-- duplicate.
CREATE TABLE payment_webhook_events (
    id          text PRIMARY KEY,
    type        text NOT NULL,
    checkout_id text,
    outcome     text NOT NULL CHECK (outcome IN ('applied', 'unchanged', 'unknown_checkout', 'amount_mismatch')),
    received_at text NOT NULL
);
CREATE INDEX payment_webhook_events_by_received_at ON payment_webhook_events(received_at);
