-- The address an article was first published at. Feeds and ninjs name the article by it (RSS
-- guid, Atom and JSON Feed id, ninjs uri), so that a later change of address does not make
-- every reader and partner see a new article; the old address answers 301 (a redirect is
-- stored when a published article's slug changes). Articles published before keep the address
-- they have now, which is what their ids have been. Keep in step with
-- ../sqlite/0022_first_slug.sql.
ALTER TABLE articles ADD COLUMN first_slug TEXT;
UPDATE articles SET first_slug = slug WHERE status IN ('published', 'unpublished');
