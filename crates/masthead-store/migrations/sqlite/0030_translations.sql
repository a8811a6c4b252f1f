-- Linked translations: each article's language (a BCP 47 tag; '' for the site's) and the
-- article it translates. A group of translations is an original and every article that
-- names it. Keep in step with ../postgres/0030_translations.sql.
ALTER TABLE articles ADD COLUMN language TEXT NOT NULL DEFAULT '';
ALTER TABLE articles ADD COLUMN translation_of INTEGER REFERENCES articles (id) ON DELETE SET NULL;
CREATE INDEX articles_translations ON articles (translation_of) WHERE translation_of IS NOT NULL;
-- A feed per language walks that language's published articles newest first.
CREATE INDEX articles_by_language ON articles (language, status, published_at DESC, id DESC);
