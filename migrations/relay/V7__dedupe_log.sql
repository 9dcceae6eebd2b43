-- Dedupe keys in arrival order (cloud-relay/src/store/dedupe.rs): the relay decides from an
-- in-memory index loaded from this table at start, so the table needs no (provider, msg_id)
-- B-tree. Keyed that way, every webhook dirtied one random leaf page (8.5 of the 12.9 KB
-- written per webhook); as a rowid table a group commit appends to its last page or two.
-- No index on `seen_at` either (measured: 0.5 KB less written per webhook): it grows with
-- `id`, so retention finds its cut by a binary search over ids (store/retention.rs).
CREATE TABLE seen_messages_v7 (
    id       INTEGER PRIMARY KEY,
    provider TEXT NOT NULL CHECK (provider IN ('wa', 'ig', 'msg')),
    msg_id   TEXT NOT NULL,
    seen_at  TEXT NOT NULL
);
INSERT INTO seen_messages_v7 (provider, msg_id, seen_at)
    SELECT provider, msg_id, seen_at FROM seen_messages ORDER BY seen_at, provider, msg_id;
DROP TABLE seen_messages;
ALTER TABLE seen_messages_v7 RENAME TO seen_messages;
