-- WhatsApp business-scoped user ids (BSUID, in every messages webhook since April 2026; the
-- phone may be withheld for users with a username). A customer is found by BSUID first, by
-- the channel's user id (phone) second; both are kept (issue 19, META_PROTOCOL §4).
ALTER TABLE customers ADD COLUMN bsuid TEXT;

-- Customers who wrote before this version: the BSUID their latest message carried. One
-- customer per BSUID (the oldest), so the unique index below always builds.
UPDATE customers SET bsuid = b.bsuid
FROM (SELECT min(c.id) AS id, json_extract(m.payload, '$.user_bsuid') AS bsuid
      FROM inbound_messages m JOIN customers c ON c.provider = m.provider AND c.user_id = m.user_id
      WHERE json_valid(m.payload) AND json_extract(m.payload, '$.user_bsuid') IS NOT NULL
      GROUP BY 2) AS b
WHERE customers.id = b.id;

CREATE UNIQUE INDEX customers_by_bsuid ON customers(provider, bsuid) WHERE bsuid IS NOT NULL;
