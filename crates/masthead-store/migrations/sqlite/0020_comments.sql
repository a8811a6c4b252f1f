-- Readers' comments written on the site, beside the imported ones: who wrote it (a member), where
-- it stands (approved and shown; held for the newsroom; spam; deleted by its writer but kept as a
-- placeholder because others answered it), why it was held, the Markdown it was written in (for
-- editing), when it was last edited, and whether its writer wants replies by e-mail. Keep in step
-- with ../postgres/0020_comments.sql.
ALTER TABLE comments ADD COLUMN member_id BIGINT REFERENCES members (id) ON DELETE CASCADE;
ALTER TABLE comments ADD COLUMN status TEXT NOT NULL DEFAULT 'held';
ALTER TABLE comments ADD COLUMN held_for TEXT NOT NULL DEFAULT '';
ALTER TABLE comments ADD COLUMN body_source TEXT NOT NULL DEFAULT '';
ALTER TABLE comments ADD COLUMN edited_at BIGINT;
ALTER TABLE comments ADD COLUMN notify_replies BOOLEAN NOT NULL DEFAULT 0;
UPDATE comments SET status = CASE WHEN approved <> 0 THEN 'approved' ELSE 'held' END;
ALTER TABLE comments DROP COLUMN approved;
CREATE INDEX comments_by_status ON comments (status, created_at, id);
CREATE INDEX comments_by_member ON comments (member_id, created_at);
CREATE INDEX comments_counted ON comments (article_id, status);

-- Members who may no longer comment.
CREATE TABLE comment_bans (
    member_id BIGINT PRIMARY KEY REFERENCES members (id) ON DELETE CASCADE,
    banned_at BIGINT NOT NULL
);

-- Articles whose comments the newsroom closed, and when (the others close by themselves after
-- the number of days the settings say).
CREATE TABLE comments_closed (
    article_id BIGINT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    closed_at BIGINT NOT NULL
);

-- A few articles to read next, chosen when an article is saved, in order.
CREATE TABLE related_articles (
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    related_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    PRIMARY KEY (article_id, position)
);
CREATE INDEX related_articles_by_related ON related_articles (related_id);

-- What a search (and the choice of related articles) asks of each article it ranks, without
-- reading the article's row: on SQLite its texts come first in the row and run over several
-- pages, which a search reading hundreds of rows would otherwise walk through (the store's
-- queries name this index: the planner prefers the table's own key without statistics).
CREATE INDEX articles_ranked ON articles (id, status, published_at);
