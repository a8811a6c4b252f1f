-- Full-text search over every article's headline, standfirst and text. The store writes an
-- article's row in the same transaction as the article: the text as plain words (made from
-- its HTML), and the document as a tsvector in the text search configuration of the site's
-- language ('english', 'french', … or 'simple'), the headline weighted above the standfirst
-- above the text.
CREATE TABLE article_search (
    article_id BIGINT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    dek TEXT NOT NULL,
    body TEXT NOT NULL,
    document TSVECTOR NOT NULL
);
CREATE INDEX article_search_document ON article_search USING GIN (document);

-- Which way the index was built (its configuration): '' until it has been, and rebuilt when
-- the site's language changes it.
CREATE TABLE search_index (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version TEXT NOT NULL
);
INSERT INTO search_index (id, version) VALUES (1, '');
