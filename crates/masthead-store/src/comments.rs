//! Readers' comments: written by members, imported with a site (`imports.rs` saves those),
//! moderated by the newsroom. Every write that changes what an article shows announces that
//! article ("article:12"), so that only its pages (and the lists that count its comments) are
//! refreshed.

use jiff::Timestamp;
use masthead_core::{Comment, CommentStatus};

use crate::rows::row;
use crate::{Result, Store, StoreError, on_db, placeholders, timestamp};

row!(CommentRow {
    id: i64,
    article_id: i64,
    parent_id: Option<i64>,
    member_id: Option<i64>,
    author_name: String,
    author_email: String,
    author_url: String,
    body_html: String,
    body_source: String,
    created_at: i64,
    edited_at: Option<i64>,
    status: String,
    held_for: String,
    notify_replies: bool,
    source_key: Option<String>,
});

pub(crate) const COMMENT_COLUMNS: &str = "c.id, c.article_id, c.parent_id, c.member_id, c.author_name, \
     c.author_email, c.author_url, c.body_html, c.body_source, c.created_at, c.edited_at, c.status, \
     c.held_for, c.notify_replies, c.source_key";

impl CommentRow {
    pub(crate) fn into_comment(self) -> Result<Comment> {
        let status = CommentStatus::parse(&self.status)
            .ok_or_else(|| StoreError::Corrupt(format!("comment {} status {:?}", self.id, self.status)))?;
        Ok(Comment {
            id: self.id,
            article_id: self.article_id,
            parent_id: self.parent_id,
            member_id: self.member_id,
            author_name: self.author_name,
            author_email: self.author_email,
            author_url: self.author_url,
            body_html: self.body_html,
            body_source: self.body_source,
            created_at: timestamp(self.created_at)?,
            edited_at: self.edited_at.map(timestamp).transpose()?,
            status,
            held_for: self.held_for,
            notify_replies: self.notify_replies,
            source_key: self.source_key,
        })
    }
}

/// A comment a member writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMemberComment {
    pub article_id: i64,
    pub parent_id: Option<i64>,
    pub member_id: i64,
    pub author_name: String,
    /// Sanitised HTML, and the Markdown it came from.
    pub body_html: String,
    pub body_source: String,
    pub status: CommentStatus,
    pub held_for: String,
    pub notify_replies: bool,
    pub created_at: Timestamp,
}

/// A comment in the newsroom's queue, with the article it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedComment {
    pub comment: Comment,
    pub article_title: String,
    pub article_slug: String,
}

/// What a moderator does to comments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moderation {
    Approve,
    Spam,
    Delete,
    /// Marks them spam and bars their writers from commenting again.
    Ban,
}

/// What a member's comments say about them, for the rules that hold or refuse the next one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommenterRecord {
    /// Comments of theirs the newsroom approved (none: their next is their first).
    pub approved: i64,
    /// Comments they wrote since the time asked about.
    pub recent: i64,
    pub banned: bool,
}

impl Store {
    async fn comments_where(&self, condition: &str, id: i64) -> Result<Vec<Comment>> {
        let sql =
            format!("SELECT {COMMENT_COLUMNS} FROM comments c WHERE {condition} ORDER BY c.created_at, c.id");
        let rows: Vec<CommentRow> =
            on_db!(self, pool => sqlx::query_as(&sql).bind(id).fetch_all(pool).await?);
        rows.into_iter().map(CommentRow::into_comment).collect()
    }

    /// Every comment on an article, whatever its status, oldest first.
    pub async fn comments_of(&self, article_id: i64) -> Result<Vec<Comment>> {
        self.comments_where("c.article_id = $1", article_id).await
    }

    /// The comments readers see on an article, oldest first: the approved ones, and the
    /// placeholders of deleted ones that others answered.
    pub async fn shown_comments(&self, article_id: i64) -> Result<Vec<Comment>> {
        self.comments_where("c.article_id = $1 AND c.status IN ('approved', 'deleted')", article_id).await
    }

    pub async fn comment(&self, id: i64) -> Result<Comment> {
        self.comments_where("c.id = $1", id).await?.pop().ok_or(StoreError::NotFound)
    }

    /// A member's comments, newest first, with the articles they are on.
    pub async fn member_comments(&self, member_id: i64, limit: u32) -> Result<Vec<QueuedComment>> {
        self.queued("c.member_id = $1 AND c.status <> 'deleted'", Some(member_id), None, limit).await
    }

    /// Writes a member's comment. Announces its article when it is shown at once.
    pub async fn add_comment(&self, new: &NewMemberComment) -> Result<Comment> {
        let id: i64 = on_db!(self, pool => {
            sqlx::query_scalar(
                "INSERT INTO comments (article_id, parent_id, member_id, author_name, body_html, body_source, \
                 created_at, status, held_for, notify_replies) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                 RETURNING id",
            )
            .bind(new.article_id)
            .bind(new.parent_id)
            .bind(new.member_id)
            .bind(&new.author_name)
            .bind(&new.body_html)
            .bind(&new.body_source)
            .bind(new.created_at.as_second())
            .bind(new.status.key())
            .bind(&new.held_for)
            .bind(new.notify_replies)
            .fetch_one(pool)
            .await?
        });
        if new.status == CommentStatus::Approved {
            self.changed(vec![format!("article:{}", new.article_id)]).await;
        }
        self.comment(id).await
    }

