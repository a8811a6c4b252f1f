-- Who republished what: one row per article and republishing host, and a view count per day.
-- Nothing here identifies a reader: no cookies, no IP addresses, only the republishing site.

CREATE TABLE republications (
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    host TEXT NOT NULL,
    first_seen BIGINT NOT NULL,
    last_seen BIGINT NOT NULL,
    PRIMARY KEY (article_id, host)
);
CREATE INDEX republications_by_host ON republications (host, article_id);
CREATE INDEX republications_by_last_seen ON republications (last_seen);

CREATE TABLE republication_views (
    article_id BIGINT NOT NULL,
    host TEXT NOT NULL,
    day TEXT NOT NULL,
    views BIGINT NOT NULL,
    PRIMARY KEY (article_id, host, day),
    FOREIGN KEY (article_id, host) REFERENCES republications (article_id, host) ON DELETE CASCADE
);
