-- Every save of an article is kept: who, when, what changed, and the article as saved.
-- `articles.revision` is the optimistic lock: a save names the revision it started from.

ALTER TABLE articles ADD COLUMN revision BIGINT NOT NULL DEFAULT 1;

CREATE TABLE article_revisions (
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    revision BIGINT NOT NULL,
    user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    saved_at BIGINT NOT NULL,
    -- Names of the fields that changed, comma-separated.
    changed TEXT NOT NULL,
    -- The article as saved (a NewArticle), as JSON.
    snapshot TEXT NOT NULL,
    PRIMARY KEY (article_id, revision)
);
