//! The importers' readers against the fixtures in `tests/fixtures/import/`.
