//! Static pages: About, Contact, Corrections. Each write announces `page:{id}` and `nav` (the
//! menu may name it).

use masthead_core::{BodyFormat, NewPage, RenderedBody, Slug, StaticPage};

use crate::{Result, Store, StoreError, on_db, timestamp};

type PageRow = (i64, String, String, String, String, String, i64);

const COLUMNS: &str = "id, slug, title, body_format, body_source, body_html, updated_at";

fn page((id, slug, title, format, source, html, updated_at): PageRow) -> Result<StaticPage> {
    Ok(StaticPage {
        id,
        slug: Slug::parse(&slug).map_err(|e| StoreError::Corrupt(format!("page {id}'s address: {e}")))?,
        title,
        body: RenderedBody {
            format: BodyFormat::from_key(&format)
                .ok_or_else(|| StoreError::Corrupt(format!("page {id}'s body format {format:?}")))?,
            source,
            html,
        },
        updated_at: timestamp(updated_at)?,
    })
}

impl Store {
    pub async fn create_page(&self, new: &NewPage) -> Result<StaticPage> {
        let now = jiff::Timestamp::now().as_second();
        let id: i64 = on_db!(self, pool => {
            sqlx::query_scalar(
                "INSERT INTO pages (slug, title, body_format, body_source, body_html, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(new.slug.as_str())
            .bind(&new.title)
            .bind(new.body.format.key())
            .bind(&new.body.source)
            .bind(&new.body.html)
            .bind(now)
            .fetch_one(pool)
            .await?
        });
        self.changed(vec![format!("page:{id}"), "nav".to_owned()]).await;
        self.page(id).await
    }

    pub async fn update_page(&self, id: i64, new: &NewPage) -> Result<StaticPage> {
        let now = jiff::Timestamp::now().as_second();
        let n = on_db!(self, pool => {
            sqlx::query(
                "UPDATE pages SET slug = $2, title = $3, body_format = $4, body_source = $5, body_html = $6, \
                 updated_at = $7 WHERE id = $1",
            )
            .bind(id)
            .bind(new.slug.as_str())
            .bind(&new.title)
            .bind(new.body.format.key())
            .bind(&new.body.source)
            .bind(&new.body.html)
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        self.changed(vec![format!("page:{id}"), "nav".to_owned()]).await;
        self.page(id).await
    }

    pub async fn delete_page(&self, id: i64) -> Result<()> {
        let n = on_db!(self, pool => {
            sqlx::query("DELETE FROM pages WHERE id = $1").bind(id).execute(pool).await?.rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        self.changed(vec![format!("page:{id}"), "nav".to_owned()]).await;
        Ok(())
    }

    pub async fn page(&self, id: i64) -> Result<StaticPage> {
        let sql = format!("SELECT {COLUMNS} FROM pages WHERE id = $1");
        let row: Option<PageRow> = on_db!(self, pool => {
            sqlx::query_as(&sql).bind(id).fetch_optional(pool).await?
        });
        page(row.ok_or(StoreError::NotFound)?)
    }

    pub async fn page_by_slug(&self, slug: &str) -> Result<StaticPage> {
        let sql = format!("SELECT {COLUMNS} FROM pages WHERE slug = $1");
        let row: Option<PageRow> = on_db!(self, pool => {
            sqlx::query_as(&sql).bind(slug).fetch_optional(pool).await?
        });
        page(row.ok_or(StoreError::NotFound)?)
    }

    /// Every page, by title (a site has a handful).
    pub async fn pages(&self) -> Result<Vec<StaticPage>> {
        let sql = format!("SELECT {COLUMNS} FROM pages ORDER BY title, id LIMIT 500");
        let rows: Vec<PageRow> = on_db!(self, pool => {
            sqlx::query_as(&sql).fetch_all(pool).await?
        });
        rows.into_iter().map(page).collect()
    }
}
