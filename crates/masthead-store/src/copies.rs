//! Republished copies whose address we know, and what checking each found. The copy check job
//! claims a copy by moving its `checked_at` in one conditional update, so any number of nodes
//! may run it; each copy is looked at once per interval.

use jiff::Timestamp;

use crate::{Result, Store, on_db, timestamp};

/// Notes a copy's address (article, url, host), once.
pub(crate) const KNOW_COPY: &str =
    "INSERT INTO copy_checks (article_id, url, host) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";

/// A known copy, and the last check's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownCopy {
    pub article_id: i64,
    pub url: String,
    pub host: String,
    /// When it was last claimed for a check, in seconds (the claim's guard).
    pub checked_at: Option<i64>,
    /// '' until checked.
    pub verdict: String,
    pub detail: String,
}

type Row = (i64, String, String, Option<i64>, String, String);

const COLUMNS: &str = "c.article_id, c.url, c.host, c.checked_at, c.verdict, c.detail";

fn copy((article_id, url, host, checked_at, verdict, detail): Row) -> KnownCopy {
    KnownCopy { article_id, url, host, checked_at, verdict, detail }
}

impl KnownCopy {
    /// When it was last checked.
    pub fn checked(&self) -> Option<Timestamp> {
        self.checked_at.and_then(|s| timestamp(s).ok())
    }
}

impl Store {
    /// Notes the address of a copy of `article_id` on `host`, to be checked (once: known
    /// copies are kept as they are).
    pub async fn know_copy(&self, article_id: i64, url: &str, host: &str) -> Result<()> {
        on_db!(self, pool => {
            sqlx::query(KNOW_COPY).bind(article_id).bind(url).bind(host).execute(pool).await?;
        });
        Ok(())
    }

    /// Notes our own pages of published articles taken in from partners, as copies on `host`
    /// (each page `base` followed by its slug), at most `limit` not known yet: the copy check
    /// looks at them as it looks at others' copies of ours.
    pub async fn know_own_copies(&self, base: &str, host: &str, limit: u32) -> Result<u64> {
        Ok(on_db!(self, pool => {
            sqlx::query(
                "INSERT INTO copy_checks (article_id, url, host) \
                 SELECT a.id, $1 || a.slug, $2 FROM articles a JOIN syndicated_articles y ON y.article_id = a.id \
                 WHERE a.status = 'published' AND NOT EXISTS \
                 (SELECT 1 FROM copy_checks c WHERE c.article_id = a.id AND c.host = $2) \
                 ORDER BY a.id LIMIT $3 ON CONFLICT DO NOTHING",
            )
            .bind(base)
            .bind(host)
            .bind(i64::from(limit))
            .execute(pool)
            .await?
            .rows_affected()
        }))
    }

    /// Copies of published articles not checked since `due_before` (never checked first), at
    /// most `limit`.
    pub async fn copies_due(&self, due_before: Timestamp, limit: u32) -> Result<Vec<KnownCopy>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM copy_checks c JOIN articles a ON a.id = c.article_id \
             WHERE a.status IN ('published', 'unpublished') AND (c.checked_at IS NULL OR c.checked_at < $1) \
             ORDER BY c.checked_at IS NOT NULL, c.checked_at, c.article_id, c.url LIMIT $2"
        );
        let rows: Vec<Row> = on_db!(self, pool => {
            sqlx::query_as(&sql).bind(due_before.as_second()).bind(i64::from(limit)).fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(copy).collect())
    }

    /// Claims the check of `c` at `now`; false when another node did since it was read.
    pub async fn claim_copy_check(&self, c: &KnownCopy, now: Timestamp) -> Result<bool> {
        let n = on_db!(self, pool => {
            sqlx::query(
                "UPDATE copy_checks SET checked_at = $1 WHERE article_id = $2 AND url = $3 \
                 AND checked_at IS NOT DISTINCT FROM $4",
            )
            .bind(now.as_second())
            .bind(c.article_id)
            .bind(&c.url)
            .bind(c.checked_at)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }

    /// Records what the check of a copy found.
    pub async fn record_copy_check(
        &self,
        article_id: i64,
        url: &str,
        verdict: &str,
        detail: &str,
    ) -> Result<()> {
        on_db!(self, pool => {
            sqlx::query("UPDATE copy_checks SET verdict = $1, detail = $2 WHERE article_id = $3 AND url = $4")
                .bind(verdict)
                .bind(detail)
                .bind(article_id)
                .bind(url)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// The known copies of an article, by host and address.
    pub async fn copies_of(&self, article_id: i64) -> Result<Vec<KnownCopy>> {
        let sql =
            format!("SELECT {COLUMNS} FROM copy_checks c WHERE c.article_id = $1 ORDER BY c.host, c.url");
        let rows: Vec<Row> =
            on_db!(self, pool => sqlx::query_as(&sql).bind(article_id).fetch_all(pool).await?);
        Ok(rows.into_iter().map(copy).collect())
    }

    /// The known copies on one republisher's host, newest article first, at most `limit`.
    pub async fn copies_on(&self, host: &str, limit: u32) -> Result<Vec<KnownCopy>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM copy_checks c WHERE c.host = $1 ORDER BY c.article_id DESC, c.url LIMIT $2"
        );
        let rows: Vec<Row> = on_db!(self, pool => sqlx::query_as(&sql).bind(host).bind(i64::from(limit)).fetch_all(pool).await?);
        Ok(rows.into_iter().map(copy).collect())
    }
}
