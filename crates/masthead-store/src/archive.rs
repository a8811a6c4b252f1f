//! The whole site as data, table by table, for the archive (`masthead export archive`) and back
//! (`masthead import archive`).
//!
//! A dump reads every column of every lasting table inside one read transaction, so that it is
//! a consistent snapshot while the site keeps serving and writing. A restore writes into an
//! empty site in one transaction, with the same ids, and converts each value to the column's
//! type on this backend, so that an archive made on SQLite restores on PostgreSQL and back.
//! Sessions (staff's and members'), reset links, sign-in throttles and the announcement queue are
//! not kept: they are about the moment, not the site. Members, their newsletters and labels are.

use serde_json::{Map, Value};
use sqlx::{Column, Row};

use crate::{Db, Result, Store, StoreError};

/// The tables an archive holds, parents before children.
pub const ARCHIVE_TABLES: &[&str] = &[
    "site_settings",
    "outlets",
    "media",
    "authors",
    "terms",
    "merged_terms",
    "users",
    "api_tokens",
    "articles",
    "article_authors",
    "article_terms",
    "article_origins",
    "article_revisions",
    "republications",
    "republication_views",
    "republishers",
    "copy_checks",
    "webmentions",
    "audit_log",
    "sources",
    "source_events",
    "syndicated_articles",
    "ingested_items",
    "redirects",
    "import_keys",
    "newsletters",
    "labels",
    "members",
    "member_newsletters",
    "member_labels",
    "comments",
    "comment_bans",
    "comments_closed",
    "related_articles",
    // Static pages, and the addresses of deleted articles (which answer 410 Gone).
    "pages",
    "gone_articles",
    // Who follows the outlet and its authors on other servers, and what they were sent.
    "federation_followers",
    "federation_objects",
    "federation_activities",
    "federation_reactions",
    // Who must not be mailed again goes with the site.
    "suppressions",
    "bounces",
];

/// Tables that say who may sign in: left out, or emptied of secrets, unless asked for.
const CREDENTIALS: &[&str] = &["api_tokens"];

/// One table's rows, each a map from column to value.
#[derive(Debug, Clone, PartialEq)]
pub struct TableDump {
    pub name: String,
    pub rows: Vec<Map<String, Value>>,
}

/// The SQL type family of a column on this backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Integer,
    Text,
    Boolean,
}

fn kind_of(declared: &str) -> Kind {
    let d = declared.to_ascii_lowercase();
    if d.contains("bool") {
        Kind::Boolean
    } else if d.contains("int") {
        Kind::Integer
    } else {
        Kind::Text
    }
}

macro_rules! row_to_json {
    ($row:expr) => {{
        let row = $row;
        let mut map = Map::new();
        for (i, column) in row.columns().iter().enumerate() {
            let value = if let Ok(v) = row.try_get::<Option<i64>, _>(i) {
                v.map(Value::from).unwrap_or(Value::Null)
            } else if let Ok(v) = row.try_get::<Option<bool>, _>(i) {
                v.map(Value::from).unwrap_or(Value::Null)
            } else if let Ok(v) = row.try_get::<Option<String>, _>(i) {
                v.map(Value::from).unwrap_or(Value::Null)
            } else {
                return Err(StoreError::Corrupt(format!("a value of {} cannot be read", column.name())));
            };
            map.insert(column.name().to_owned(), value);
        }
        map
    }};
}

