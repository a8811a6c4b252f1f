-- Webmentions (W3C) received for our articles. Each is checked later, away from the request:
-- a mention only counts once its source is seen to link to us.

CREATE TABLE webmentions (
    id INTEGER PRIMARY KEY,
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'verified', 'rejected')),
    kind TEXT CHECK (kind IN ('republication', 'mention')),
    error TEXT NOT NULL DEFAULT '',
    received_at BIGINT NOT NULL,
    checked_at BIGINT,
    UNIQUE (source, target)
);
CREATE INDEX webmentions_pending ON webmentions (status, received_at);
CREATE INDEX webmentions_by_article ON webmentions (article_id, received_at);
