-- What imports from other systems (WordPress, Ghost) leave behind: the old addresses that now
-- live elsewhere, what each imported record became (so that a second run updates instead of
-- duplicating), and readers' comments. Keep in step with ../postgres/0010_imports.sql.

-- Old addresses answered with a 301 when nothing else is served there. `from_path` is a path
-- with an optional query, without scheme, host or trailing slash: "/2019/05/old-slug", "/?p=123".
CREATE TABLE redirects (
    from_path TEXT PRIMARY KEY,
    to_path TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- `source` names the system and site ("wordpress:https://danube-review.example"), `key` the
-- record there ("post:101", "category:balkans", "author:mara", "attachment:201"), `kind` what it
-- became here (article, term, author, media) and `record_id` that row. No foreign key: the row
-- may be in any of four tables, and a key whose record was deleted is simply made again.
CREATE TABLE import_keys (
    source TEXT NOT NULL,
    key TEXT NOT NULL,
    kind TEXT NOT NULL,
    record_id BIGINT NOT NULL,
    PRIMARY KEY (source, key, kind)
);

-- Readers' comments on an article; replies name the comment they answer. `source_key` is the
-- comment's identity in the system it was imported from.
CREATE TABLE comments (
    id INTEGER PRIMARY KEY,
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    parent_id BIGINT REFERENCES comments (id) ON DELETE CASCADE,
    author_name TEXT NOT NULL DEFAULT '',
    author_email TEXT NOT NULL DEFAULT '',
    author_url TEXT NOT NULL DEFAULT '',
    body_html TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    approved INTEGER NOT NULL DEFAULT 0,
    source_key TEXT UNIQUE
);
CREATE INDEX comments_by_article ON comments (article_id, created_at, id);
CREATE INDEX comments_by_parent ON comments (parent_id);
