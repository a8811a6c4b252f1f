-- Imports that run again: each article as the last import read it from the export (the JSON of
-- a revision snapshot, packed as revisions are), so that a later run changes only what nobody
-- changed here since, and names what both sides changed (NULL for keys kept before this; the
-- importer then takes the newest revision saved without a user). And a Ghost site's keys no
-- longer depend on the address this site had when the import ran: they are kept under "ghost",
-- the first record a key became winning where two runs made two. Keep in step with the other
-- backend's 0034_imported_articles.sql.
ALTER TABLE import_keys ADD COLUMN imported TEXT;

INSERT INTO import_keys (source, key, kind, record_id)
SELECT 'ghost', key, kind, MIN(record_id) FROM import_keys WHERE source LIKE 'ghost:%' GROUP BY key, kind
ON CONFLICT DO NOTHING;
DELETE FROM import_keys WHERE source LIKE 'ghost:%';
