-- Trust and growth (issue 7): spam/abuse decisions, quarantine, no-show policy, FAQ search
-- index, conversion funnel and QR codes. Timestamps are RFC 3339 UTC text with milliseconds.

-- The owner's anti-abuse policy: at most one row, written when the owner changes it; no row
-- means the defaults below (a seed row would make a fresh database look "not empty" to restore).
CREATE TABLE trust_policy (
    id                 INTEGER PRIMARY KEY CHECK (id = 1),
    per_minute         INTEGER NOT NULL DEFAULT 15 CHECK (per_minute > 0),
    per_hour           INTEGER NOT NULL DEFAULT 150 CHECK (per_hour > 0),
    flood_repeats      INTEGER NOT NULL DEFAULT 5 CHECK (flood_repeats > 1),
    flood_window_min   INTEGER NOT NULL DEFAULT 10 CHECK (flood_window_min > 0),
    link_limit         INTEGER NOT NULL DEFAULT 3 CHECK (link_limit > 0),
    max_open_orders    INTEGER NOT NULL DEFAULT 3 CHECK (max_open_orders > 0),
    noshow_threshold   INTEGER NOT NULL DEFAULT 2 CHECK (noshow_threshold >= 0),
    noshow_action      TEXT NOT NULL DEFAULT 'phone_confirm'
                           CHECK (noshow_action IN ('none', 'phone_confirm', 'prepay')),
    quarantine_minutes INTEGER NOT NULL DEFAULT 720 CHECK (quarantine_minutes >= 0), -- 0: manual release only
    faq_min_score      REAL NOT NULL DEFAULT 0.5 CHECK (faq_min_score BETWEEN 0 AND 1) -- share of words found
);

-- What each sender recently wrote (folded text), for rate and flood checks; pruned after a day.
CREATE TABLE sender_activity (
    customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    at          TEXT NOT NULL,
    fold        TEXT NOT NULL,
    has_link    INTEGER NOT NULL CHECK (has_link IN (0, 1))
);
CREATE INDEX sender_activity_by_customer ON sender_activity(customer_id, at);

-- Quarantines, current and past. Active: released_at IS NULL and (until IS NULL or until > now).
CREATE TABLE quarantines (
    id          INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    reason      TEXT NOT NULL CHECK (reason IN ('rate_minute', 'rate_hour', 'flood', 'link_spam', 'order_abuse', 'manual')),
    detail      TEXT NOT NULL,
    since       TEXT NOT NULL,
    until       TEXT,
    released_at TEXT,
    released_by TEXT
);
CREATE INDEX quarantines_open ON quarantines(customer_id) WHERE released_at IS NULL;

-- Every trust decision, for the console's security page. The console (V4) may already have
-- created this table with (id, at, kind, detail): create it only if missing, then add the
-- trust columns, so both write and read the same table.
CREATE TABLE IF NOT EXISTS security_events (
    id     INTEGER PRIMARY KEY,
    at     TEXT NOT NULL,
    kind   TEXT NOT NULL,
    detail TEXT NOT NULL
);
ALTER TABLE security_events ADD COLUMN reason TEXT NOT NULL DEFAULT '';
ALTER TABLE security_events ADD COLUMN customer_id INTEGER REFERENCES customers(id) ON DELETE SET NULL;
CREATE INDEX IF NOT EXISTS security_events_by_at ON security_events(at);

-- The no-show rule applied to an order at checkout (staff must call, or online payment asked).
CREATE TABLE order_trust_checks (
    order_id INTEGER PRIMARY KEY REFERENCES orders(id) ON DELETE CASCADE,
    rule     TEXT NOT NULL CHECK (rule IN ('phone_confirm', 'prepay')),
    no_shows INTEGER NOT NULL,
    at       TEXT NOT NULL
);

-- FAQ search: one row per faq entry (rowid = faq.position), text already normalised and
-- folded by crate::text exactly like the intent matcher does, so the FTS tokenizer only splits.
CREATE VIRTUAL TABLE faq_fts USING fts5(body, tokenize = 'unicode61 remove_diacritics 0');

-- Conversion funnel. delivered/cancelled by staff are read from `orders` itself.
CREATE TABLE funnel_events (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    day         TEXT NOT NULL,       -- restaurant-local date
    customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    channel     TEXT NOT NULL CHECK (channel IN ('wa', 'ig', 'msg')),
    source      TEXT NOT NULL,       -- organic | ad | referral | qr:<label>
    step        TEXT NOT NULL CHECK (step IN ('conversation_started', 'menu_viewed', 'item_added',
                    'checkout_started', 'order_confirmed', 'order_cancelled')),
    order_id    INTEGER
);
CREATE INDEX funnel_events_by_day ON funnel_events(day, channel, step);
CREATE INDEX funnel_events_by_customer ON funnel_events(customer_id, id);

-- Prefilled texts printed on QR codes / links, to attribute the scans that arrive with them.
CREATE TABLE qr_codes (
    text_norm  TEXT PRIMARY KEY,
    label      TEXT NOT NULL,
    channel    TEXT NOT NULL CHECK (channel IN ('wa', 'ig', 'msg')),
    link       TEXT NOT NULL,
    created_at TEXT NOT NULL
);
