-- When each change was written, in milliseconds by the database's clock, beside `at` in whole
-- seconds: a node announces a change it did not hear two seconds after its writing, which whole
-- seconds made anything from one to two. A column beside `at`, not `at` converted, so that
-- nodes of the previous version, running while the others are upgraded, still write and read
-- `at` as before; their rows have no `at_ms` and are read as `at` * 1000.
-- Keep in step with ../sqlite/0037_page_changes_in_milliseconds.sql.
ALTER TABLE page_changes ADD COLUMN at_ms BIGINT;
