//! Masthead's storage: one [`Store`] over SQLite (the embedded default, one file in the data
//! folder) or PostgreSQL (the scale-out backend, shared by several `masthead serve` nodes).
//!
//! Both backends run the same SQL: queries use `$1`-style parameters, which SQLite accepts too,
//! integer epoch seconds for times and plain `TEXT`/`BIGINT`/`BOOLEAN` columns. Each method is
//! written once and expanded for both pool types by [`on_db!`], so the backends cannot drift.
//! Migrations are kept per backend (`migrations/{sqlite,postgres}`) and applied at start.
//!
//! This crate is the only one that imports sqlx. It returns `masthead_core` types, never rows.
//! It knows nothing of HTTP or templates.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

mod accounts;
mod archive;
mod articles;
mod authors;
mod batch;
mod changes;
mod comments;
mod copies;
mod drafts;
mod error;
mod federation;
mod imports;
mod listings;
mod mail;
mod media;
mod members;
mod migrations;
mod notify;
mod outlets;
mod pages;
mod queues;
mod related;
mod republications;
mod republishers;
mod revisions;
mod rows;
mod search;
mod secrets;
mod sends;
mod settings;
mod shared;
mod sources;
mod surroundings;
mod terms;
#[cfg(feature = "testing")]
pub mod testing;
mod webmentions;

pub use accounts::{ApiTokenInfo, Attempt, AttemptLimit, AuditEntry, NewUser};
pub use archive::{ARCHIVE_TABLES, TableDump};
pub use articles::{
    Amendment, ArticleFilter, ImportedCurrent, IndexEntry, ListDetails, Listing, Page, PublishedSpan,
};
pub use error::StoreError;
pub use federation::{
    DEAD_AFTER_FAILURES, DELIVERY_LEASE_SECONDS, Delivery, FEDERATION_LEASE_SECONDS, MAX_INBOX_PER_HOST,
    MAX_INBOX_QUEUE, NewActivity, NewFollower, ReceivedActivity, RemoteActor, RemoteKey, SentObject,
};
pub use members::{ImportCount, MemberChange, MemberCursor, MemberFilter, MemberPage};

pub use comments::{CommenterRecord, Moderation, NewMemberComment, QueuedComment};
pub use copies::KnownCopy;
pub use drafts::Draft;
pub use imports::{ImportedKind, NewComment, Redirect, Saved, redirect_path};
pub use mail::{Bounce, BounceKind, NewBounce, Suppression, SuppressionReason};
pub use queues::{QUEUE_CAP, QueueDepths};
pub use related::{RELATED_COUNT, Related};
pub use republishers::{MAX_FAILURES, MAX_PER_ARTICLE, NewRepublisher, Republisher};
pub use revisions::Packed;
pub use search::{HIGHLIGHT_END, HIGHLIGHT_START, MAX_RESULTS, SearchHit, SearchRequest, SearchResults};
pub use sends::{Claimed, Digest, NewDigest, NewSend, RecipientResult, Send, SendKind, SendProgress};
pub use shared::Changed;
pub use sources::{LEASE_SECONDS, OriginalCheck, QueueEntry, SourceEvent, Syndication, SyndicationRecord};
pub use surroundings::Surroundings;
pub use webmentions::{MentionOutcome, QueueLimits, Queued, WEBMENTION_LEASE_SECONDS};

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Where the data lives.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    /// An SQLite database file, created when missing.
    Sqlite(PathBuf),
    /// A PostgreSQL database; `schema`, when given, is created and used instead of `public`
    /// (tests use one schema each, so that they run in parallel on one database).
    Postgres { url: String, schema: Option<String> },
}

impl std::fmt::Debug for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Sqlite(path) => f.debug_tuple("Sqlite").field(path).finish(),
            // Connection strings may carry a password: show where, never who.
            Location::Postgres { url, schema } => f
                .debug_struct("Postgres")
                .field("url", &redact_password(url))
                .field("schema", schema)
                .finish(),
        }
    }
}

/// `url` with any password replaced by `***`, for logs and error messages.
pub fn redact_password(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        Ok(u) => u.to_string(),
        Err(_) => "<unparseable database URL>".to_owned(),
    }
}

#[derive(Clone)]
pub(crate) enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A handle to the database; cheap to clone, shared by every request.
#[derive(Clone)]
pub struct Store {
    pub(crate) db: Db,
    pub(crate) shared: std::sync::Arc<shared::Shared>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("backend", &self.backend()).finish()
    }
}

