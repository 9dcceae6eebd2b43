-- Trust (issue 7): a new security event type, SENDER_RATE (a sender's burst, observed and
-- recorded; the messages are still stored and forwarded). SQLite cannot alter a CHECK, so
-- the table is rebuilt with its rows and indexes. The list keeps the payment types of
-- V4__payments (harmless where V4 is not applied).
CREATE TABLE security_events_v5 (
    id     INTEGER PRIMARY KEY,
    type   TEXT NOT NULL CHECK (type IN (
        'AUTH_DENY', 'SIGNATURE_MISSING', 'SIGNATURE_INVALID', 'VERIFY_TOKEN_INVALID',
        'PAYLOAD_INVALID', 'PAYLOAD_TOO_LARGE', 'AUDIO_URL_BLOCKED', 'MEDIA_URL_BLOCKED',
        'QUERY_TOKEN_REFUSED', 'PAYMENT_SIGNATURE_MISSING', 'PAYMENT_SIGNATURE_INVALID',
        'SENDER_RATE')),
    source TEXT,
    reason TEXT NOT NULL,
    at     TEXT NOT NULL
);
INSERT INTO security_events_v5 (id, type, source, reason, at) SELECT id, type, source, reason, at FROM security_events;
DROP TABLE security_events;
ALTER TABLE security_events_v5 RENAME TO security_events;
CREATE INDEX security_events_by_at ON security_events(at);
CREATE INDEX security_events_by_type_at ON security_events(type, at);
