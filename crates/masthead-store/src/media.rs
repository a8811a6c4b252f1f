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
        let sql = format!("SELECT {MEDIA_COLUMNS} FROM media m WHERE m.id < $1 ORDER BY m.id DESC LIMIT $2");
        let rows: Vec<MediaRow> = on_db!(self, pool => {
            sqlx::query_as(&sql).bind(before.unwrap_or(i64::MAX)).bind(i64::from(limit)).fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(MediaRow::into_media).collect())
    }
}
