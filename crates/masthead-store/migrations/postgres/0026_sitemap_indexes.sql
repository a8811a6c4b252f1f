-- What the sitemaps read, from one index alone: the first and last published ids, and each
-- span of 10,000 ids with its addresses, titles and times. Before, SQLite's planner took the
-- listing index (every published article, then a sort: 120 ms at 1,000,000 articles) or read
-- each article's row, whose text is stored before those columns (0.5 s for a sitemap of
-- articles). On SQLite the queries name this index.
CREATE INDEX articles_sitemap ON articles (id, status, published_at, updated_at, slug, title);
