-- The tracking image adds each node's counts in aggregates, naming at most a bound of sites
-- per article and day: counting an article's sites on one day must not read its whole history.
CREATE INDEX republication_views_by_day ON republication_views (article_id, day, host);
-- The list of republications pages newest first by first sighting, which views never change.
CREATE INDEX republications_by_first_seen ON republications (first_seen DESC, article_id DESC, host DESC);
