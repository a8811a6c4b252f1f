-- Masthead's foundation schema (SQLite). Times are UTC seconds since the Unix epoch; the zone
-- an article is shown in is stored beside them. Keep in step with ../postgres/0001_foundation.sql.

CREATE TABLE site_settings (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    settings TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE outlets (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    homepage TEXT
);

CREATE TABLE media (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    mime_type TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    width INTEGER,
    height INTEGER,
    alt TEXT NOT NULL DEFAULT '',
    credit TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);

CREATE TABLE authors (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    bio TEXT NOT NULL DEFAULT '',
    links TEXT NOT NULL DEFAULT '[]',
    avatar_media_id INTEGER REFERENCES media (id) ON DELETE SET NULL,
    outlet_id INTEGER REFERENCES outlets (id) ON DELETE SET NULL
);

CREATE TABLE terms (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('region', 'theme', 'tag')),
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    parent_id INTEGER REFERENCES terms (id) ON DELETE SET NULL,
    UNIQUE (kind, slug)
);
CREATE INDEX terms_parent ON terms (parent_id);

CREATE TABLE articles (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    dek TEXT NOT NULL DEFAULT '',
    body_format TEXT NOT NULL CHECK (body_format IN ('markdown', 'html')),
    body_source TEXT NOT NULL,
    body_html TEXT NOT NULL,
    excerpt TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('draft', 'scheduled', 'published', 'unpublished')),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    published_at INTEGER,
    time_zone TEXT NOT NULL,
    featured_media_id INTEGER REFERENCES media (id) ON DELETE SET NULL,
    featured_alt TEXT NOT NULL DEFAULT '',
    featured_credit TEXT NOT NULL DEFAULT '',
    reuse_policy TEXT
);
-- The home page and every archive walk published articles newest first (keyset pagination).
CREATE INDEX articles_listing ON articles (status, published_at DESC, id DESC);

CREATE TABLE article_authors (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    author_id INTEGER NOT NULL REFERENCES authors (id) ON DELETE RESTRICT,
    position INTEGER NOT NULL,
    PRIMARY KEY (article_id, author_id)
);
-- Author archives.
CREATE INDEX article_authors_by_author ON article_authors (author_id, article_id);

CREATE TABLE article_terms (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    term_id INTEGER NOT NULL REFERENCES terms (id) ON DELETE RESTRICT,
    position INTEGER NOT NULL,
    PRIMARY KEY (article_id, term_id)
);
-- Region, theme and tag archives.
CREATE INDEX article_terms_by_term ON article_terms (term_id, article_id);

-- A republished article's chain of origins, oldest (the original) at position 0.
CREATE TABLE article_origins (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    outlet_id INTEGER NOT NULL REFERENCES outlets (id) ON DELETE RESTRICT,
    url TEXT NOT NULL,
    published_at INTEGER,
    byline TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (article_id, position)
);
CREATE INDEX article_origins_by_outlet ON article_origins (outlet_id);