    /// A member's comments: how many were approved, how many were written since `since`, and
    /// whether they are barred from commenting.
    pub async fn commenter_record(&self, member_id: i64, since: Timestamp) -> Result<CommenterRecord> {
        let (approved, recent, banned): (i64, i64, i64) = on_db!(self, pool => {
            sqlx::query_as(
                "SELECT (SELECT COUNT(*) FROM comments WHERE member_id = $1 AND status = 'approved'), \
                 (SELECT COUNT(*) FROM comments WHERE member_id = $1 AND created_at >= $2), \
                 (SELECT COUNT(*) FROM comment_bans WHERE member_id = $1)",
            )
            .bind(member_id)
            .bind(since.as_second())
            .fetch_one(pool)
            .await?
        });
        Ok(CommenterRecord { approved, recent, banned: banned > 0 })
    }

    /// Replaces a comment's text (its writer editing it), with the status the rules gave the
    /// new text. Announces its article when it was or is shown.
    pub async fn edit_comment(
        &self,
        id: i64,
        body_html: &str,
        body_source: &str,
        status: CommentStatus,
        held_for: &str,
        at: Timestamp,
    ) -> Result<Comment> {
        let before = self.comment(id).await?;
        on_db!(self, pool => {
            sqlx::query(
                "UPDATE comments SET body_html = $2, body_source = $3, status = $4, held_for = $5, edited_at = $6 \
                 WHERE id = $1",
            )
            .bind(id)
            .bind(body_html)
            .bind(body_source)
            .bind(status.key())
            .bind(held_for)
            .bind(at.as_second())
            .execute(pool)
            .await?;
        });
        if before.status == CommentStatus::Approved || status == CommentStatus::Approved {
            self.changed(vec![format!("article:{}", before.article_id)]).await;
        }
        self.comment(id).await
    }

