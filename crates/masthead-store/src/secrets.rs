//! Secrets every node shares, kept in the database (`site_secrets`).

use crate::{Result, Store, now_seconds, on_db};

impl Store {
    /// The secret called `name`. The first caller's `candidate` (fresh random bytes, made by the
    /// caller) becomes it; every later caller, on any node, gets that same value back.
    pub async fn site_secret(&self, name: &str, candidate: &str) -> Result<String> {
        let secret: String = on_db!(self, pool => {
            sqlx::query(
                "INSERT INTO site_secrets (name, secret, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (name) DO NOTHING",
            )
            .bind(name)
            .bind(candidate)
            .bind(now_seconds())
            .execute(pool)
            .await?;
            sqlx::query_scalar("SELECT secret FROM site_secrets WHERE name = $1")
                .bind(name)
                .fetch_one(pool)
                .await?
        });
        Ok(secret)
    }

    /// The secret called `name`, if one was made.
    pub async fn find_site_secret(&self, name: &str) -> Result<Option<String>> {
        let secret: Option<String> = on_db!(self, pool => {
            sqlx::query_scalar("SELECT secret FROM site_secrets WHERE name = $1")
                .bind(name)
                .fetch_optional(pool)
                .await?
        });
        Ok(secret)
    }

    /// Makes `secret` the secret called `name`, replacing any earlier one (a new DKIM key).
    pub async fn replace_site_secret(&self, name: &str, secret: &str) -> Result<()> {
        on_db!(self, pool => {
            sqlx::query(
                "INSERT INTO site_secrets (name, secret, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (name) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at",
            )
            .bind(name)
            .bind(secret)
            .bind(now_seconds())
            .execute(pool)
            .await?;
        });
        Ok(())
    }
}
