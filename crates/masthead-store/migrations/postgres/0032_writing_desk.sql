-- The editor's autosaved drafts: one slot per article and writer, never the article itself
-- (a published article's page changes only when someone saves it). Keep in step with
-- ../sqlite/0032_writing_desk.sql.
CREATE TABLE article_drafts (
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    saved_at BIGINT NOT NULL,
    -- The revision the writer was editing.
    revision BIGINT NOT NULL,
    -- The form's fields (title, dek, excerpt, body) as a JSON object.
    fields TEXT NOT NULL,
    PRIMARY KEY (article_id, user_id)
);

-- The addresses of published articles that were deleted: they answer 410 Gone, not 404, so
-- that search engines and partners forget them.
CREATE TABLE gone_articles (
    slug TEXT PRIMARY KEY,
    gone_at BIGINT NOT NULL
);
