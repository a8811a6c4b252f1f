-- Full-text search over every article's headline, standfirst and text. The store writes an
-- article's row in the same transaction as the article, with the text as plain words (made
-- from its HTML); rowid is the article's id. Accents are removed ("Dunarea" finds "Dunărea")
-- and words are reduced to their stem by the Porter stemmer, which is for English: the only
-- stemmer SQLite has. Prefixes of three characters are indexed for `freigh*`.
CREATE VIRTUAL TABLE article_search USING fts5 (
    title,
    dek,
    body,
    tokenize = 'porter unicode61 remove_diacritics 2',
    prefix = '3'
);

-- An article's row goes with it.
CREATE TRIGGER article_search_delete AFTER DELETE ON articles BEGIN
    DELETE FROM article_search WHERE rowid = old.id;
END;

-- Which way the index was built ('' until it has been: the articles already here are indexed
-- by the store after this migration, or by `masthead search reindex`).
CREATE TABLE search_index (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version TEXT NOT NULL
);
INSERT INTO search_index (id, version) VALUES (1, '');
