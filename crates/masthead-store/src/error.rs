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
    #[error("database error: {0}")]
    Database(sqlx::Error),
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
            _ => StoreError::Database(e),
        }
    }
}
