-- Edge schema placeholder: the store arrives with the edge ordering issue.
CREATE TABLE device_info (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
