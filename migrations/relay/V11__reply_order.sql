-- Replies leave per customer in the order the edge queued them (issue 15). Each item gets:
--   queue_seq  its place in the relay's queue: arrival order, which is the edge's outbox order
--              (the edge posts its outbox in `seq` order, one batch at a time);
--   account    the channel account it is sent from (`wa:<phone_number_id>`, `msg:<page>`, …);
--   recipient  the customer it goes to (`to` of the payload);
--   head       1 on the one queued item of each (account, recipient) that may be sent next:
--              the lowest queue_seq still queued. Kept by the writer (store/outbox.rs), so the
--              sender finds every customer's next reply through a small index instead of
--              comparing each due item with its customer's whole queue.
--   released_later  for a dead letter: how many later replies to the same customer were queued
--              when it died; they were released (sent without it), see docs/protocol.md.
ALTER TABLE outbox_items ADD COLUMN queue_seq INTEGER;
ALTER TABLE outbox_items ADD COLUMN account TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox_items ADD COLUMN recipient TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox_items ADD COLUMN head INTEGER NOT NULL DEFAULT 0 CHECK (head IN (0, 1));
ALTER TABLE outbox_items ADD COLUMN released_later INTEGER;

UPDATE outbox_items SET
    account = coalesce(json_extract(payload, '$.provider') || ':' || json_extract(payload, '$.account_id'), ''),
    recipient = coalesce(json_extract(payload, '$.to'), '')
WHERE json_valid(payload);

-- Items queued before this migration keep the order they arrived in.
UPDATE outbox_items SET queue_seq = r.n
FROM (SELECT node_id, id, row_number() OVER (ORDER BY received_at, node_id, id) AS n FROM outbox_items) AS r
WHERE r.node_id = outbox_items.node_id AND r.id = outbox_items.id;

CREATE INDEX outbox_items_by_queue_seq ON outbox_items(queue_seq);
CREATE INDEX outbox_items_customer_queue ON outbox_items(account, recipient, queue_seq)
    WHERE state = 'queued';
CREATE INDEX outbox_items_due_heads ON outbox_items(next_attempt_at)
    WHERE state = 'queued' AND head = 1;

UPDATE outbox_items SET head = 1
WHERE state = 'queued' AND queue_seq = (
    SELECT min(p.queue_seq) FROM outbox_items p
    WHERE p.state = 'queued' AND p.account = outbox_items.account AND p.recipient = outbox_items.recipient);
