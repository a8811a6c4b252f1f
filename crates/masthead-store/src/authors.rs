//! Authors.

use masthead_core::{Author, NewAuthor, Slug};

use crate::rows::{AUTHOR_COLUMNS, AuthorRow};
use crate::{Result, Store, StoreError, on_db};

impl Store {
    pub async fn create_author(&self, new: &NewAuthor) -> Result<Author> {
        let links = serde_json::to_string(&new.links).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let id: i64 = on_db!(self, pool => {
            sqlx::query_scalar(
                "INSERT INTO authors (slug, name, bio, links, avatar_media_id, outlet_id) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(new.slug.as_str())
            .bind(&new.name)
            .bind(&new.bio)
            .bind(&links)
            .bind(new.avatar_media_id)
            .bind(new.outlet_id)
            .fetch_one(pool)
            .await?
        });
        self.changed(vec![format!("author:{id}"), "listing".to_owned()]).await;
        self.author(id).await
    }

    pub async fn update_author(&self, id: i64, new: &NewAuthor) -> Result<Author> {
        let links = serde_json::to_string(&new.links).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let n = on_db!(self, pool => {
            sqlx::query(
                "UPDATE authors SET slug = $1, name = $2, bio = $3, links = $4, avatar_media_id = $5, outlet_id = $6 \
                 WHERE id = $7",
            )
            .bind(new.slug.as_str())
            .bind(&new.name)
            .bind(&new.bio)
            .bind(&links)
            .bind(new.avatar_media_id)
            .bind(new.outlet_id)
            .bind(id)
            .execute(pool)
            .await?
            .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        self.changed(vec![format!("author:{id}")]).await;
        self.author(id).await
    }

    /// Deletes author `id`, who must have no byline left (an article's byline is never taken
    /// away by deleting its author); staff accounts linked to them are unlinked.
    pub async fn delete_author(&self, id: i64) -> Result<()> {
        let bylines: i64 = on_db!(self, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM article_authors WHERE author_id = $1").bind(id).fetch_one(pool).await?
        });
        if bylines > 0 {
            let s = if bylines == 1 { "" } else { "s" };
            return Err(crate::StoreError::Refused(format!(
                "this author has {bylines} byline{s}; take them off those articles first"
            )));
        }
        let n = on_db!(self, pool => {
            sqlx::query("DELETE FROM authors WHERE id = $1").bind(id).execute(pool).await?.rows_affected()
        });
        if n == 0 {
            return Err(crate::StoreError::NotFound);
        }
        self.changed(vec![format!("author:{id}")]).await;
        Ok(())
    }

    pub async fn author(&self, id: i64) -> Result<Author> {
        let sql = format!("SELECT {AUTHOR_COLUMNS} FROM authors au WHERE au.id = $1");
        let row: AuthorRow = on_db!(self, pool => sqlx::query_as(&sql).bind(id).fetch_one(pool).await?);
        row.into_author()
    }

    pub async fn author_by_slug(&self, slug: &Slug) -> Result<Author> {
        let sql = format!("SELECT {AUTHOR_COLUMNS} FROM authors au WHERE au.slug = $1");
        let row: AuthorRow =
            on_db!(self, pool => sqlx::query_as(&sql).bind(slug.as_str()).fetch_one(pool).await?);
        row.into_author()
    }

    pub async fn authors(&self) -> Result<Vec<Author>> {
        let sql = format!("SELECT {AUTHOR_COLUMNS} FROM authors au ORDER BY au.name, au.id");
        let rows: Vec<AuthorRow> = on_db!(self, pool => sqlx::query_as(&sql).fetch_all(pool).await?);
        rows.into_iter().map(AuthorRow::into_author).collect()
    }
}
