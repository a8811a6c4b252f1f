//! What can go wrong in storage, in terms the callers act on.

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A unique value is taken: a slug, a path. `what` names it ("articles.slug").
    #[error("{what} is already taken")]
    Conflict { what: String },
    /// Someone saved the record since the caller read it: `current` is the revision now stored.
    #[error("the article was saved by someone else in the meantime (it is now at revision {current})")]
    Stale { current: i64 },
    /// A value the caller should have checked (an unknown id in a list, a bad schema name).
    #[error("{0}")]
    Invalid(String),
    /// What the rules forbid (a partner's terms), in words for the person who asked.
    #[error("{0}")]
    Refused(String),
    /// Data in the database that this version cannot read.
    #[error("stored data cannot be read: {0}")]
    Corrupt(String),
    #[error("could not connect to the {target}: {source}")]
    Connect { target: String, source: sqlx::Error },
    #[error("could not apply database migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The database cannot be reached now (refused, cut off, no connection free in time): worth
    /// trying again shortly, and nothing the caller did wrong.
    #[error("the database cannot be reached: {0}")]
    Unavailable(sqlx::Error),
    /// The disk under the database is full (SQLite's `SQLITE_FULL` or an I/O error writing,
    /// PostgreSQL's `53100 disk_full`): nothing was saved; freeing space is the cure.
    #[error("the disk is full: nothing was saved; free some space and try again ({0})")]
    DiskFull(sqlx::Error),
    #[error("database error: {0}")]
    Database(sqlx::Error),
}

/// Whether `e` says the disk is full: SQLite's `SQLITE_FULL` (13) and `SQLITE_IOERR` (10, with
/// its extended codes in the high bits), which a write meets on a full disk; PostgreSQL's
/// `53100 disk_full`; and a full disk seen by the driver itself.
pub(crate) fn is_disk_full(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => db.code().is_some_and(|code| match code.parse::<i32>() {
            Ok(sqlite) => matches!(sqlite & 0xff, 10 | 13),
            Err(_) => code == "53100",
        }),
        sqlx::Error::Io(io) => io.kind() == std::io::ErrorKind::StorageFull,
        _ => false,
    }
}

/// Whether `e` says the database is out of reach rather than that the query was wrong.
fn is_unavailable(e: &sqlx::Error) -> bool {
    match e {
        // Not `PoolClosed`: this process closed its own pool, which no retry will reopen.
        sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::Tls(_) => true,
        // PostgreSQL: connection exceptions (08…), too many connections (53300), and the server
        // ending or refusing sessions (57P01 admin shutdown, 57P02 crash, 57P03 starting up).
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            code.starts_with("08") || matches!(&*code, "53300" | "57P01" | "57P02" | "57P03")
        }),
        _ => false,
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                // PostgreSQL names the constraint; SQLite says "UNIQUE constraint failed: t.col".
                let what = db.constraint().map(str::to_owned).unwrap_or_else(|| {
                    db.message().rsplit(": ").next().unwrap_or("a unique value").to_owned()
                });
                StoreError::Conflict { what }
            }
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                StoreError::Invalid(format!("a referenced record does not exist ({})", db.message()))
            }
            _ if is_disk_full(&e) => StoreError::DiskFull(e),
            _ if is_unavailable(&e) => StoreError::Unavailable(e),
            _ => StoreError::Database(e),
        }
    }
}
