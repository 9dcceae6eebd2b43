-- Away notices on PostgreSQL (migrations/relay V9 on SQLite): one row per customer told per
-- outage of their node. An outage is named by the node's last poll before it (RFC 3339
-- text, as `store::away::outage_since` gives it); the primary key is the "once per outage".
-- Rows of a node are only written while its row is locked (store/pg/away.rs).
CREATE TABLE away_notices (
    node_id      text NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
    outage_since text NOT NULL,
    provider     text NOT NULL CHECK (provider IN ('wa', 'ig', 'msg')),
    account_id   text NOT NULL,
    user_id      text NOT NULL,
    -- The `outbox_items` row that carries the notice (sent like any reply, DLQ included).
    outbox_id    text NOT NULL,
    told_at      timestamptz NOT NULL,
    PRIMARY KEY (node_id, outage_since, provider, account_id, user_id)
);
CREATE INDEX away_notices_by_told_at ON away_notices(told_at);
