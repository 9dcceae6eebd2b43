-- The staff console: accounts, sessions, a per-account lockout that survives restarts, the
-- conversation transcript shown to staff, and security events (failed logins, CSRF refusals).

CREATE TABLE staff (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE COLLATE NOCASE,
    role            TEXT NOT NULL CHECK (role IN ('owner', 'staff')),
    password_hash   TEXT NOT NULL,             -- argon2id PHC string
    failed_logins   INTEGER NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
    locked_until    TEXT,                      -- RFC 3339 UTC
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);

-- Only a SHA-256 of the cookie token is kept: a copied database does not log anyone in.
CREATE TABLE staff_sessions (
    token_hash  TEXT PRIMARY KEY,
    staff_id    INTEGER NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
    csrf_token  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX staff_sessions_by_expiry ON staff_sessions(expires_at);

-- What staff see of a conversation: customer messages (any kind) and what the bot or staff
-- answered. `media` is the attachment list as the relay normalised it (JSON), when any.
CREATE TABLE transcript (
    id           INTEGER PRIMARY KEY,
    customer_id  INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    direction    TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    author       TEXT NOT NULL,               -- customer | bot | staff:<name>
    kind         TEXT NOT NULL,               -- text, image, audio, location, buttons, …
    body         TEXT,
    media        TEXT,
    at           TEXT NOT NULL
);
CREATE INDEX transcript_by_customer ON transcript(customer_id, id);

CREATE TABLE security_events (
    id      INTEGER PRIMARY KEY,
    at      TEXT NOT NULL,
    kind    TEXT NOT NULL,
    detail  TEXT NOT NULL
);

-- Time from the relay receiving the last applied event to the edge applying it, for the
-- console's status bar.
ALTER TABLE sync_state ADD COLUMN relay_lag_ms INTEGER;
