-- Customers' media kept on the device: a voice note fetched while the restaurant was online
-- stays playable when the internet is down. One row per attachment of an inbound message;
-- the file lives under <data_dir>/media/<id> (path stored as written).
CREATE TABLE media_files (
    id              INTEGER PRIMARY KEY,
    transcript_id   INTEGER NOT NULL REFERENCES transcript(id) ON DELETE CASCADE,
    msg_id          TEXT NOT NULL,
    idx             INTEGER NOT NULL CHECK (idx >= 0),
    kind            TEXT NOT NULL,
    mime_type       TEXT,
    state           TEXT NOT NULL DEFAULT 'wanted' CHECK (state IN ('wanted', 'have', 'failed')),
    path            TEXT,
    size            INTEGER,
    error           TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    fetched_at      TEXT,
    UNIQUE (msg_id, idx)
);
CREATE INDEX media_files_wanted ON media_files(state, next_attempt_at);
CREATE INDEX media_files_by_transcript ON media_files(transcript_id);
