-- What each write changed of what readers see, numbered: the record that PostgreSQL nodes
-- follow to catch up on notifications they missed. One SQLite node hears its own changes
-- directly and writes nothing here; the table keeps both backends' schemas alike.

CREATE TABLE page_changes (
    seq INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    keys TEXT NOT NULL
);
CREATE INDEX page_changes_at ON page_changes (at);
