-- Every change to what readers see of an article, in the same transaction as the change, so
-- that work that follows it (telling the WebSub hub; later, caches and followers) is never
-- lost to a crash and is done once, by whichever node takes it.

CREATE TABLE article_changes (
    id INTEGER PRIMARY KEY,
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    changed_at BIGINT NOT NULL,
    announced_at BIGINT
);
CREATE INDEX article_changes_unannounced ON article_changes (announced_at, id);
