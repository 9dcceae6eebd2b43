-- Long-poll acknowledgements: `after=N` on GET /v1/sync/events acknowledges every event <= N.
ALTER TABLE nodes ADD COLUMN acked_seq INTEGER NOT NULL DEFAULT 0 CHECK (acked_seq >= 0);
