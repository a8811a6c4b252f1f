-- Every published article under each term it is filed under and each term above those (an
-- article filed under "Serbia" is listed under "Balkans" and "Europe" too), by publication
-- time. An archive is then one range of this table's key, newest first, whatever the size of
-- the site or of the term: before, a region's archive gathered the articles of every term
-- below it and sorted them (32% of its speed at 1,000 articles when the site had 100,000),
-- and a tag on a few old articles walked the whole listing index. Written with each save
-- (`list_under_terms!`), rebuilt when a term moves and after a restore. Keep in step with
-- ../postgres/0023_term_listings.sql.
CREATE TABLE term_listings (
    term_id BIGINT NOT NULL REFERENCES terms (id) ON DELETE CASCADE,
    published_at BIGINT NOT NULL,
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    PRIMARY KEY (term_id, published_at, article_id)
);
CREATE INDEX term_listings_by_article ON term_listings (article_id);

WITH RECURSIVE up (article_id, term_id, depth) AS (
    SELECT at.article_id, at.term_id, 0 FROM article_terms at
    JOIN articles a ON a.id = at.article_id
    WHERE a.status = 'published' AND a.published_at IS NOT NULL
    UNION ALL
    SELECT up.article_id, t.parent_id, up.depth + 1 FROM up JOIN terms t ON t.id = up.term_id
    WHERE t.parent_id IS NOT NULL AND up.depth < 32
)
INSERT INTO term_listings (term_id, published_at, article_id)
SELECT DISTINCT up.term_id, a.published_at, up.article_id FROM up JOIN articles a ON a.id = up.article_id;
