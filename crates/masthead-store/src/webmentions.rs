//! Webmentions: queued when received (within limits), claimed a few per source host at a
//! time, settled when their source has been checked.

use jiff::Timestamp;
use masthead_core::{MentionKind, MentionStatus, Webmention};

use crate::republications::UPSERT_REPUBLICATION;
use crate::rows::row;
use crate::{Result, Store, StoreError, on_db, timestamp};

row!(WebmentionRow {
    id: i64,
    article_id: i64,
    source: String,
    target: String,
    status: String,
    kind: Option<String>,
    error: String,
    received_at: i64,
    checked_at: Option<i64>,
});

const COLUMNS: &str = "id, article_id, source, target, status, kind, error, received_at, checked_at";

impl WebmentionRow {
    pub(crate) fn into_webmention(self) -> Result<Webmention> {
        let status = match self.status.as_str() {
            "pending" => MentionStatus::Pending,
            "verified" => MentionStatus::Verified,
            "rejected" => MentionStatus::Rejected,
            other => return Err(StoreError::Corrupt(format!("webmention {} status {other:?}", self.id))),
        };
        let kind = match self.kind.as_deref() {
            None => None,
            Some("republication") => Some(MentionKind::Republication),
            Some("mention") => Some(MentionKind::Mention),
            Some(other) => return Err(StoreError::Corrupt(format!("webmention {} kind {other:?}", self.id))),
        };
        Ok(Webmention {
            id: self.id,
            article_id: self.article_id,
            source: self.source,
            target: self.target,
            status,
            kind,
            error: self.error,
            received_at: timestamp(self.received_at)?,
            checked_at: self.checked_at.map(timestamp).transpose()?,
        })
    }
}

/// How long a node may take to check the Webmentions it claimed before another may.
pub const WEBMENTION_LEASE_SECONDS: i64 = 300;

/// How many Webmentions may wait to be checked: in all, and for one article.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueLimits {
    pub pending: i64,
    pub pending_per_article: i64,
}

/// Whether a Webmention was queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Queued {
    Queued(i64),
    /// As many mentions as [`QueueLimits::pending`] are waiting.
    QueueFull,
    /// As many mentions of this article as [`QueueLimits::pending_per_article`] are waiting.
    ArticleFull,
}

/// How checking a Webmention's source ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MentionOutcome {
    Verified(MentionKind),
    Rejected(String),
}