impl Store {
    /// The tables of the archive that exist in this database (older schemas lack the newer).
    async fn archive_tables(&self) -> Result<Vec<&'static str>> {
        let mut present = Vec::new();
        for table in ARCHIVE_TABLES {
            if !self.columns(table).await?.is_empty() {
                present.push(*table);
            }
        }
        Ok(present)
    }

    /// The columns of `table` with their kind, in order; empty when there is no such table.
    async fn columns(&self, table: &str) -> Result<Vec<(String, Kind)>> {
        let rows: Vec<(String, String)> = match &self.db {
            Db::Sqlite(pool) => {
                sqlx::query_as(&format!("SELECT name, type FROM pragma_table_info('{table}') ORDER BY cid"))
                    .fetch_all(pool)
                    .await?
            }
            Db::Postgres(pool) => {
                sqlx::query_as(
                    "SELECT column_name::text, data_type::text FROM information_schema.columns \
                     WHERE table_name = $1 AND table_schema = current_schema() ORDER BY ordinal_position",
                )
                .bind(table)
                .fetch_all(pool)
                .await?
            }
        };
        Ok(rows.into_iter().map(|(name, declared)| (name, kind_of(&declared))).collect())
    }

    /// Every lasting table, read in one snapshot. Without `with_credentials`, password hashes
    /// are replaced by a value no password matches and API tokens are left out.
    pub async fn dump(&self, with_credentials: bool) -> Result<Vec<TableDump>> {
        let tables = self.archive_tables().await?;
        let mut dumps = Vec::with_capacity(tables.len());
        match &self.db {
            Db::Sqlite(pool) => {
                let mut tx = pool.begin().await?;
                for table in &tables {
                    let rows = sqlx::query(&format!("SELECT * FROM {table} ORDER BY 1, 2"))
                        .fetch_all(&mut *tx)
                        .await?;
                    let mut out = Vec::with_capacity(rows.len());
                    for r in &rows {
                        out.push(row_to_json!(r));
                    }
                    dumps.push(TableDump { name: (*table).to_owned(), rows: out });
                }
                tx.commit().await?;
            }
            Db::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .execute(&mut *tx)
                    .await?;
                for table in &tables {
                    let rows = sqlx::query(&format!("SELECT * FROM {table} ORDER BY 1, 2"))
                        .fetch_all(&mut *tx)
                        .await?;
                    let mut out = Vec::with_capacity(rows.len());
                    for r in &rows {
                        out.push(row_to_json!(r));
                    }
                    dumps.push(TableDump { name: (*table).to_owned(), rows: out });
                }
                tx.commit().await?;
            }
        }
        if !with_credentials {
            dumps.retain(|d| !CREDENTIALS.contains(&d.name.as_str()));
            for dump in dumps.iter_mut().filter(|d| d.name == "users") {
                for row in &mut dump.rows {
                    row.insert("password_hash".into(), Value::from("!"));
                }
            }
        }
        Ok(dumps)
    }

    /// Whether the site holds nothing yet but, perhaps, its settings.
    pub async fn is_empty_site(&self) -> Result<bool> {
        for table in ["articles", "authors", "terms", "outlets", "users", "media", "members"] {
            let n: i64 = on_db_count(self, table).await?;
            if n > 0 {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Writes `dumps` into this empty site in one transaction, ids and all. A table or column
    /// this database does not have is an error naming it; nothing is written then.
    pub async fn restore(&self, dumps: &[TableDump]) -> Result<()> {
        if !self.is_empty_site().await? {
            return Err(StoreError::Invalid(
                "the site is not empty: restore an archive into a new data folder".into(),
            ));
        }
        let mut plans = Vec::new();
        for dump in dumps {
            let columns = self.columns(&dump.name).await?;
            if columns.is_empty() {
                return Err(StoreError::Invalid(format!("this version has no table {}", dump.name)));
            }
            plans.push((dump, columns));
        }
        macro_rules! restore_on {
            ($pool:expr) => {{
                let mut tx = $pool.begin().await?;
                sqlx::query("DELETE FROM site_settings").execute(&mut *tx).await?;
                // The newsletter every new site starts with gives way to the archive's.
                if plans.iter().any(|(dump, _)| dump.name == "newsletters") {
                    sqlx::query("DELETE FROM newsletters").execute(&mut *tx).await?;
                }
                for (dump, columns) in &plans {
                    for (n, row) in dump.rows.iter().enumerate() {
                        let mut names = Vec::new();
                        let mut kinds = Vec::new();
                        for (key, _) in row {
                            let (_, kind) = columns.iter().find(|(c, _)| c == key).ok_or_else(|| {
                                StoreError::Invalid(format!(
                                    "{}, row {}: this version has no column {key}",
                                    dump.name,
                                    n + 1
                                ))
                            })?;
                            names.push(key.as_str());
                            kinds.push(*kind);
                        }
                        let sql = format!(
                            "INSERT INTO {} ({}) VALUES ({})",
                            dump.name,
                            names.join(", "),
                            crate::placeholders(1, names.len())
                        );
                        let mut q = sqlx::query(&sql);
                        for (name, kind) in names.iter().zip(&kinds) {
                            let v = if *name == "parent_id" { &Value::Null } else { &row[*name] };
                            let bad = || {
                                StoreError::Invalid(format!(
                                    "{}, row {}: {name} has the wrong form",
                                    dump.name,
                                    n + 1
                                ))
                            };
                            q = match kind {
                                Kind::Integer => q.bind(match v {
                                    Value::Null => None,
                                    Value::Bool(b) => Some(i64::from(*b)),
                                    Value::Number(x) => Some(x.as_i64().ok_or_else(bad)?),
                                    _ => return Err(bad()),
                                }),
                                Kind::Boolean => q.bind(match v {
                                    Value::Null => None,
                                    Value::Bool(b) => Some(*b),
                                    Value::Number(x) => Some(x.as_i64().ok_or_else(bad)? != 0),
                                    _ => return Err(bad()),
                                }),
                                Kind::Text => q.bind(match v {
                                    Value::Null => None,
                                    Value::String(s) => Some(s.clone()),
                                    _ => return Err(bad()),
                                }),
                            };
                        }
                        q.execute(&mut *tx).await?;
                    }
                    // A parent may have a higher id than its child: parents are set once every
                    // row of the table is in.
                    if columns.iter().any(|(c, _)| c == "parent_id") {
                        for row in &dump.rows {
                            if let (Some(id), Some(parent)) = (
                                row.get("id").and_then(Value::as_i64),
                                row.get("parent_id").and_then(Value::as_i64),
                            ) {
                                sqlx::query(&format!(
                                    "UPDATE {} SET parent_id = $1 WHERE id = $2",
                                    dump.name
                                ))
                                .bind(parent)
                                .bind(id)
                                .execute(&mut *tx)
                                .await?;
                            }
                        }
                    }
                }
                tx.commit().await?;
            }};
        }
        self.count_round_trip();
        match &self.db {
            Db::Sqlite(pool) => restore_on!(pool),
            Db::Postgres(pool) => {
                restore_on!(pool);
                // Identity columns continue after the restored ids.
                for (dump, columns) in &plans {
                    if columns.iter().any(|(c, k)| c == "id" && *k == Kind::Integer)
                        && dump.name != "site_settings"
                    {
                        sqlx::query(&format!(
                            "SELECT setval(pg_get_serial_sequence('{0}', 'id'), COALESCE((SELECT MAX(id) FROM {0}), 0) + 1, false)",
                            dump.name
                        ))
                        .execute(pool)
                        .await?;
                    }
                }
            }
        }
        // The search index and the term listings are not in the archive: they are made again
        // from the articles.
        self.rebuild_listings().await?;
        self.reindex_search(|_, _| {}).await?;
        self.changed(vec!["all".to_owned()]).await;
        Ok(())
    }
}

async fn on_db_count(store: &Store, table: &str) -> Result<i64> {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    Ok(crate::on_db!(store, pool => sqlx::query_scalar(&sql).fetch_one(pool).await?))
}
