-- The words that say what each article is about: the distinct longer words of its headline and
-- standfirst, lower case and without accents, written with its search row. Related articles
-- are found through them: how many articles share a word is an index range that stops
-- counting at a bound, so a save costs the same whatever the size of the site. Filled for
-- existing articles by the search index's rebuild (its version changed with them). Keep in
-- step with ../sqlite/0021_search_keywords.sql.
CREATE TABLE article_keywords (
    word TEXT NOT NULL,
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    PRIMARY KEY (word, article_id)
);
CREATE INDEX article_keywords_by_article ON article_keywords (article_id);
