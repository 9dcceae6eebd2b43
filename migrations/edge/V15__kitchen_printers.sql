-- Kitchen printers and their print jobs (issue 17). A job is written in the transaction that
-- confirms the order (or accepts a counter order, cancels, changes it), so a ticket cannot be
-- lost between "order confirmed" and "sent to the printer"; the worker marks it printed only
-- after the printer took every byte.

CREATE TABLE printers (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    -- Exactly one of: raw TCP "host:port" (JetDirect, port 9100), or a device file.
    address     TEXT,
    device      TEXT,
    width_mm    INTEGER NOT NULL CHECK (width_mm IN (58, 80)),
    lang        TEXT NOT NULL CHECK (lang IN ('fr', 'ar')),
    -- JSON array of menu category ids this station prints; [] = every category.
    categories  TEXT NOT NULL DEFAULT '[]',
    copies      INTEGER NOT NULL DEFAULT 1 CHECK (copies BETWEEN 1 AND 5),
    created_at  TEXT NOT NULL,
    CHECK ((address IS NULL) <> (device IS NULL))
);

CREATE TABLE print_jobs (
    id              INTEGER PRIMARY KEY,
    printer_id      INTEGER NOT NULL REFERENCES printers(id) ON DELETE CASCADE,
    order_id        INTEGER REFERENCES orders(id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('order', 'reprint', 'cancelled', 'changed')),
    status          TEXT NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting', 'printed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    printed_at      TEXT
);
-- The worker's scan: a printer's waiting jobs, oldest first.
CREATE INDEX print_jobs_waiting ON print_jobs(printer_id, id) WHERE status = 'waiting';
CREATE INDEX print_jobs_by_order ON print_jobs(order_id);
-- Retention: printed tickets are forgotten after 30 days (store::retention).
CREATE INDEX print_jobs_printed ON print_jobs(printed_at) WHERE status = 'printed';

-- What staff typed for the kitchen when entering the order ("sans oignons"), printed on its
-- tickets.
ALTER TABLE orders ADD COLUMN note TEXT;
