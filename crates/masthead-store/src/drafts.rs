//! The editor's autosaved drafts: one slot per article and writer, apart from the article, so
//! that autosave never changes what readers see. Saving the article clears the writer's slot.

use jiff::Timestamp;

use crate::{Result, Store, on_db, timestamp};

/// An autosaved draft of an article, as one writer left it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub article_id: i64,
    pub user_id: i64,
    pub saved_at: Timestamp,
    /// The revision the writer was editing.
    pub revision: i64,
    /// The form's fields, a JSON object.
    pub fields: String,
}

impl Store {
    /// Keeps `fields` as `user_id`'s draft of `article_id`, in place of the one before.
    pub async fn save_draft(
        &self,
        article_id: i64,
        user_id: i64,
        revision: i64,
        fields: &str,
        now: Timestamp,
    ) -> Result<()> {
        on_db!(self, pool => {
            sqlx::query(
                "INSERT INTO article_drafts (article_id, user_id, saved_at, revision, fields) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (article_id, user_id) DO UPDATE SET \
                 saved_at = excluded.saved_at, revision = excluded.revision, fields = excluded.fields",
            )
            .bind(article_id)
            .bind(user_id)
            .bind(now.as_second())
            .bind(revision)
            .bind(fields)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// `user_id`'s draft of `article_id`, if one is kept.
    pub async fn draft(&self, article_id: i64, user_id: i64) -> Result<Option<Draft>> {
        let row: Option<(i64, i64, String)> = on_db!(self, pool => {
            sqlx::query_as(
                "SELECT saved_at, revision, fields FROM article_drafts WHERE article_id = $1 AND user_id = $2",
            )
            .bind(article_id)
            .bind(user_id)
            .fetch_optional(pool)
            .await?
        });
        row.map(|(saved_at, revision, fields)| {
            Ok(Draft { article_id, user_id, saved_at: timestamp(saved_at)?, revision, fields })
        })
        .transpose()
    }

    /// Forgets `user_id`'s draft of `article_id` (saved, or discarded).
    pub async fn discard_draft(&self, article_id: i64, user_id: i64) -> Result<()> {
        on_db!(self, pool => {
            sqlx::query("DELETE FROM article_drafts WHERE article_id = $1 AND user_id = $2")
                .bind(article_id)
                .bind(user_id)
                .execute(pool)
                .await?;
        });
        Ok(())
    }
}