/// Runs `$body` with `$pool` bound to the concrete pool of whichever backend is in use. The
/// body is compiled once per backend, so every query is type-checked against both.
macro_rules! on_db {
    ($store:expr, $pool:ident => $body:expr) => {{
        $store.count_round_trip();
        match &$store.db {
            $crate::Db::Sqlite($pool) => $body,
            $crate::Db::Postgres($pool) => $body,
        }
    }};
}
pub(crate) use on_db;

/// How the store uses its database.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// How long a query waits for a connection before giving up with
    /// [`StoreError::Unavailable`]. Short, so that while the database is unreachable each request
    /// is told so quickly instead of queueing.
    pub acquire_timeout: Duration,
    /// The most connections a node opens to PostgreSQL (SQLite keeps its own few). Each node
    /// of a site counts against the server's `max_connections` (100 by default).
    pub max_connections: u32,
    /// A PostgreSQL connection unused this long is closed, so that a node holds only what
    /// its load needs.
    pub idle_timeout: Duration,
    /// On PostgreSQL, how often a node checks that it still hears the others (a notification
    /// it sends itself must come back) and reads the record of changes for any it missed. A
    /// listener silent for four beats is replaced, and every cached page purged.
    pub heartbeat: Duration,
    /// On PostgreSQL, where the node listens for the others' changes when that is not where it
    /// queries (a connection pooler in front of the server cannot keep a LISTEN): a URL of the
    /// same database, reached directly. The schema and settings are the store's.
    pub listen_url: Option<String>,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            acquire_timeout: Duration::from_secs(3),
            max_connections: 16,
            idle_timeout: Duration::from_secs(60),
            heartbeat: Duration::from_secs(1),
            listen_url: None,
        }
    }
}

impl Store {
    /// Opens the database at `location`, creating it when it is an SQLite file that does not
    /// exist yet, and applies any pending migrations.
    pub async fn open(location: &Location) -> Result<Store> {
        Store::open_with(location, &StoreOptions::default()).await
    }

    /// [`Store::open`] with `options`.
    pub async fn open_with(location: &Location, options: &StoreOptions) -> Result<Store> {
        let store = match location {
            Location::Sqlite(path) => Store::open_sqlite(path, options).await?,
            Location::Postgres { url, schema } => {
                Store::open_postgres(url, schema.as_deref(), options).await?
            }
        };
        store.migrate().await?;
        store.stamp_new_search_index().await?;
        Ok(store)
    }

