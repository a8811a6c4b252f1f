//! Throw-away databases for tests, on both backends: a fresh SQLite file in a temporary folder,
//! and a fresh schema in the PostgreSQL database at `MASTHEAD_TEST_DATABASE_URL` (by default
//! `postgres://postgres@127.0.0.1:5432/test`), so that tests run in parallel without sharing rows.
//!
//! When PostgreSQL cannot be reached, tests on it fail under `CI=true` and are skipped, loudly,
//! otherwise.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::{Location, Store};

pub const DEFAULT_TEST_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A store on a database that exists for one test.
#[derive(Debug)]
pub struct TestDb {
    pub store: Store,
    pub location: Location,
    schema: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("a temporary folder for the test database");
        let location = Location::Sqlite(dir.path().join("masthead.db"));
        let store = Store::open(&location).await.expect("open the SQLite test database");
        TestDb { store, location, schema: None, _dir: Some(dir) }
    }

    /// A fresh schema on the test PostgreSQL server, or `None` (after saying so on stderr) when
    /// the server is unreachable outside CI.
    pub async fn postgres() -> Option<TestDb> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let url = std::env::var("MASTHEAD_TEST_DATABASE_URL")
            .unwrap_or_else(|_| DEFAULT_TEST_DATABASE_URL.to_owned());
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let schema =
            format!("test_{}_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed), nanos);
        let location = Location::Postgres { url: url.clone(), schema: Some(schema.clone()) };
        match Store::open(&location).await {
            Ok(store) => Some(TestDb { store, location, schema: Some(schema), _dir: None }),
            Err(e) if std::env::var("CI").as_deref() == Ok("true") => {
                panic!("CI=true and the PostgreSQL tests cannot run: {e}")
            }
            Err(e) => {
                eprintln!(
                    "\n!!! SKIPPED a PostgreSQL test: {e}\n!!! Start PostgreSQL or set MASTHEAD_TEST_DATABASE_URL; CI=true makes this an error.\n"
                );
                None
            }
        }
    }

    /// Removes the test's schema (PostgreSQL) and closes the pool.
    pub async fn finish(self) {
        if let Some(schema) = &self.schema {
            let _ = self.store.drop_schema(schema).await;
        }
        self.store.close().await;
    }
}

/// Runs `test` on a fresh SQLite database.
pub async fn on_sqlite<F, Fut>(test: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = ()>,
{
    let db = TestDb::sqlite().await;
    test(db.store.clone()).await;
    db.finish().await;
}

/// Runs `test` on a fresh PostgreSQL schema (see the module's note on skipping).
pub async fn on_postgres<F, Fut>(test: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = ()>,
{
    if let Some(db) = TestDb::postgres().await {
        test(db.store.clone()).await;
        db.finish().await;
    }
}

/// Declares, for each named `async fn(Store)`, a test on SQLite and a test on PostgreSQL:
/// `both_backends!(article_round_trips)` makes `article_round_trips::sqlite` and
/// `article_round_trips::postgres`.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                $crate::testing::on_sqlite(super::$name).await
            }
            #[tokio::test]
            async fn postgres() {
                $crate::testing::on_postgres(super::$name).await
            }
        }
    )*};
}
