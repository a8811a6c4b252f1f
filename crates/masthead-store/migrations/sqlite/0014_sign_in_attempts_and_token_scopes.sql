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
