-- A Webmention's source is checked by one node: the checker claims it until lease_until.
ALTER TABLE webmentions ADD COLUMN lease_until BIGINT;
