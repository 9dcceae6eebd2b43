-- Indexes that let the retention jobs delete old rows by walking a timestamp index instead
-- of scanning the table (edge/src/retention.rs; checked by an EXPLAIN QUERY PLAN test).
CREATE INDEX message_statuses_by_at ON message_statuses(at);
CREATE INDEX inbound_messages_by_received_at ON inbound_messages(received_at);
-- The status bar's "oldest unsent reply" is min(created_at) of the outbox.
CREATE INDEX outbox_by_created_at ON outbox(created_at);
