-- Sign-in attempts are counted before the password is checked, not failures after it: a row
-- per attempt and per key ("pair:<email> <address>", "ip:<address>", "account:<email>",
-- reset and webmention keys), with an id so that a successful sign-in can take its own
-- attempt back.

CREATE TABLE login_attempts (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    at BIGINT NOT NULL
);
INSERT INTO login_attempts (key, at) SELECT key, at FROM login_failures;
DROP TABLE login_failures;
CREATE INDEX login_attempts_by_key ON login_attempts (key, at);

-- API tokens expire and have a scope: 'read' (GET only), 'write' (drafts and media) or
-- 'publish' (everything the holder's role may). Tokens made before keep what they could do,
-- and expire 90 days after this migration.
ALTER TABLE api_tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'publish'
    CHECK (scope IN ('read', 'write', 'publish'));
ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT NOT NULL DEFAULT 0;
UPDATE api_tokens SET expires_at = CAST(strftime('%s', 'now') AS INTEGER) + 90 * 86400;
CREATE INDEX api_tokens_by_user ON api_tokens (user_id);
