-- Secrets the site keeps in its database so that every node shares them: the key that signs
-- links sent by e-mail (confirmations, sign-in, unsubscribe) and bounce addresses. Made at
-- random on first use; never shown.

CREATE TABLE site_secrets (
    name TEXT PRIMARY KEY,
    secret TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