    /// Deletes a comment. One that others answered stays as a placeholder without its text or
    /// its writer's name, so that the answers keep their place.
    pub async fn delete_comment(&self, id: i64) -> Result<()> {
        let comment = self.comment(id).await?;
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "UPDATE comments SET status = 'deleted', body_html = '', body_source = '', author_name = '', \
                 author_email = '', author_url = '' WHERE id = $1 \
                 AND EXISTS (SELECT 1 FROM comments r WHERE r.parent_id = $1)",
            )
            .bind(id)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "DELETE FROM comments WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM comments r WHERE r.parent_id = $1)",
            )
            .bind(id)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        if comment.status == CommentStatus::Approved {
            self.changed(vec![format!("article:{}", comment.article_id)]).await;
        }
        Ok(())
    }

    /// Applies a moderator's decision to comments `ids`, in one transaction. Returns the
    /// comments as they were before, so that the caller can tell whose became visible.
    pub async fn moderate_comments(
        &self,
        ids: &[i64],
        action: Moderation,
        at: Timestamp,
    ) -> Result<Vec<Comment>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list = placeholders(1, ids.len());
        let select = format!("SELECT {COMMENT_COLUMNS} FROM comments c WHERE c.id IN ({list})");
        let rows: Vec<CommentRow> = on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let mut q = sqlx::query_as(&select);
            for id in ids {
                q = q.bind(id);
            }
            let rows: Vec<CommentRow> = q.fetch_all(&mut *tx).await?;
            let statements: Vec<String> = match action {
                Moderation::Approve => {
                    vec![format!("UPDATE comments SET status = 'approved', held_for = '' WHERE id IN ({list}) AND status <> 'deleted'")]
                }
                Moderation::Spam => vec![format!("UPDATE comments SET status = 'spam' WHERE id IN ({list}) AND status <> 'deleted'")],
                Moderation::Delete => vec![format!("DELETE FROM comments WHERE id IN ({list})")],
                Moderation::Ban => vec![
                    format!(
                        "INSERT INTO comment_bans (member_id, banned_at) SELECT DISTINCT member_id, {} FROM comments \
                         WHERE id IN ({list}) AND member_id IS NOT NULL ON CONFLICT (member_id) DO NOTHING",
                        at.as_second()
                    ),
                    format!("UPDATE comments SET status = 'spam' WHERE id IN ({list}) AND status <> 'deleted'"),
                ],
            };
            for sql in &statements {
                let mut q = sqlx::query(sql);
                for id in ids {
                    q = q.bind(id);
                }
                q.execute(&mut *tx).await?;
            }
            tx.commit().await?;
            rows
        });
        let before: Vec<Comment> = rows.into_iter().map(CommentRow::into_comment).collect::<Result<_>>()?;
        let mut articles: Vec<String> = before.iter().map(|c| format!("article:{}", c.article_id)).collect();
        articles.sort();
        articles.dedup();
        if !articles.is_empty() {
            self.changed(articles).await;
        }
        Ok(before)
    }

    /// The newsroom's queue: comments of one status, newest first, a page at a time (`before`
    /// is the last one of the page before: its time and id).
    pub async fn comment_queue(
        &self,
        status: CommentStatus,
        before: Option<(Timestamp, i64)>,
        limit: u32,
    ) -> Result<Vec<QueuedComment>> {
        let condition = format!("c.status = '{}'", status.key());
        self.queued(&condition, None, before, limit).await
    }

    async fn queued(
        &self,
        condition: &str,
        bind: Option<i64>,
        before: Option<(Timestamp, i64)>,
        limit: u32,
    ) -> Result<Vec<QueuedComment>> {
        let first = if bind.is_some() { 2 } else { 1 };
        let keyset = match before {
            Some(_) => format!(
                "AND (c.created_at < ${first} OR (c.created_at = ${first} AND c.id < ${}))",
                first + 1
            ),
            None => String::new(),
        };
        let sql = format!(
            "SELECT {COMMENT_COLUMNS}, a.title, a.slug FROM comments c JOIN articles a ON a.id = c.article_id \
             WHERE {condition} {keyset} ORDER BY c.created_at DESC, c.id DESC LIMIT {limit}"
        );
        type Row = (CommentRow, String, String);
        let rows: Vec<Row> = on_db!(self, pool => {
            let mut q = sqlx::query(&sql);
            if let Some(v) = bind {
                q = q.bind(v);
            }
            if let Some((at, id)) = before {
                q = q.bind(at.as_second()).bind(id);
            }
            let mut out = Vec::new();
            for r in q.fetch_all(pool).await? {
                use sqlx::{FromRow, Row};
                out.push((CommentRow::from_row(&r)?, r.try_get("title")?, r.try_get("slug")?));
            }
            out
        });
        rows.into_iter()
            .map(|(row, article_title, article_slug)| {
                Ok(QueuedComment { comment: row.into_comment()?, article_title, article_slug })
            })
            .collect()
    }

    /// How many comments have each status.
    pub async fn comment_counts(&self) -> Result<Vec<(CommentStatus, i64)>> {
        let rows: Vec<(String, i64)> = on_db!(self, pool => {
            sqlx::query_as("SELECT status, COUNT(*) FROM comments GROUP BY status").fetch_all(pool).await?
        });
        Ok(CommentStatus::ALL
            .into_iter()
            .map(|s| (s, rows.iter().find(|(k, _)| k == s.key()).map_or(0, |(_, n)| *n)))
            .collect())
    }

    /// Closes (or opens again) an article's comments.
    pub async fn set_comments_closed(&self, article_id: i64, closed: bool) -> Result<()> {
        on_db!(self, pool => {
            if closed {
                sqlx::query(
                    "INSERT INTO comments_closed (article_id, closed_at) VALUES ($1, $2) ON CONFLICT (article_id) DO NOTHING",
                )
                .bind(article_id)
                .bind(crate::now_seconds())
                    .execute(pool)
                    .await?;
            } else {
                sqlx::query("DELETE FROM comments_closed WHERE article_id = $1").bind(article_id).execute(pool).await?;
            }
        });
        self.changed(vec![format!("article:{article_id}")]).await;
        Ok(())
    }

    /// Whether the newsroom closed an article's comments.
    pub async fn comments_closed(&self, article_id: i64) -> Result<bool> {
        let n: i64 = on_db!(self, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM comments_closed WHERE article_id = $1")
                .bind(article_id)
                .fetch_one(pool)
                .await?
        });
        Ok(n > 0)
    }

    /// Who hears of a comment shown on `article_id`: the writer of the comment it answers (if
    /// they asked to and are still an active member), and the article's authors who are
    /// colleagues with an account that is not disabled.
    pub async fn comment_recipients(
        &self,
        article_id: i64,
        parent_id: Option<i64>,
    ) -> Result<(Option<String>, Vec<String>)> {
        let (parent, authors): (Option<String>, Vec<String>) = on_db!(self, pool => {
            let parent = match parent_id {
                Some(id) => sqlx::query_scalar(
                    "SELECT m.email FROM comments c JOIN members m ON m.id = c.member_id \
                     WHERE c.id = $1 AND c.notify_replies AND c.status = 'approved' AND m.status = 'active'",
                )
                .bind(id)
                .fetch_optional(pool)
                .await?,
                None => None,
            };
            let authors = sqlx::query_scalar(
                "SELECT DISTINCT u.email FROM article_authors aa JOIN users u ON u.author_id = aa.author_id \
                 WHERE aa.article_id = $1 AND NOT u.disabled ORDER BY u.email",
            )
            .bind(article_id)
            .fetch_all(pool)
            .await?;
            (parent, authors)
        });
        Ok((parent, authors))
    }
}
