//! Media records. The files themselves live in `<data>/media/`; the caller writes them.

use masthead_core::{Media, NewMedia};

use crate::rows::{MEDIA_COLUMNS, MediaRow};
use crate::{Result, Store, now_seconds, on_db};

impl Store {
    pub async fn create_media(&self, new: &NewMedia) -> Result<Media> {
        let id: i64 = on_db!(self, pool => {
            sqlx::query_scalar(
                "INSERT INTO media (path, mime_type, size_bytes, width, height, alt, credit, created_at, \
                 variant_widths, licence, travels) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            )
            .bind(&new.path)
            .bind(&new.mime_type)
            .bind(new.size_bytes)
            .bind(new.width)
            .bind(new.height)
            .bind(&new.alt)
            .bind(&new.credit)
            .bind(now_seconds())
            .bind(crate::rows::join_widths(&new.variant_widths))
            .bind(&new.licence)
            .bind(i64::from(new.travels))
            .fetch_one(pool)
            .await?
        });
        self.media(id).await
    }

    pub async fn media(&self, id: i64) -> Result<Media> {
        let sql = format!("SELECT {MEDIA_COLUMNS} FROM media m WHERE m.id = $1");
        let row: MediaRow = on_db!(self, pool => sqlx::query_as(&sql).bind(id).fetch_one(pool).await?);
        Ok(row.into_media())
    }

    pub async fn media_by_path(&self, path: &str) -> Result<Media> {
        let sql = format!("SELECT {MEDIA_COLUMNS} FROM media m WHERE m.path = $1");
        let row: MediaRow = on_db!(self, pool => sqlx::query_as(&sql).bind(path).fetch_one(pool).await?);
        Ok(row.into_media())
    }

    /// Changes what may be done with an image: its credit, its licence, and whether it travels
    /// with republished copies. Every page, feed and snippet that shows it changes.
    pub async fn set_media_rights(
        &self,
        id: i64,
        credit: &str,
        licence: &str,
        travels: bool,
    ) -> Result<Media> {
        let n = on_db!(self, pool => {
            sqlx::query("UPDATE media SET credit = $1, licence = $2, travels = $3 WHERE id = $4")
                .bind(credit)
                .bind(licence)
                .bind(i64::from(travels))
                .bind(id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        if n == 0 {
            return Err(crate::StoreError::NotFound);
        }
        self.changed(vec!["all".to_owned()]).await;
        self.media(id).await
    }

    /// The media library, newest first: up to `limit` items older than `before` (an id).
    pub async fn media_library(&self, before: Option<i64>, limit: u32) -> Result<Vec<Media>> {
        self.find_media(before, "", limit).await
    }

    /// The media library, newest first, of the items whose description, credit, licence or file
    /// name holds `text` (any case; empty: all): up to `limit` older than `before` (an id).
    pub async fn find_media(&self, before: Option<i64>, text: &str, limit: u32) -> Result<Vec<Media>> {
        let text = text.trim().to_lowercase();
        let pattern = format!("%{}%", text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
        let sql = format!(
            "SELECT {MEDIA_COLUMNS} FROM media m WHERE m.id < $1 AND ($3 = '' OR LOWER(m.alt) LIKE $4 ESCAPE '\\' \
             OR LOWER(m.credit) LIKE $4 ESCAPE '\\' OR LOWER(m.licence) LIKE $4 ESCAPE '\\' OR LOWER(m.path) LIKE $4 ESCAPE '\\') \
             ORDER BY m.id DESC LIMIT $2"
        );
        let rows: Vec<MediaRow> = on_db!(self, pool => {
            sqlx::query_as(&sql)
                .bind(before.unwrap_or(i64::MAX))
                .bind(i64::from(limit))
                .bind(&text)
                .bind(&pattern)
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(MediaRow::into_media).collect())
    }

    /// Where image `id` is used: articles that feature it or show it in their text (by its
    /// file's address), and authors whose picture it is: (what, number, title), at most
    /// `limit`. Reads every article's text: for the newsroom's page of one image, not for lists.
    pub async fn media_uses(&self, id: i64, limit: u32) -> Result<Vec<(String, i64, String)>> {
        let media = self.media(id).await?;
        let address = format!("%/media/{}%", media.path.replace('%', "").replace('_', "\\_"));
        let rows: Vec<(String, i64, String)> = on_db!(self, pool => {
            sqlx::query_as(
                "SELECT 'article', id, title FROM articles WHERE featured_media_id = $1 OR body_html LIKE $2 ESCAPE '\\' \
                 UNION ALL SELECT 'author', id, name FROM authors WHERE avatar_media_id = $1 \
                 UNION ALL SELECT 'page', id, title FROM pages WHERE body_html LIKE $2 ESCAPE '\\' \
                 UNION ALL SELECT 'site', 0, 'The site''s logo' FROM site_settings WHERE settings LIKE $2 ESCAPE '\\' \
                 LIMIT $3",
            )
            .bind(id)
            .bind(&address)
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }

    /// Deletes image `id`'s record (its files are the caller's to remove).
    pub async fn delete_media(&self, id: i64) -> Result<()> {
        let n = on_db!(self, pool => {
            sqlx::query("DELETE FROM media WHERE id = $1").bind(id).execute(pool).await?.rows_affected()
        });
        if n == 0 {
            return Err(crate::StoreError::NotFound);
        }
        self.changed(vec!["all".to_owned()]).await;
        Ok(())
    }
}
