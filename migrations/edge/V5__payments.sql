-- How each order is paid (docs/payments.md). `orders.payment_status` stays the board's
-- summary; these tables keep the detail: one payment per order, every online attempt, refunds.

CREATE TABLE payments (
    order_id   INTEGER PRIMARY KEY REFERENCES orders(id) ON DELETE CASCADE,
    method     TEXT NOT NULL CHECK (method IN ('cod', 'cib', 'edahabia')),
    amount     INTEGER NOT NULL CHECK (amount >= 0),
    status     TEXT NOT NULL CHECK (status IN ('pending', 'awaiting_online', 'paid', 'failed', 'collected', 'refused')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- One row per checkout asked of the relay; the id is the create_checkout outbox item id, the
-- idempotency key the relay dedupes on.
CREATE TABLE payment_attempts (
    id           TEXT PRIMARY KEY,
    order_id     INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    method       TEXT NOT NULL CHECK (method IN ('cib', 'edahabia')),
    amount       INTEGER NOT NULL CHECK (amount > 0),
    status       TEXT NOT NULL CHECK (status IN (
        'requested', 'delayed', 'link_sent', 'processing', 'paid', 'failed', 'canceled', 'expired',
        'unavailable', 'abandoned')),
    checkout_id  TEXT,
    checkout_url TEXT,
    expires_at   TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX payment_attempts_by_order ON payment_attempts(order_id, created_at);
-- Several attempts per order, at most one that succeeded.
CREATE UNIQUE INDEX payment_attempts_one_paid ON payment_attempts(order_id) WHERE status = 'paid';

-- Money to give back: the gateway has no refund API, so the restaurant refunds and records it.
CREATE TABLE refunds (
    id           INTEGER PRIMARY KEY,
    order_id     INTEGER NOT NULL UNIQUE REFERENCES orders(id) ON DELETE CASCADE,
    amount       INTEGER NOT NULL CHECK (amount > 0),
    reason       TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    done_at      TEXT,
    done_by      TEXT
);
CREATE INDEX refunds_outstanding ON refunds(requested_at) WHERE done_at IS NULL;

-- The outbox now also carries checkout requests for the relay.
CREATE TABLE outbox_new (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL CHECK (kind IN ('send_message', 'create_checkout')),
    created_at TEXT NOT NULL,
    payload    TEXT NOT NULL
);
INSERT INTO outbox_new (seq, id, kind, created_at, payload) SELECT seq, id, kind, created_at, payload FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;

-- Delivery promises (issue 6): the window promised at confirmation (adjustable by staff),
-- when the order actually arrived, and a problem staff flagged on the way.
ALTER TABLE orders ADD COLUMN promised_at TEXT;
ALTER TABLE orders ADD COLUMN delivered_at TEXT;
ALTER TABLE orders ADD COLUMN delivery_issue TEXT CHECK (delivery_issue IN ('address_unclear', 'courier_delayed'));
UPDATE orders SET promised_at = eta WHERE promised_at IS NULL;
-- The board's "about to miss its window" query looks at open orders by ETA.
CREATE INDEX orders_open_by_eta ON orders(eta) WHERE status NOT IN ('delivered', 'cancelled', 'rejected');
CREATE INDEX orders_delivered_at ON orders(delivered_at) WHERE delivered_at IS NOT NULL;
