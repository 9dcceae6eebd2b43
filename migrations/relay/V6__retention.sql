-- Lets the housekeeping purge find old sent replies by walking an index of just those rows
-- (cloud-relay/src/store/retention.rs; checked by an EXPLAIN QUERY PLAN test). Queued and
-- dead items are not in it, so it costs the sender nothing until an item is sent.
CREATE INDEX outbox_items_sent_by_received_at ON outbox_items(received_at) WHERE state = 'sent';
