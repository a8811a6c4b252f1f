//! Site settings, kept as one JSON document so that a new setting needs no migration.

use masthead_core::Site;

use crate::{Result, Store, StoreError, now_seconds, on_db};

impl Store {
    /// The site's settings, or the defaults when none were saved yet.
    pub async fn site(&self) -> Result<Site> {
        let json: Option<String> = on_db!(self, pool => {
            sqlx::query_scalar("SELECT settings FROM site_settings WHERE id = 1").fetch_optional(pool).await?
        });
        match json {
            None => Ok(Site::default()),
            Some(json) => {
                serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(format!("site settings: {e}")))
            }
        }
    }

    pub async fn save_site(&self, site: &Site) -> Result<()> {
        let json = serde_json::to_string(site).map_err(|e| StoreError::Invalid(e.to_string()))?;
        on_db!(self, pool => {
            sqlx::query(
                "INSERT INTO site_settings (id, settings, updated_at) VALUES (1, $1, $2) \
                 ON CONFLICT (id) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at",
            )
            .bind(&json)
            .bind(now_seconds())
            .execute(pool)
            .await?;
        });
        self.changed(vec!["all".to_owned()]).await;
        Ok(())
    }
}
