-- The tracking image adds each node's counts in aggregates, naming at most a bound of sites
-- per article and day: counting an article's sites on one day must not read its whole history.
CREATE INDEX republication_views_by_day ON republication_views (article_id, day, host);
-- The list of republications pages newest first by first sighting, which views never change.
CREATE INDEX republications_by_first_seen ON republications (first_seen DESC, article_id DESC, host DESC);
-- Webmentions are checked a few per source host at a time: the host is kept beside the source.
-- Those already queued get theirs from the source (scheme://[user@]host[:port]/…; close enough
-- to group by).
ALTER TABLE webmentions ADD COLUMN source_host TEXT NOT NULL DEFAULT '';
UPDATE webmentions SET source_host = lower(
    CASE WHEN instr(substr(source, instr(source, '://') + 3), '/') > 0
         THEN substr(substr(source, instr(source, '://') + 3), 1, instr(substr(source, instr(source, '://') + 3), '/') - 1)
         ELSE substr(source, instr(source, '://') + 3) END);
CREATE INDEX webmentions_pending_by_host ON webmentions (status, source_host);
CREATE INDEX webmentions_pending_by_article ON webmentions (status, article_id);
