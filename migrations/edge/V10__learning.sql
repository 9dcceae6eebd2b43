-- The owner's learning loop (issue 14): what customers wrote that the bot could not map to
-- an item, a commune or an intent, and the aliases the owner taught from the console.

-- One row per normalised phrase (`domain::text::phrase` words joined by one space: the same
-- key an alias of that phrase matches on). `sample` is the last spelling as typed.
CREATE TABLE unmapped_phrases (
    id          INTEGER PRIMARY KEY,
    phrase      TEXT NOT NULL UNIQUE,
    sample      TEXT NOT NULL,
    count       INTEGER NOT NULL DEFAULT 1 CHECK (count >= 1),
    first_seen  TEXT NOT NULL,
    last_seen   TEXT NOT NULL
);
CREATE INDEX unmapped_phrases_by_count ON unmapped_phrases(count DESC, last_seen DESC);

-- The conversations a phrase came from (the conversation is the customer's): the message and
-- its time. Only the latest few per phrase are kept (`store::learning::KEEP_SEEN`).
CREATE TABLE unmapped_phrase_seen (
    phrase_id   INTEGER NOT NULL REFERENCES unmapped_phrases(id) ON DELETE CASCADE,
    customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    msg_id      TEXT NOT NULL,
    at          TEXT NOT NULL,
    PRIMARY KEY (phrase_id, customer_id, msg_id)
) WITHOUT ROWID;
CREATE INDEX unmapped_phrase_seen_by_customer ON unmapped_phrase_seen(customer_id);

-- What the owner taught: `phrase` (normalised like above) now names `target`, a menu SKU, a
-- commune code (`data/dz_communes.json`) or an intent name. `register` is optional (fr, ar,
-- darija, arabizi). A phrase names one thing per kind; teaching it again replaces it.
CREATE TABLE owner_aliases (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('item', 'commune', 'intent')),
    phrase      TEXT NOT NULL CHECK (phrase <> ''),
    target      TEXT NOT NULL,
    register    TEXT CHECK (register IN ('fr', 'ar', 'darija', 'arabizi')),
    created_at  TEXT NOT NULL,
    created_by  INTEGER REFERENCES staff(id) ON DELETE SET NULL,
    UNIQUE (kind, phrase)
);
