-- Customers edit and unsend messages on Messenger and Instagram (issue 19): the transcript line
-- of the original is found by its channel message id and changed in place.
--   msg_id    the channel's id of an inbound message (NULL for lines written before, and for
--             the bot's and staff's lines);
--   revision  'edited' (body is the customer's latest text) or 'deleted' (body removed: the
--             customer took the message back).
ALTER TABLE transcript ADD COLUMN msg_id TEXT;
ALTER TABLE transcript ADD COLUMN revision TEXT CHECK (revision IN ('edited', 'deleted'));
CREATE INDEX transcript_by_msg_id ON transcript(customer_id, msg_id) WHERE msg_id IS NOT NULL;

-- A reply's line knows the outbox item that carries it, so a delivery the relay reports as
-- failed (e.g. more than 24 h since the customer's last message, Meta code 131047) shows on
-- that line as "not delivered" with the reason, for staff to reach the customer another way.
ALTER TABLE transcript ADD COLUMN outbox_id TEXT;
ALTER TABLE transcript ADD COLUMN undelivered TEXT;
CREATE INDEX transcript_by_outbox_id ON transcript(outbox_id) WHERE outbox_id IS NOT NULL;
