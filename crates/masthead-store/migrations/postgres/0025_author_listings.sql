-- Every published article under each of its authors, by publication time, as term_listings
-- does for terms: an author's archive is one range of this table's key, newest first. Before,
-- it walked the site's listing index until it had found a page of the author's articles, so a
-- guest writer with three old pieces walked every article of a large site. Written with each
-- save (`list_published!`), rebuilt after a restore.
CREATE TABLE author_listings (
    author_id BIGINT NOT NULL REFERENCES authors (id) ON DELETE CASCADE,
    published_at BIGINT NOT NULL,
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    PRIMARY KEY (author_id, published_at, article_id)
);
CREATE INDEX author_listings_by_article ON author_listings (article_id);

INSERT INTO author_listings (author_id, published_at, article_id)
SELECT DISTINCT aa.author_id, a.published_at, a.id FROM article_authors aa
JOIN articles a ON a.id = aa.article_id
WHERE a.status = 'published' AND a.published_at IS NOT NULL;
