-- An item from one partner that matches an article another partner brought (by its original
-- address or its text) is taken in as a new draft that names the article it may duplicate; it
-- never changes the other partner's article.
ALTER TABLE syndicated_articles ADD COLUMN duplicate_of BIGINT REFERENCES articles (id) ON DELETE SET NULL;
