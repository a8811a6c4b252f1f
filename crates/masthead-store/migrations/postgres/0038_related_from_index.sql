-- What an article's page shows of each related article (address, title, date in its own time
-- zone) read from one index alone: `articles_sitemap` gains the time zone. Before, SQLite read
-- each related article's row, whose text is stored before those columns (the four related
-- articles of every page of a 10,000-article export: 0.29 s against 0.12 s from the index).
-- On SQLite the statement names this index.
DROP INDEX articles_sitemap;
CREATE INDEX articles_sitemap ON articles (id, status, published_at, updated_at, slug, title, time_zone);
