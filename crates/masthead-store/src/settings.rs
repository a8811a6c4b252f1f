//! Site settings, kept as one JSON document so that a new setting needs no migration.

use masthead_core::Site;

use crate::{Result, Store, StoreError, now_seconds, on_db};

impl Store {
    /// The site's settings, or the defaults when none were saved yet.
    pub async fn site(&self) -> Result<Site> {
        let json: Option<String> = on_db!(self, pool => {
            sqlx::query_scalar("SELECT settings FROM site_settings WHERE id = 1").fetch_optional(pool).await?
        });
        let mut site = match json {
            None => Site::default(),
            Some(json) => {
                serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(format!("site settings: {e}")))?
            }
        };
        if let Some(url) = self.shared.base_url.read().unwrap_or_else(|e| e.into_inner()).clone() {
            site.base_url = url;
        }
        Ok(site)
    }

    /// Makes this handle (and its clones) report `url` as the site's public address without
    /// saving it: for rendering the site as it will be served elsewhere.
    pub fn present_at(&self, url: url::Url) {
        *self.shared.base_url.write().unwrap_or_else(|e| e.into_inner()) = Some(url);
    }

    /// Saves the settings. When the default reuse policy changes, the published articles that
    /// followed it keep the terms they went out under: the old default is written into them in
    /// the same transaction. Only an editor's change to an article changes its terms.
    pub async fn save_site(&self, site: &Site) -> Result<()> {
        let json = serde_json::to_string(site).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let old_default = self.site().await?.default_policy.key();
        let new_default = site.default_policy.key();
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO site_settings (id, settings, updated_at) VALUES (1, $1, $2) \
                 ON CONFLICT (id) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at",
            )
            .bind(&json)
            .bind(now_seconds())
            .execute(&mut *tx)
            .await?;
            if old_default != new_default {
                sqlx::query(
                    "UPDATE articles SET reuse_policy = $1 \
                     WHERE reuse_policy IS NULL AND status IN ('published', 'unpublished')",
                )
                .bind(old_default)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        self.changed(vec!["all".to_owned()]).await;
        Ok(())
    }
}
