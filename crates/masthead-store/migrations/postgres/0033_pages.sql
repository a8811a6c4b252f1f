-- Static pages (About, Contact, Corrections, Support us), each at the top of the site
-- (/about). Keep in step with ../sqlite/0033_pages.sql.
CREATE TABLE pages (
    id BIGSERIAL PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    body_format TEXT NOT NULL,
    body_source TEXT NOT NULL,
    body_html TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
