//! Throw-away databases for tests, on both backends: a fresh SQLite file in a temporary folder,
//! and a fresh schema in the PostgreSQL database at `MASTHEAD_TEST_DATABASE_URL` (by default
//! `postgres://postgres@127.0.0.1:5432/test`), so that tests run in parallel without sharing rows.
//!
//! When PostgreSQL cannot be reached, tests on it fail under `CI=true` and are skipped, loudly,
//! otherwise.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

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

    /// Ends the connections that listen for this schema's changes (PostgreSQL): a listener
    /// lost as when the server restarts or an administrator ends it.
    pub async fn end_listeners(&self) -> u64 {
        let (crate::Db::Postgres(pool), Some(schema)) = (&self.store.db, &self.schema) else { return 0 };
        sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1")
            .bind(crate::listener_name(Some(schema)))
            .execute(pool)
            .await
            .expect("end the listeners")
            .rows_affected()
    }

    /// Ends every connection that listens for changes on the test database, whatever the
    /// schema (PostgreSQL): for nodes started as processes, whose schema is in their URL.
    pub async fn end_all_listeners(&self) -> u64 {
        let crate::Db::Postgres(pool) = &self.store.db else { return 0 };
        sqlx::query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE application_name LIKE 'masthead listener%' AND datname = current_database()",
        )
        .execute(pool)
        .await
        .expect("end the listeners")
        .rows_affected()
    }

    /// Numbers a change in the record without notifying anyone (PostgreSQL): a notification lost
    /// on its way.
    pub async fn record_change_unheard(&self, keys: &str) {
        self.record_unheard(crate::notify::record!(), keys).await;
    }

    /// [`record_change_unheard`](Self::record_change_unheard) as a node of a version before
    /// `page_changes.at_ms` wrote it: the time in whole seconds only.
    pub async fn record_change_unheard_in_seconds(&self, keys: &str) {
        self.record_unheard(
            "INSERT INTO page_changes (at, keys) \
             VALUES (CAST(EXTRACT(EPOCH FROM clock_timestamp()) AS BIGINT), $1)",
            keys,
        )
        .await;
    }

    async fn record_unheard(&self, statement: &str, keys: &str) {
        let crate::Db::Postgres(pool) = &self.store.db else { return };
        sqlx::query(statement).bind(keys).execute(pool).await.expect("record a change");
    }

    /// Removes the test's schema (PostgreSQL) and closes the pool.
    pub async fn finish(self) {
        if let Some(schema) = &self.schema {
            let _ = self.store.drop_schema(schema).await;
        }
        self.store.close().await;
    }
}

/// Rewrites every revision's snapshot as plain JSON, as revisions saved before snapshots were
/// packed are stored; returns how many.
pub async fn unpack_revisions(store: &Store) -> usize {
    let rows: Vec<(i64, i64, String)> = crate::on_db!(store, pool => {
        sqlx::query_as("SELECT article_id, revision, snapshot FROM article_revisions").fetch_all(pool).await.unwrap()
    });
    for (article, revision, stored) in &rows {
        let json = crate::revisions::unpack(stored).unwrap();
        crate::on_db!(store, pool => {
            sqlx::query("UPDATE article_revisions SET snapshot = $1 WHERE article_id = $2 AND revision = $3")
                .bind(json)
                .bind(article)
                .bind(revision)
                .execute(pool)
                .await
                .unwrap()
                .rows_affected()
        });
    }
    rows.len()
}

/// SQLite's plan (`EXPLAIN QUERY PLAN`, one line per step) for reading an article by its slug
/// with its relations: the statement every article page runs.
pub async fn article_read_plan(store: &Store, slug: &str) -> Vec<String> {
    let sql = format!("EXPLAIN QUERY PLAN {} WHERE a.slug = $1", store.article_with_relations());
    match &store.db {
        crate::Db::Sqlite(pool) => {
            let rows: Vec<(i64, i64, i64, String)> =
                sqlx::query_as(&sql).bind(slug).fetch_all(pool).await.expect("a plan");
            rows.into_iter().map(|(_, _, _, step)| step).collect()
        }
        crate::Db::Postgres(_) => panic!("the plan of SQLite's statement"),
    }
}

/// SQLite's plan for reading an article's page by its slug: the article with its relations
/// and what surrounds it (related articles, comments, mentions).
pub async fn article_page_plan(store: &Store, slug: &str) -> Vec<String> {
    sqlite_plan(store, &crate::articles::sqlite_article_page_statement(), slug).await
}

/// SQLite's plan for reading the keys of the list of `term_id` and the terms below it: what
/// the static export pages through.
pub async fn term_keys_plan(store: &Store, term_id: i64) -> Vec<String> {
    // The id as text: the column's type makes it a number again.
    sqlite_plan(store, &crate::articles::sqlite_term_keys_statement(), &term_id.to_string()).await
}

