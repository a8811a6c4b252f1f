-- Readers: members (an address, confirmed or not), the newsletters they receive, the labels the
-- newsroom puts on them, and their sessions (a random token in a cookie, kept here only as its
-- SHA-256 hash). No passwords: members sign in with a signed link sent by e-mail.

CREATE TABLE newsletters (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    sender_name TEXT,
    sender_email TEXT,
    reply_to TEXT,
    subscribe_by_default BOOLEAN NOT NULL DEFAULT TRUE,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    position BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
INSERT INTO newsletters (slug, name, subscribe_by_default, created_at)
VALUES ('newsletter', 'Newsletter', TRUE, CAST(strftime('%s', 'now') AS INTEGER));

CREATE TABLE members (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('pending', 'active')),
    source TEXT NOT NULL CHECK (source IN ('signup', 'import', 'admin')),
    consent_at BIGINT,
    note TEXT NOT NULL DEFAULT '',
    -- When the newest sign-in link used was made (microseconds): older links, and that one
    -- again, are refused.
    signed_in_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
-- The admin's list, newest first, a page at a time.
CREATE INDEX members_by_created ON members (created_at DESC, id DESC);

CREATE TABLE member_newsletters (
    member_id BIGINT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    newsletter_id BIGINT NOT NULL REFERENCES newsletters (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (member_id, newsletter_id)
);
-- A send walks one newsletter's members.
CREATE INDEX member_newsletters_by_newsletter ON member_newsletters (newsletter_id, member_id);

CREATE TABLE labels (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    slug TEXT NOT NULL UNIQUE
);

CREATE TABLE member_labels (
    member_id BIGINT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    label_id BIGINT NOT NULL REFERENCES labels (id) ON DELETE CASCADE,
    PRIMARY KEY (member_id, label_id)
);
CREATE INDEX member_labels_by_label ON member_labels (label_id, member_id);

CREATE TABLE member_sessions (
    token_hash TEXT PRIMARY KEY,
    member_id BIGINT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX member_sessions_by_member ON member_sessions (member_id);