    async fn open_sqlite(path: &Path, store_options: &StoreOptions) -> Result<Store> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            // Pages read through a memory map, not copied out of the OS's cache one `read` at
            // a time: searches and saves read many pages of the search index.
            .pragma("mmap_size", "1073741824")
            // 16 MB of pages kept per connection (SQLite's default is 2 MB): a save writes the
            // article, its revision and its words into the index, and reads back what it wrote.
            .pragma("cache_size", "-16384")
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            // A connection to a file never goes stale, and sqlx's check before each use is a
            // round trip to the connection's thread: as much again as the statement itself.
            .test_before_acquire(false)
            .acquire_timeout(store_options.acquire_timeout)
            .connect_with(options)
            .await
            .map_err(|source| StoreError::Connect {
                target: format!("SQLite database {}", path.display()),
                source,
            })?;
        Ok(Store { db: Db::Sqlite(pool), shared: shared::Shared::new(None, store_options.heartbeat, None) })
    }

    async fn open_postgres(url: &str, schema: Option<&str>, store_options: &StoreOptions) -> Result<Store> {
        let target = format!("PostgreSQL at {}", redact_password(url));
        let mut options = PgConnectOptions::from_str(url)
            .map_err(|source| StoreError::Connect { target: target.clone(), source })?;
        if let Some(schema) = schema {
            if !schema.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
                return Err(StoreError::Invalid(format!(
                    "schema name {schema:?} may contain only a-z, 0-9 and _"
                )));
            }
            // Create the schema on a plain connection first; every pooled connection then
            // starts with it on its search path.
            let admin = PgPoolOptions::new()
                .max_connections(1)
                .acquire_timeout(Duration::from_secs(5))
                .connect_with(options.clone())
                .await
                .map_err(|source| StoreError::Connect { target: target.clone(), source })?;
            sqlx::query(&format!("CREATE SCHEMA IF NOT EXISTS {schema}")).execute(&admin).await?;
            admin.close().await;
            options = options.options([("search_path", schema)]);
        }
        // The store's statements are short; PostgreSQL compiles any whose estimated cost
        // passes `jit_above_cost` (a generic plan over a large table easily does), which
        // took 64 ms of a 4 ms statement when saving among 60,000 articles.
        options = options.options([("jit", "off")]);
        let listen_options = match &store_options.listen_url {
            None => options.clone(),
            Some(listen_url) => {
                let direct =
                    PgConnectOptions::from_str(listen_url).map_err(|source| StoreError::Connect {
                        target: format!("PostgreSQL at {} (to listen)", redact_password(listen_url)),
                        source,
                    })?;
                match schema {
                    Some(schema) => direct.options([("search_path", schema)]),
                    None => direct,
                }
            }
        };
        let listen_options = listen_options.application_name(&listener_name(schema));
        let pool = PgPoolOptions::new()
            .max_connections(store_options.max_connections.max(1))
            .min_connections(0)
            .idle_timeout(Some(store_options.idle_timeout))
            .acquire_timeout(store_options.acquire_timeout)
            .connect_with(options)
            .await
            .map_err(|source| StoreError::Connect { target, source })?;
        Ok(Store {
            db: Db::Postgres(pool),
            shared: shared::Shared::new(schema, store_options.heartbeat, Some(listen_options)),
        })
    }

    /// "sqlite" or "postgres".
    pub fn backend(&self) -> &'static str {
        match self.db {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    /// Whether the database is SQLite, whose statements name some indexes themselves.
    pub(crate) fn is_sqlite(&self) -> bool {
        matches!(self.db, Db::Sqlite(_))
    }

    /// Drops a PostgreSQL schema made by [`Store::open`] with `schema`: test clean-up.
    pub async fn drop_schema(&self, schema: &str) -> Result<()> {
        if let Db::Postgres(pool) = &self.db {
            sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).execute(pool).await?;
        }
        Ok(())
    }

    /// The connections the pool holds now, and how many of them are idle.
    pub fn connections(&self) -> (u32, usize) {
        match &self.db {
            Db::Sqlite(pool) => (pool.size(), pool.num_idle()),
            Db::Postgres(pool) => (pool.size(), pool.num_idle()),
        }
    }

    /// Whether the database answers now (one round trip), for a readiness check.
    pub async fn ping(&self) -> Result<()> {
        let one: i64 =
            on_db!(self, pool => sqlx::query_scalar("SELECT CAST(1 AS BIGINT)").fetch_one(pool).await?);
        debug_assert_eq!(one, 1);
        Ok(())
    }

    /// On PostgreSQL, whether this node hears the other nodes' changes now: its listener is
    /// connected and heard its own heartbeat lately. Always true on SQLite, where there are no
    /// other nodes.
    pub fn hears_other_nodes(&self) -> bool {
        match &self.db {
            Db::Sqlite(_) => true,
            Db::Postgres(_) => self.shared.hearing.load(std::sync::atomic::Ordering::Relaxed),
        }
    }

    /// Waits for open connections to finish and closes them.
    pub async fn close(&self) {
        for task in self.shared.listener.lock().unwrap_or_else(|e| e.into_inner()).drain(..) {
            task.abort();
        }
        on_db!(self, pool => pool.close().await)
    }
}

/// The `application_name` of the connections that listen for a site's changes, so that an
/// administrator can tell them apart in `pg_stat_activity`.
pub(crate) fn listener_name(schema: Option<&str>) -> String {
    match schema {
        Some(schema) => format!("masthead listener {schema}"),
        None => "masthead listener".to_owned(),
    }
}

/// `$first, $first+1, …` for `n` values: the parameter list of an `IN (…)`.
pub(crate) fn placeholders(first: usize, n: usize) -> String {
    (first..first + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// `INSERT INTO {into} VALUES …` with `count` rows in one statement: `$1` is the value every
/// row shares, and row `i` is written by `row(i, p)`, where `p` is its own placeholder (`$2`,
/// `$3`, …), bound in order after `$1`.
pub(crate) fn insert_rows(into: &str, count: usize, row: impl Fn(usize, &str) -> String) -> String {
    let rows: Vec<String> = (0..count).map(|i| row(i, &format!("${}", i + 2))).collect();
    format!("INSERT INTO {into} VALUES {}", rows.join(", "))
}

pub(crate) fn now_seconds() -> i64 {
    jiff::Timestamp::now().as_second()
}

pub(crate) fn timestamp(seconds: i64) -> Result<jiff::Timestamp> {
    jiff::Timestamp::from_second(seconds)
        .map_err(|e| StoreError::Corrupt(format!("time {seconds} out of range: {e}")))
}