impl Store {
    /// Queues a Webmention for checking, within `limits`. The same source and target sent
    /// again is checked again (the source may have changed), keeping one record; one still
    /// pending is queued whatever the limits. The limits are checked in the statement that
    /// queues, so that concurrent senders pass them by no more than the ones arriving in the
    /// same instant on PostgreSQL (none on SQLite, whose writes take turns).
    pub async fn queue_webmention(
        &self,
        article_id: i64,
        source: &str,
        target: &str,
        at: Timestamp,
        limits: QueueLimits,
    ) -> Result<Queued> {
        let host = url::Url::parse(source)
            .ok()
            .and_then(|u| u.host_str().map(|h| h.trim_end_matches('.').to_ascii_lowercase()))
            .unwrap_or_default();
        let id: Option<i64> = on_db!(self, pool => {
            sqlx::query_scalar(
                "INSERT INTO webmentions (article_id, source, source_host, target, status, received_at) \
                 SELECT CAST($1 AS BIGINT), CAST($2 AS TEXT), CAST($3 AS TEXT), CAST($4 AS TEXT), 'pending', CAST($5 AS BIGINT) \
                 WHERE EXISTS (SELECT 1 FROM webmentions WHERE source = $2 AND target = $4 AND status = 'pending') \
                   OR ((SELECT COUNT(*) FROM webmentions WHERE status = 'pending') < $6 \
                   AND (SELECT COUNT(*) FROM webmentions WHERE status = 'pending' AND article_id = $1) < $7) \
                 ON CONFLICT (source, target) DO UPDATE SET status = 'pending', received_at = excluded.received_at, \
                 article_id = excluded.article_id, source_host = excluded.source_host RETURNING id",
            )
            .bind(article_id)
            .bind(source)
            .bind(&host)
            .bind(target)
            .bind(at.as_second())
            .bind(limits.pending)
            .bind(limits.pending_per_article)
            .fetch_optional(pool)
            .await?
        });
        if let Some(id) = id {
            return Ok(Queued::Queued(id));
        }
        let pending: i64 = on_db!(self, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM webmentions WHERE status = 'pending'").fetch_one(pool).await?
        });
        Ok(if pending >= limits.pending { Queued::QueueFull } else { Queued::ArticleFull })
    }

    /// Webmentions waiting to be checked, oldest first.
    pub async fn pending_webmentions(&self, limit: u32) -> Result<Vec<Webmention>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM webmentions WHERE status = 'pending' ORDER BY received_at, id LIMIT {}",
            limit.clamp(1, 500)
        );
        let rows: Vec<WebmentionRow> = on_db!(self, pool => sqlx::query_as(&sql).fetch_all(pool).await?);
        rows.into_iter().map(WebmentionRow::into_webmention).collect()
    }

    /// Claims up to `limit` pending Webmentions that no other node is checking, oldest first,
    /// for [`WEBMENTION_LEASE_SECONDS`]: of several nodes, each mention goes to one. At most
    /// `per_host` from one source host, and none from a host whose mentions another turn is
    /// still checking, so that one site cannot fill a turn or be fetched many times at once;
    /// the rest of its mentions wait for later turns.
    pub async fn claim_pending_webmentions(
        &self,
        limit: u32,
        per_host: u32,
        now: Timestamp,
    ) -> Result<Vec<Webmention>> {
        let sql = format!(
            "UPDATE webmentions SET lease_until = $1 \
             WHERE status = 'pending' AND (lease_until IS NULL OR lease_until < $2) AND id IN ( \
               SELECT id FROM ( \
                 SELECT id, received_at, ROW_NUMBER() OVER (PARTITION BY source_host ORDER BY received_at, id) AS nth \
                 FROM webmentions WHERE status = 'pending' AND (lease_until IS NULL OR lease_until < $2) \
                 AND source_host NOT IN ( \
                   SELECT source_host FROM webmentions WHERE status = 'pending' AND lease_until >= $2) \
               ) ranked WHERE nth <= {} ORDER BY received_at, id LIMIT {}) \
             RETURNING {COLUMNS}",
            per_host.clamp(1, 50),
            limit.clamp(1, 500)
        );
        let mut rows: Vec<WebmentionRow> = on_db!(self, pool => {
            sqlx::query_as(&sql)
                .bind(now.as_second() + WEBMENTION_LEASE_SECONDS)
                .bind(now.as_second())
                .fetch_all(pool)
                .await?
        });
        rows.sort_by_key(|r| (r.received_at, r.id));
        rows.into_iter().map(WebmentionRow::into_webmention).collect()
    }

    /// Records how checking ended; a republication also enters the republication records
    /// for the source's host (without a view: it was not read, only announced).
    pub async fn settle_webmention(
        &self,
        id: i64,
        outcome: &MentionOutcome,
        host: Option<&str>,
        at: Timestamp,
    ) -> Result<()> {
        let (status, kind, error) = match outcome {
            MentionOutcome::Verified(kind) => ("verified", Some(kind.key()), ""),
            MentionOutcome::Rejected(reason) => ("rejected", None, reason.as_str()),
        };
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let (article_id, source): (i64, String) = sqlx::query_as(
                "UPDATE webmentions SET status = $1, kind = $2, error = $3, checked_at = $4 WHERE id = $5 \
                 RETURNING article_id, source",
            )
            .bind(status)
            .bind(kind)
            .bind(error)
            .bind(at.as_second())
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            if let (MentionOutcome::Verified(MentionKind::Republication), Some(host)) = (outcome, host) {
                sqlx::query(UPSERT_REPUBLICATION)
                .bind(article_id)
                .bind(host)
                .bind(at.as_second())
                .execute(&mut *tx)
                .await?;
                // The copy's address is known now: the copy checks look at it.
                sqlx::query(crate::copies::KNOW_COPY).bind(article_id).bind(&source).bind(host).execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Webmentions of an article, newest first.
    pub async fn webmentions(&self, article_id: i64) -> Result<Vec<Webmention>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM webmentions WHERE article_id = $1 ORDER BY received_at DESC, id DESC"
        );
        let rows: Vec<WebmentionRow> =
            on_db!(self, pool => sqlx::query_as(&sql).bind(article_id).fetch_all(pool).await?);
        rows.into_iter().map(WebmentionRow::into_webmention).collect()
    }
}
