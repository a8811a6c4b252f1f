-- When an article's words (headline, standfirst or text) last changed after it was first
-- published: the page's "Updated" stamp. Imports and the saves that publish leave it alone.
-- Keep in step with ../sqlite/0031_revised_at.sql.
ALTER TABLE articles ADD COLUMN revised_at BIGINT;
