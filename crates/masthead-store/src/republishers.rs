//! Republishers who registered their copy of an article on its republish page, and what they
//! were told. When the article is corrected or withdrawn (`articles.amended_revision` moves),
//! each of them is told once: the telling job claims a registration by moving its
//! `told_revision` to that revision in one conditional update, so any number of nodes may run it.

use jiff::Timestamp;

use crate::{Result, Store, StoreError, now_seconds, on_db, timestamp};

/// The most registrations one article keeps: the form is public.
pub const MAX_PER_ARTICLE: i64 = 500;

/// After this many failed attempts a registration is no longer told.
pub const MAX_FAILURES: i64 = 10;

/// What a republisher left on the republish page (checked by the use case).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRepublisher {
    pub article_id: i64,
    pub outlet: String,
    pub contact_email: String,
    pub copy_url: String,
    pub webhook_url: String,
    pub host: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Republisher {
    pub id: i64,
    pub article_id: i64,
    pub outlet: String,
    pub contact_email: String,
    pub copy_url: String,
    pub webhook_url: String,
    pub host: String,
    pub registered_at: Timestamp,
    /// The article's revision when they registered.
    pub registered_revision: i64,
    /// The amendment (the article's revision) they were last told of.
    pub told_revision: Option<i64>,
    pub failures: i64,
}

type Row = (i64, i64, String, String, String, String, String, i64, i64, Option<i64>, i64);

const COLUMNS: &str = "r.id, r.article_id, r.outlet, r.contact_email, r.copy_url, r.webhook_url, r.host, \
     r.registered_at, r.registered_revision, r.told_revision, r.failures";

fn republisher(row: Row) -> Result<Republisher> {
    let (
        id,
        article_id,
        outlet,
        contact_email,
        copy_url,
        webhook_url,
        host,
        registered_at,
        registered_revision,
        told_revision,
        failures,
    ) = row;
    Ok(Republisher {
        id,
        article_id,
        outlet,
        contact_email,
        copy_url,
        webhook_url,
        host,
        registered_at: timestamp(registered_at)?,
        registered_revision,
        told_revision,
        failures,
    })
}

impl Store {
    /// Keeps a registration; refused past [`MAX_PER_ARTICLE`] for one article. The same
    /// outlet, address and copy registered again is kept once.
    pub async fn register_republisher(&self, new: &NewRepublisher) -> Result<i64> {
        let same = "SELECT id FROM republishers WHERE article_id = $1 AND outlet = $2 AND contact_email = $3 \
                    AND copy_url = $4 AND webhook_url = $5";
        // One statement: the limit and the repeat are judged where the row is written.
        let insert = format!(
            "INSERT INTO republishers (article_id, outlet, contact_email, copy_url, webhook_url, host, registered_at, \
             registered_revision) SELECT $1, $2, $3, $4, $5, $6, $7, (SELECT revision FROM articles WHERE id = $1) \
             WHERE (SELECT COUNT(*) FROM republishers WHERE article_id = $1) < {MAX_PER_ARTICLE} \
             AND NOT EXISTS ({same}) RETURNING id"
        );
        let found: (Option<i64>, Option<i64>) = on_db!(self, pool => {
            let inserted: Option<i64> = sqlx::query_scalar(&insert)
                .bind(new.article_id)
                .bind(&new.outlet)
                .bind(&new.contact_email)
                .bind(&new.copy_url)
                .bind(&new.webhook_url)
                .bind(&new.host)
                .bind(now_seconds())
                .fetch_optional(pool)
                .await?;
            let existing: Option<i64> = match inserted {
                Some(_) => None,
                None => sqlx::query_scalar(same)
                    .bind(new.article_id)
                    .bind(&new.outlet)
                    .bind(&new.contact_email)
                    .bind(&new.copy_url)
                    .bind(&new.webhook_url)
                    .fetch_optional(pool)
                    .await?,
            };
            // The copy checks look at the registered copy.
            if let (Some(_), Some(host)) =
                (inserted, masthead_core::republication::republishing_host(&new.copy_url))
            {
                sqlx::query(crate::copies::KNOW_COPY)
                    .bind(new.article_id)
                    .bind(&new.copy_url)
                    .bind(host)
                    .execute(pool)
                    .await?;
            }
            // The registry lists the host from now on, as the tracking image would.
            if inserted.is_some() && !new.host.is_empty() {
                sqlx::query(crate::republications::UPSERT_REPUBLICATION)
                    .bind(new.article_id)
                    .bind(&new.host)
                    .bind(now_seconds())
                    .execute(pool)
                    .await?;
            }
            (inserted, existing)
        });
        found.0.or(found.1).ok_or_else(|| {
            StoreError::Refused("This article has as many registered copies as it can keep.".into())
        })
    }

    /// The registrations of an article, oldest first.
    pub async fn republishers_of(&self, article_id: i64) -> Result<Vec<Republisher>> {
        let sql = format!("SELECT {COLUMNS} FROM republishers r WHERE r.article_id = $1 ORDER BY r.id");
        let rows: Vec<Row> =
            on_db!(self, pool => sqlx::query_as(&sql).bind(article_id).fetch_all(pool).await?);
        rows.into_iter().map(republisher).collect()
    }

    /// Registrations with an amendment of their article they were not told of (made after they
    /// registered), at most `limit`, with that amendment's revision.
    pub async fn republishers_to_tell(&self, limit: u32) -> Result<Vec<(Republisher, i64)>> {
        let sql = format!(
            "SELECT {COLUMNS}, a.amended_revision FROM republishers r JOIN articles a ON a.id = r.article_id \
             WHERE a.amended_revision > COALESCE(r.told_revision, r.registered_revision) \
             AND r.failures < {MAX_FAILURES} ORDER BY r.id LIMIT $1"
        );
        let rows = on_db!(self, pool => {
            let mut out = Vec::new();
            for row in sqlx::query(&sql).bind(i64::from(limit)).fetch_all(pool).await? {
                use sqlx::{FromRow, Row as _};
                let r: Row = FromRow::from_row(&row)?;
                out.push((r, row.try_get::<i64, _>("amended_revision")?));
            }
            out
        });
        rows.into_iter().map(|(r, at)| Ok((republisher(r)?, at))).collect()
    }

    /// Claims the telling of `r` about the amendment of revision `amended`: false when another
    /// node did since it was read.
    pub async fn claim_telling(&self, r: &Republisher, amended: i64) -> Result<bool> {
        let n = on_db!(self, pool => {
            sqlx::query("UPDATE republishers SET told_revision = $1 WHERE id = $2 AND told_revision IS NOT DISTINCT FROM $3")
                .bind(amended)
                .bind(r.id)
                .bind(r.told_revision)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n == 1)
    }

    /// Gives a claimed telling back after it failed, counting the failure; it is tried again.
    pub async fn telling_failed(&self, r: &Republisher) -> Result<()> {
        on_db!(self, pool => {
            sqlx::query("UPDATE republishers SET told_revision = $1, failures = failures + 1 WHERE id = $2")
                .bind(r.told_revision)
                .bind(r.id)
                .execute(pool)
                .await?;
        });
        Ok(())
    }
}
