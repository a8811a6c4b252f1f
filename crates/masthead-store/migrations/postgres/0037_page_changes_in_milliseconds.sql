-- The record of changes keeps when each change was written in milliseconds, not whole seconds,
-- so that a node that reads it "two seconds later" waits two seconds and not one to two.
-- Keep in step with ../sqlite/0037_page_changes_in_milliseconds.sql.
UPDATE page_changes SET at = at * 1000;
