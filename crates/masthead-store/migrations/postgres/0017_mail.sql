-- What mail servers told us back. `suppressions`: addresses no newsletter goes to any more, one
-- row each (lower-cased): a hard bounce, a complaint (the reader pressed "spam"), or a permanent
-- refusal at send time. `bounces`: every report read, with the send and member its signed
-- return path named (none when it came without one); soft ones are retried by the send.

CREATE TABLE suppressions (
    email TEXT PRIMARY KEY,
    reason TEXT NOT NULL CHECK (reason IN ('bounced', 'complained', 'refused')),
    detail TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);

CREATE TABLE bounces (
    id BIGSERIAL PRIMARY KEY,
    email TEXT NOT NULL,
    send_id BIGINT,
    member_id BIGINT,
    kind TEXT NOT NULL CHECK (kind IN ('hard', 'soft', 'complaint')),
    status TEXT NOT NULL DEFAULT '',
    diagnostic TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);

CREATE INDEX bounces_by_send ON bounces (send_id, kind);
CREATE INDEX bounces_by_email ON bounces (email);
