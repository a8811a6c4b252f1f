//! Partner outlets.

use masthead_core::{NewOutlet, Outlet};

use crate::rows::OutletRow;
use crate::{Result, Store, on_db};

impl Store {
    pub async fn create_outlet(&self, new: &NewOutlet) -> Result<Outlet> {
        let id: i64 = on_db!(self, pool => {
            sqlx::query_scalar("INSERT INTO outlets (slug, name, homepage) VALUES ($1, $2, $3) RETURNING id")
                .bind(new.slug.as_str())
                .bind(&new.name)
                .bind(new.homepage.as_ref().map(|u| u.as_str()))
                .fetch_one(pool)
                .await?
        });
        self.changed(vec!["all".to_owned()]).await;
        self.outlet(id).await
    }

    pub async fn update_outlet(&self, id: i64, new: &NewOutlet) -> Result<Outlet> {
        let n = on_db!(self, pool => {
            sqlx::query("UPDATE outlets SET slug = $1, name = $2, homepage = $3 WHERE id = $4")
                .bind(new.slug.as_str())
                .bind(&new.name)
                .bind(new.homepage.as_ref().map(|u| u.as_str()))
                .bind(id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        if n == 0 {
            return Err(crate::StoreError::NotFound);
        }
        self.changed(vec!["all".to_owned()]).await;
        self.outlet(id).await
    }

    pub async fn outlet(&self, id: i64) -> Result<Outlet> {
        let row: OutletRow = on_db!(self, pool => {
            sqlx::query_as("SELECT id, slug, name, homepage FROM outlets WHERE id = $1")
                .bind(id)
                .fetch_one(pool)
                .await?
        });
        row.into_outlet()
    }

    pub async fn outlets(&self) -> Result<Vec<Outlet>> {
        let rows: Vec<OutletRow> = on_db!(self, pool => {
            sqlx::query_as("SELECT id, slug, name, homepage FROM outlets ORDER BY name, id")
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(OutletRow::into_outlet).collect()
    }
}
