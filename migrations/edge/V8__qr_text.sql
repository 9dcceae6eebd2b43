-- The prefilled text as the owner wrote it ("MENU Table 4"), printed on table cards; the key
-- stays the normalised form that scans are matched on. Older codes print their key instead.
ALTER TABLE qr_codes ADD COLUMN text TEXT NOT NULL DEFAULT '';
