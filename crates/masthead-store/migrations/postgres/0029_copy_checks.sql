-- Republished copies we know the address of (registered on the republish page, or verified
-- Webmentions), and what the last check of each found. Keep in step with
-- ../sqlite/0029_copy_checks.sql.
CREATE TABLE copy_checks (
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    host TEXT NOT NULL,
    -- When the check was last claimed; never checked first.
    checked_at BIGINT,
    -- '' until checked; then a verdict ('compliant', 'gone', 'text-changed', …).
    verdict TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (article_id, url)
);
CREATE INDEX copy_checks_due ON copy_checks (checked_at);
CREATE INDEX copy_checks_by_host ON copy_checks (host, article_id);
-- Copies already known.
INSERT INTO copy_checks (article_id, url, host)
SELECT article_id, copy_url, host FROM republishers WHERE copy_url <> '' AND host <> ''
ON CONFLICT DO NOTHING;
