-- Static pages (About, Contact, Corrections, Support us), each at the top of the site
-- (/about). Keep in step with ../postgres/0033_pages.sql.
CREATE TABLE pages (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    body_format TEXT NOT NULL,
    body_source TEXT NOT NULL,
    body_html TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

-- Terms merged into others: a saved revision that names a merged term names the one it went
-- into when it is read back (into_id is always a term that exists: chains are collapsed).
CREATE TABLE merged_terms (
    from_id INTEGER PRIMARY KEY,
    into_id INTEGER NOT NULL REFERENCES terms (id) ON DELETE CASCADE
);
