-- The number of words of each article's text, counted when the text is saved, so that no page
-- or document counts it again (ninjs gives it). NULL for articles saved before this: those are
-- counted when read, until their next save. Keep in step with ../sqlite/0036_word_counts.sql.
ALTER TABLE articles ADD COLUMN word_count BIGINT;
