-- The restaurant's own data: menu, customers, conversations, carts and orders.
-- Money is integer dinars (DZD has no subunit in practice). Timestamps are RFC 3339 UTC text.

CREATE TABLE restaurant (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    name             TEXT NOT NULL,
    currency         TEXT NOT NULL,
    timezone         TEXT NOT NULL,
    wilaya_code      TEXT NOT NULL,
    commune          TEXT NOT NULL,
    phone            TEXT NOT NULL,
    default_language TEXT NOT NULL CHECK (default_language IN ('fr', 'ar')),
    opening_hours    TEXT NOT NULL,  -- JSON, as in the menu file
    payment_methods  TEXT NOT NULL,  -- JSON array of cod|cib|edahabia
    pickup           INTEGER NOT NULL CHECK (pickup IN (0, 1)),
    min_order        INTEGER NOT NULL CHECK (min_order >= 0),
    updated_at       TEXT NOT NULL
);

CREATE TABLE menu_categories (
    id       TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    name_fr  TEXT NOT NULL,
    name_ar  TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE menu_items (
    sku         TEXT PRIMARY KEY,
    category_id TEXT NOT NULL REFERENCES menu_categories(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    name_fr     TEXT NOT NULL,
    name_ar     TEXT NOT NULL,
    aliases     TEXT NOT NULL,       -- JSON array
    price       INTEGER NOT NULL CHECK (price >= 0),
    available   INTEGER NOT NULL CHECK (available IN (0, 1))
) WITHOUT ROWID;
CREATE INDEX menu_items_by_category ON menu_items(category_id, position);

CREATE TABLE menu_options (
    item_sku TEXT NOT NULL REFERENCES menu_items(sku) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name_fr  TEXT NOT NULL,
    name_ar  TEXT NOT NULL,
    required INTEGER NOT NULL CHECK (required IN (0, 1)),
    PRIMARY KEY (item_sku, position)
) WITHOUT ROWID;

CREATE TABLE menu_option_choices (
    item_sku    TEXT NOT NULL,
    option_pos  INTEGER NOT NULL,
    choice_id   TEXT NOT NULL,
    position    INTEGER NOT NULL,
    name_fr     TEXT NOT NULL,
    name_ar     TEXT NOT NULL,
    price_delta INTEGER NOT NULL,
    PRIMARY KEY (item_sku, option_pos, choice_id),
    FOREIGN KEY (item_sku, option_pos) REFERENCES menu_options(item_sku, position) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE TABLE delivery_zones (
    position    INTEGER PRIMARY KEY,
    wilaya_code TEXT NOT NULL,
    communes    TEXT NOT NULL,       -- JSON: "*" or an array of commune names
    fee         INTEGER NOT NULL CHECK (fee >= 0),
    eta_minutes INTEGER NOT NULL CHECK (eta_minutes > 0)
);

CREATE TABLE faq (
    position INTEGER PRIMARY KEY,
    q_fr     TEXT NOT NULL,
    q_ar     TEXT NOT NULL,
    a_fr     TEXT NOT NULL,
    a_ar     TEXT NOT NULL,
    keywords TEXT NOT NULL           -- JSON array
);

CREATE TABLE customers (
    id            INTEGER PRIMARY KEY,
    provider      TEXT NOT NULL CHECK (provider IN ('wa', 'ig', 'msg')),
    user_id       TEXT NOT NULL,
    account_id    TEXT NOT NULL,
    display_name  TEXT,
    phone         TEXT,
    lang          TEXT CHECK (lang IN ('fr', 'ar')),
    lang_explicit INTEGER NOT NULL DEFAULT 0 CHECK (lang_explicit IN (0, 1)),
    flags         TEXT NOT NULL DEFAULT '[]',  -- JSON array of strings
    created_at    TEXT NOT NULL,
    UNIQUE (provider, user_id)
);

CREATE TABLE conversations (
    customer_id       INTEGER PRIMARY KEY REFERENCES customers(id) ON DELETE CASCADE,
    stage             TEXT NOT NULL,    -- copy of state.stage, for the console's queries
    state             TEXT NOT NULL,    -- JSON: the engine's Conversation
    bot_paused        INTEGER NOT NULL DEFAULT 0 CHECK (bot_paused IN (0, 1)),
    handoff_requested INTEGER NOT NULL DEFAULT 0 CHECK (handoff_requested IN (0, 1)),
    unread            INTEGER NOT NULL DEFAULT 0 CHECK (unread >= 0),
    last_activity     TEXT NOT NULL
);
CREATE INDEX conversations_by_activity ON conversations(last_activity);
CREATE INDEX conversations_handoff ON conversations(handoff_requested) WHERE handoff_requested = 1;

CREATE TABLE carts (
    customer_id INTEGER PRIMARY KEY REFERENCES customers(id) ON DELETE CASCADE,
    lines       TEXT NOT NULL,          -- JSON array of cart lines
    updated_at  TEXT NOT NULL
);

CREATE TABLE orders (
    id              INTEGER PRIMARY KEY,
    number          TEXT NOT NULL,      -- A-042: letter + daily counter, shown to customers and staff
    day             TEXT NOT NULL,      -- restaurant-local date the number belongs to
    daily_seq       INTEGER NOT NULL CHECK (daily_seq > 0),
    customer_id     INTEGER NOT NULL REFERENCES customers(id),
    status          TEXT NOT NULL CHECK (status IN
                        ('new', 'accepted', 'rejected', 'preparing', 'ready',
                         'out_for_delivery', 'delivered', 'cancelled')),
    subtotal        INTEGER NOT NULL CHECK (subtotal >= 0),
    delivery_fee    INTEGER NOT NULL CHECK (delivery_fee >= 0),
    total           INTEGER NOT NULL CHECK (total = subtotal + delivery_fee),
    fulfilment      TEXT NOT NULL CHECK (fulfilment IN ('pickup', 'delivery')),
    address         TEXT,
    wilaya_code     TEXT,
    commune         TEXT,
    latitude        REAL,
    longitude       REAL,
    payment_method  TEXT NOT NULL CHECK (payment_method IN ('cod', 'cib', 'edahabia')),
    payment_status  TEXT NOT NULL CHECK (payment_status IN
                        ('pending', 'awaiting_online', 'paid', 'failed', 'collected', 'refused')),
    eta             TEXT,
    lang            TEXT NOT NULL CHECK (lang IN ('fr', 'ar')),
    cancel_reason   TEXT,
    source          TEXT NOT NULL,      -- wa|ig|msg|counter|phone
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (day, daily_seq),
    CHECK (fulfilment = 'pickup' OR address IS NOT NULL)
);
CREATE INDEX orders_by_customer ON orders(customer_id, id);
CREATE INDEX orders_by_status ON orders(status, created_at);

CREATE TABLE order_items (
    order_id   INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    line_no    INTEGER NOT NULL,
    sku        TEXT NOT NULL,
    name       TEXT NOT NULL,
    quantity   INTEGER NOT NULL CHECK (quantity > 0),
    unit_price INTEGER NOT NULL CHECK (unit_price >= 0),
    options    TEXT NOT NULL,           -- JSON array of chosen option names
    line_total INTEGER NOT NULL CHECK (line_total = quantity * unit_price),
    PRIMARY KEY (order_id, line_no)
) WITHOUT ROWID;
