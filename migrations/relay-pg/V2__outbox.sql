-- The outbox on PostgreSQL (migrations/relay V3, V11, V12 on SQLite): replies the edges asked
-- the relay to send, idempotent per node by the edge's item id, sent per customer in queue
-- order. `queue_seq` comes from an identity (arrival order across relays); `head` marks each
-- customer's one reply that may be sent next, kept under a per-customer advisory lock
-- (store/pg/outbox.rs). A claim is `next_attempt_at` moved to the end of its lease, taken
-- with FOR UPDATE SKIP LOCKED, so two relays never claim one reply, and the lease of a relay
-- that died simply runs out.
CREATE TABLE outbox_items (
    node_id         text NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
    id              text NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('send_message')),
    -- As the edge wrote it.
    created_at      text NOT NULL,
    received_at     timestamptz NOT NULL,
    payload         text NOT NULL,
    state           text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'dead')),
    attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz NOT NULL,
    provider_msg_id text,
    last_error      text,
    queue_seq       bigint GENERATED ALWAYS AS IDENTITY,
    account         text NOT NULL,
    recipient       text NOT NULL,
    head            boolean NOT NULL DEFAULT false,
    -- A call may be in flight (claimed, no outcome yet).
    leased          boolean NOT NULL DEFAULT false,
    released_later  integer,
    PRIMARY KEY (node_id, id)
);
CREATE INDEX outbox_items_customer_queue ON outbox_items(account, recipient, queue_seq)
    WHERE state = 'queued';
CREATE INDEX outbox_items_due_heads ON outbox_items(next_attempt_at)
    WHERE state = 'queued' AND head;
CREATE INDEX outbox_items_sent_by_received_at ON outbox_items(received_at) WHERE state = 'sent';
CREATE INDEX outbox_items_dead ON outbox_items(received_at) WHERE state = 'dead';