async fn sqlite_plan(store: &Store, statement: &str, value: &str) -> Vec<String> {
    let sql = format!("EXPLAIN QUERY PLAN {statement}");
    match &store.db {
        crate::Db::Sqlite(pool) => {
            let rows: Vec<(i64, i64, i64, String)> =
                sqlx::query_as(&sql).bind(value).fetch_all(pool).await.expect("a plan");
            rows.into_iter().map(|(_, _, _, step)| step).collect()
        }
        crate::Db::Postgres(_) => panic!("the plan of SQLite's statement"),
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

/// A PostgreSQL role and schema of one test's own, which the test can cut off from the database
/// (its connections ended, new ones refused: `CONNECTION LIMIT 0`) and let back in. A real
/// outage for the stores opened on [`CutOffRole::location`], while the rest of the server, and
/// the other tests, go on.
#[derive(Debug)]
pub struct CutOffRole {
    admin: sqlx::PgPool,
    admin_url: String,
    role: String,
    schema: String,
    /// Where the role's own stores connect: the role, on its schema.
    pub location: Location,
}

impl CutOffRole {
    /// `None` (after saying so) when PostgreSQL cannot be reached outside CI, as
    /// [`TestDb::postgres`].
    pub async fn new() -> Option<CutOffRole> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let admin_url = std::env::var("MASTHEAD_TEST_DATABASE_URL")
            .unwrap_or_else(|_| DEFAULT_TEST_DATABASE_URL.to_owned());
        let admin = match sqlx::PgPool::connect(&admin_url).await {
            Ok(pool) => pool,
            Err(e) if std::env::var("CI").as_deref() == Ok("true") => {
                panic!("CI=true and the PostgreSQL tests cannot run: {e}")
            }
            Err(e) => {
                eprintln!("\n!!! SKIPPED a PostgreSQL test: {e}\n");
                return None;
            }
        };
        let role =
            format!("masthead_outage_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
        let schema = format!("{role}_data");
        let database: String =
            sqlx::query_scalar("SELECT current_database()").fetch_one(&admin).await.unwrap();
        for statement in [
            format!("CREATE ROLE {role} LOGIN"),
            format!("GRANT CREATE ON DATABASE \"{database}\" TO {role}"),
            format!("CREATE SCHEMA {schema} AUTHORIZATION {role}"),
        ] {
            sqlx::query(&statement).execute(&admin).await.unwrap_or_else(|e| panic!("{statement}: {e}"));
        }
        let mut url = url::Url::parse(&admin_url).expect("the test database URL");
        url.set_username(&role).expect("a URL with a user");
        url.set_password(None).expect("a URL with a user");
        let location = Location::Postgres { url: url.to_string(), schema: Some(schema.clone()) };
        Some(CutOffRole { admin, admin_url, role, schema, location })
    }

    /// The same schema reached as the administrator: another node, which the outage spares.
    pub fn other_node(&self) -> Location {
        Location::Postgres { url: self.admin_url.clone(), schema: Some(self.schema.clone()) }
    }

    /// Ends the role's connections and refuses new ones.
    pub async fn cut_off(&self) {
        let role = &self.role;
        sqlx::query(&format!("ALTER ROLE {role} CONNECTION LIMIT 0")).execute(&self.admin).await.unwrap();
        sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1")
            .bind(role)
            .execute(&self.admin)
            .await
            .unwrap();
    }

    /// Lets the role connect again.
    pub async fn restore(&self) {
        let role = &self.role;
        sqlx::query(&format!("ALTER ROLE {role} CONNECTION LIMIT -1")).execute(&self.admin).await.unwrap();
    }

    /// Drops the schema and the role.
    pub async fn finish(self) {
        let (role, schema) = (&self.role, &self.schema);
        let _ = sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1")
            .bind(role)
            .execute(&self.admin)
            .await;
        for statement in [
            format!("DROP SCHEMA IF EXISTS {schema} CASCADE"),
            format!("DROP OWNED BY {role}"),
            format!("DROP ROLE IF EXISTS {role}"),
        ] {
            if let Err(e) = sqlx::query(&statement).execute(&self.admin).await {
                eprintln!("could not clean up after a test: {statement}: {e}");
            }
        }
        self.admin.close().await;
    }
}

/// A TCP relay to PostgreSQL whose connections can stop passing bytes without closing, as when
/// a firewall forgets a connection; connections made after that pass again. Plain threads, so
/// that tests with or without a runtime use it; they last as long as the test process.
#[derive(Debug)]
pub struct SilentRelay {
    port: u16,
    silent_below: Arc<AtomicU64>,
    accepted: Arc<AtomicU64>,
}

impl SilentRelay {
    /// A relay to the server of the PostgreSQL URL `database`.
    pub fn start(database: &str) -> SilentRelay {
        let database = url::Url::parse(database).expect("a PostgreSQL URL");
        let target = format!("{}:{}", database.host_str().unwrap(), database.port().unwrap_or(5432));
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (silent_below, accepted) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
        let (silent, count) = (silent_below.clone(), accepted.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                let Ok(server) = TcpStream::connect(&target) else { continue };
                let number = count.fetch_add(1, Ordering::SeqCst);
                for (from, to) in
                    [(client.try_clone().unwrap(), server.try_clone().unwrap()), (server, client)]
                {
                    let silent = silent.clone();
                    std::thread::spawn(move || pass(from, to, number, &silent));
                }
            }
        });
        SilentRelay { port, silent_below, accepted }
    }

    /// `database`, reached through the relay.
    pub fn url(&self, database: &str) -> String {
        let mut url = url::Url::parse(database).unwrap();
        url.set_host(Some("127.0.0.1")).unwrap();
        url.set_port(Some(self.port)).unwrap();
        url.to_string()
    }

    /// The connections open now pass nothing more, and stay open.
    pub fn go_silent(&self) {
        self.silent_below.store(self.accepted.load(Ordering::SeqCst), Ordering::SeqCst);
    }
}

fn pass(mut from: TcpStream, mut to: TcpStream, number: u64, silent_below: &AtomicU64) {
    let mut buffer = [0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buffer) {
            Ok(0) | Err(_) => {
                // The other side closed: so does this one, as a relay would.
                let _ = to.shutdown(std::net::Shutdown::Both);
                return;
            }
            Ok(n) => n,
        };
        if number < silent_below.load(Ordering::SeqCst) {
            // Both ends stay open and nothing passes, until the test ends.
            loop {
                std::thread::sleep(Duration::from_secs(60));
            }
        }
        if to.write_all(&buffer[..n]).is_err() {
            return;
        }
    }
}
