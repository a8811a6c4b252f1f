-- Newsletter sends. A send is one e-mail (an article, or a digest of several) to the members of
-- chosen newsletters, optionally narrowed to labels. When it starts, its recipients are written
-- down once (`send_recipients`), and from then on each row goes through
--   pending → claimed (reserved by one node, under a lease) → sending (written just before the
--   message is handed to the mail server) → sent | retry (a temporary refusal) | failed
-- so that a crash or several nodes never send one member the same e-mail twice: a claimed row
-- whose lease ran out goes back to pending; a row left in 'sending' becomes 'uncertain' (it may
-- or may not have gone out) and is not sent again.

CREATE TABLE digests (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    newsletter_id BIGINT NOT NULL REFERENCES newsletters (id) ON DELETE CASCADE,
    -- Only articles with this region, theme or tag (or under it); every article when empty.
    term_id BIGINT REFERENCES terms (id) ON DELETE CASCADE,
    every TEXT NOT NULL CHECK (every IN ('day', 'week')),
    -- 0 = Monday … 6 = Sunday, for weekly digests.
    weekday BIGINT NOT NULL DEFAULT 0 CHECK (weekday BETWEEN 0 AND 6),
    -- The hour of the day, in the site's time zone.
    hour BIGINT NOT NULL DEFAULT 8 CHECK (hour BETWEEN 0 AND 23),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    -- The end of the period the last issue covered; the next covers from there.
    covered_until BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE sends (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('article', 'digest')),
    article_id BIGINT REFERENCES articles (id) ON DELETE CASCADE,
    digest_id BIGINT REFERENCES digests (id) ON DELETE SET NULL,
    -- JSON arrays of ids.
    newsletter_ids TEXT NOT NULL,
    label_ids TEXT NOT NULL DEFAULT '[]',
    status TEXT NOT NULL CHECK (status IN ('waiting', 'sending', 'done', 'cancelled')),
    -- Not before this time (an article's: not before it is published).
    due_at BIGINT NOT NULL,
    requested_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    -- The e-mail as it goes out, written when the send starts (for a digest, when it is made).
    subject TEXT NOT NULL DEFAULT '',
    issue TEXT,
    opens BIGINT NOT NULL DEFAULT 0,
    clicks BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    started_at BIGINT,
    finished_at BIGINT
);
-- An article goes out by e-mail once.
CREATE UNIQUE INDEX sends_one_per_article ON sends (article_id) WHERE kind = 'article';
CREATE INDEX sends_by_status ON sends (status, due_at);

CREATE TABLE send_recipients (
    send_id BIGINT NOT NULL REFERENCES sends (id) ON DELETE CASCADE,
    member_id BIGINT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'claimed', 'sending', 'sent', 'retry', 'failed', 'suppressed', 'uncertain')),
    claimed_by TEXT,
    lease_until BIGINT,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT,
    error TEXT,
    sent_at BIGINT,
    PRIMARY KEY (send_id, member_id)
);
CREATE INDEX send_recipients_by_state ON send_recipients (send_id, state, member_id);
