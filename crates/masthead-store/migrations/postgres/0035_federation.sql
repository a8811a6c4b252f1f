-- Federation (ActivityPub): the outlet and its authors followed from other servers, what we
-- sent them, what we still have to deliver, and what we know of the servers and accounts we
-- talk to. Keep in step with ../sqlite/0035_federation.sql.

-- Each actor's keys are site secrets (`federation-key:…`), like the DKIM key.

-- Accounts on other servers that follow one of ours ('outlet', or 'author:<id>').
CREATE TABLE federation_followers (
    actor TEXT NOT NULL,
    follower TEXT NOT NULL,
    inbox TEXT NOT NULL,
    -- Where the follower's server takes activities for all its accounts at once; '' for none.
    shared_inbox TEXT NOT NULL DEFAULT '',
    host TEXT NOT NULL,
    -- The Follow's id, which an Undo names.
    follow_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (actor, follower)
);
CREATE INDEX federation_followers_by_follower ON federation_followers (follower);
CREATE INDEX federation_followers_by_host ON federation_followers (host);

-- Accounts on other servers as their documents said when last fetched: where to deliver, and
-- their keys (by key id) for checking what they sign.
CREATE TABLE federation_actors (
    id TEXT PRIMARY KEY,
    inbox TEXT NOT NULL,
    shared_inbox TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL DEFAULT '',
    handle TEXT NOT NULL DEFAULT '',
    url TEXT NOT NULL DEFAULT '',
    fetched_at BIGINT NOT NULL
);
CREATE TABLE federation_keys (
    key_id TEXT PRIMARY KEY,
    actor TEXT NOT NULL,
    -- SPKI PEM, or a Multikey's multibase ('z…').
    public_key TEXT NOT NULL,
    fetched_at BIGINT NOT NULL
);

-- Activities received, kept until the job has checked their signatures and done what they say
-- (the key may need fetching, and nothing fetches another site while a request waits).
CREATE TABLE federation_inbox (
    id BIGSERIAL PRIMARY KEY,
    -- Which of our inboxes it came to ('shared', 'outlet', 'author:<id>').
    inbox TEXT NOT NULL,
    -- The request as received: method, target, headers (JSON), body.
    target TEXT NOT NULL,
    headers TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    lease_until BIGINT NOT NULL DEFAULT 0,
    attempts BIGINT NOT NULL DEFAULT 0,
    -- The server of the key that signed it: no one server fills the queue.
    key_host TEXT NOT NULL DEFAULT ''
);
CREATE INDEX federation_inbox_due ON federation_inbox (lease_until, id);
CREATE INDEX federation_inbox_by_key_host ON federation_inbox (key_host);

-- Activities we sent, as sent (their ids answer with these documents).
CREATE TABLE federation_activities (
    id TEXT PRIMARY KEY,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    article_id BIGINT,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX federation_activities_by_actor ON federation_activities (actor, created_at);

-- One delivery of an activity to one inbox (a shared inbox stands for all its server's
-- followers), tried again with growing waits until it goes through or is given up.
CREATE TABLE federation_deliveries (
    id BIGSERIAL PRIMARY KEY,
    activity_id TEXT NOT NULL,
    actor TEXT NOT NULL,
    inbox TEXT NOT NULL,
    host TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    due_at BIGINT NOT NULL,
    lease_until BIGINT NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    UNIQUE (activity_id, inbox)
);
CREATE INDEX federation_deliveries_due ON federation_deliveries (due_at, id);

-- Servers we deliver to: which signature they took last ('rfc9421' or 'cavage'), since when
-- every delivery to them has failed (unreachable, or a server error), and how many times in a row.
CREATE TABLE federation_hosts (
    host TEXT PRIMARY KEY,
    scheme TEXT NOT NULL DEFAULT 'rfc9421',
    failing_since BIGINT,
    failures BIGINT NOT NULL DEFAULT 0
);

-- What followers were last sent of each article (no reference: it outlives a deleted article,
-- whose Delete is still to go): 'sent', 'deleting' (deleted here, the Delete not yet sent),
-- 'deleted'; the digest of the object sent, so that an Update goes only when it changed.
CREATE TABLE federation_objects (
    article_id BIGINT PRIMARY KEY,
    state TEXT NOT NULL,
    digest TEXT NOT NULL,
    sent_at BIGINT NOT NULL
);
CREATE INDEX federation_objects_deleting ON federation_objects (state);

-- Likes and boosts of our articles from other servers.
CREATE TABLE federation_reactions (
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    activity_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (article_id, actor, kind)
);
CREATE INDEX federation_reactions_by_activity ON federation_reactions (activity_id);

-- Changes to articles that followers have not yet been told of.
ALTER TABLE article_changes ADD COLUMN federated_at BIGINT;
CREATE INDEX article_changes_unfederated ON article_changes (federated_at, id);

-- Activities done, by id, for as long as their signatures hold (a replayed request is done once).
CREATE TABLE federation_seen (
    activity_id TEXT PRIMARY KEY,
    seen_at BIGINT NOT NULL
);
CREATE INDEX federation_seen_at ON federation_seen (seen_at);
