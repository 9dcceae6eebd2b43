-- Meta's customer-service window (issue 19): a free-form message may reach a customer only
-- within 24 h of their last message; outside it only an approved template may. The relay
-- keeps, per customer of each channel account, the time of their last message (written with
-- the message, in the ingest transaction), and per route the utility template it may send a
-- late notice as (`resto-relay route template`).
CREATE TABLE customer_windows (
    provider        TEXT NOT NULL CHECK (provider IN ('wa', 'ig', 'msg')),
    account_id      TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    last_inbound_at TEXT NOT NULL,
    PRIMARY KEY (provider, account_id, user_id)
) WITHOUT ROWID;

-- Customers who wrote before this version: their last message still in the event log.
INSERT INTO customer_windows (provider, account_id, user_id, last_inbound_at)
SELECT json_extract(payload, '$.provider'), json_extract(payload, '$.account_id'),
       json_extract(payload, '$.user_id'), max(json_extract(payload, '$.timestamp'))
FROM events
WHERE kind = 'inbound_message' AND json_valid(payload)
  AND json_extract(payload, '$.provider') IN ('wa', 'ig', 'msg')
  AND json_extract(payload, '$.account_id') IS NOT NULL
  AND json_extract(payload, '$.user_id') IS NOT NULL
  AND json_extract(payload, '$.timestamp') IS NOT NULL
GROUP BY 1, 2, 3;

ALTER TABLE routes ADD COLUMN window_template TEXT;
