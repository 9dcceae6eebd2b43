-- An order names the customer's voice note it came from (staff typed it in while listening,
-- or the customer ordered in the chat after sending it), so the board card can play it.
-- The link goes when media retention removes the file's row.
ALTER TABLE orders ADD COLUMN voice_media_id INTEGER REFERENCES media_files(id) ON DELETE SET NULL;
