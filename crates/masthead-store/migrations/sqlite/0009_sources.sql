-- Partners' feeds that articles are taken in from, on stated terms, and what each poll found.

CREATE TABLE sources (
    id INTEGER PRIMARY KEY,
    outlet_id BIGINT NOT NULL REFERENCES outlets (id) ON DELETE CASCADE,
    feed_url TEXT NOT NULL UNIQUE,
    format TEXT NOT NULL,
    -- A reuse policy's key, or 'agreement'.
    terms TEXT NOT NULL,
    -- Regions, themes and tags for every article from here: "3,17".
    term_ids TEXT NOT NULL DEFAULT '',
    auto_publish INTEGER NOT NULL DEFAULT 0,
    interval_minutes BIGINT NOT NULL,
    etag TEXT,
    last_modified TEXT,
    last_polled_at BIGINT,
    last_success_at BIGINT,
    next_poll_at BIGINT NOT NULL,
    failures BIGINT NOT NULL DEFAULT 0,
    last_error TEXT,
    -- A node polling the source holds it until then, so that one node polls it at a time.
    lease_until BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX sources_due ON sources (next_poll_at);

-- What each poll did, for the newsroom to read: items left out and why, failures.
CREATE TABLE source_events (
    id INTEGER PRIMARY KEY,
    source_id BIGINT NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX source_events_by_source ON source_events (source_id, id);

-- Articles taken in from a partner: the terms they came on, the original's address and a hash
-- of its text (to know a copy again), and when the partner last changed it.
CREATE TABLE syndicated_articles (
    article_id BIGINT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    source_id BIGINT REFERENCES sources (id) ON DELETE SET NULL,
    terms TEXT NOT NULL,
    original_url TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    original_updated_at BIGINT,
    -- Set when the partner changed the text after it was taken in; cleared when an editor saves.
    changed_upstream_at BIGINT,
    taken_in_at BIGINT NOT NULL
);
CREATE INDEX syndicated_by_url ON syndicated_articles (original_url);
CREATE INDEX syndicated_by_hash ON syndicated_articles (content_hash);
CREATE INDEX syndicated_by_source ON syndicated_articles (source_id, taken_in_at);

-- Every identity an item has had in a feed (its guid may change), and the article it is.
CREATE TABLE ingested_items (
    source_id BIGINT NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    item_key TEXT NOT NULL,
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    PRIMARY KEY (source_id, item_key)
);
