-- Corrections and withdrawals, and published articles' terms fixed when they were published.
-- Keep in step with ../postgres/0027_corrections.sql.
--
-- Corrections: the article's notices to readers, oldest first, as a JSON array of
-- {"made_at": seconds, "text": "..."}; read with the article, never alone.
ALTER TABLE articles ADD COLUMN corrections TEXT NOT NULL DEFAULT '[]';
-- A withdrawal (a legal takedown): the article is unpublished, its page answers 410 Gone with
-- this notice, and copies elsewhere learn of it.
ALTER TABLE articles ADD COLUMN withdrawn_at INTEGER;
ALTER TABLE articles ADD COLUMN withdrawal_notice TEXT NOT NULL DEFAULT '';
-- A published article on the site's default terms keeps the terms it went out under when the
-- default changes: from now on a change of the default writes the old one into them first.
-- Those already published take the default they are under today.
UPDATE articles SET reuse_policy = COALESCE(
    (SELECT json_extract(settings, '$.default_policy') FROM site_settings WHERE id = 1),
    'community-cross-post')
WHERE reuse_policy IS NULL AND status IN ('published', 'unpublished');
-- When we last checked that the original of a copy taken in still stands (its page answering
-- 410 Gone means it was withdrawn, and our copy is withdrawn too). Copies never checked first.
ALTER TABLE syndicated_articles ADD COLUMN original_checked_at INTEGER;
CREATE INDEX syndicated_by_check ON syndicated_articles (original_checked_at);
-- The revision that last corrected or withdrew the article: what registered republishers are
-- told of.
ALTER TABLE articles ADD COLUMN amended_revision INTEGER;
-- Republishers who left an address on the republish page, to be told of corrections and
-- withdrawals by e-mail and by webhook (either or both).
CREATE TABLE republishers (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    outlet TEXT NOT NULL,
    contact_email TEXT NOT NULL DEFAULT '',
    copy_url TEXT NOT NULL DEFAULT '',
    webhook_url TEXT NOT NULL DEFAULT '',
    -- The host of the copy (or of the webhook), as the tracking image records hosts.
    host TEXT NOT NULL DEFAULT '',
    registered_at INTEGER NOT NULL,
    -- The article's revision when they registered, and the amendment they were last told of
    -- (an `amended_revision`): they hear of each later one once.
    registered_revision INTEGER NOT NULL,
    told_revision INTEGER,
    failures INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX republishers_by_article ON republishers (article_id, id);
