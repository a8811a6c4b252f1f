//! Staff accounts, sessions, API tokens, login throttling and the audit log. Hashing and token
//! generation happen at the web edge; this module stores what it is given.

use jiff::Timestamp;
use masthead_core::{Role, User};

use crate::rows::row;
use crate::{Result, Store, StoreError, on_db, timestamp};

row!(UserRow { id: i64, email: String, name: String, role: String, author_id: Option<i64> });

const USER_COLUMNS: &str = "u.id, u.email, u.name, u.role, u.author_id";

impl UserRow {
    fn into_user(self) -> Result<User> {
        Ok(User {
            role: self
                .role
                .parse::<Role>()
                .map_err(|e| StoreError::Corrupt(format!("user {}: {e}", self.id)))?,
            id: self.id,
            email: self.email,
            name: self.name,
            author_id: self.author_id,
        })
    }
}

/// A staff member to create; `email` already normalised, `password_hash` a PHC string.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub password_hash: String,
    pub author_id: Option<i64>,
}

/// An API token as its owner sees it: never the token itself, which only its creator saw once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiTokenInfo {
    pub id: i64,
    pub name: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
}

/// An entry of the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub at: Timestamp,
    pub user: Option<String>,
    pub action: String,
    pub subject: String,
}

impl Store {
    pub async fn create_user(&self, new: &NewUser) -> Result<User> {
        let id: i64 = on_db!(self, pool => {
            sqlx::query_scalar(
                "INSERT INTO users (email, name, role, password_hash, author_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(&new.email)
            .bind(&new.name)
            .bind(new.role.key())
            .bind(&new.password_hash)
            .bind(new.author_id)
            .bind(Timestamp::now().as_second())
            .fetch_one(pool)
            .await?
        });
        self.user(id).await
    }

    pub async fn user(&self, id: i64) -> Result<User> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1");
        let row: UserRow = on_db!(self, pool => sqlx::query_as(&sql).bind(id).fetch_one(pool).await?);
        row.into_user()
    }

    /// Every staff account, with whether it is disabled, ordered by name.
    pub async fn staff_list(&self) -> Result<Vec<(User, bool)>> {
        let sql = format!("SELECT {USER_COLUMNS}, u.disabled FROM users u ORDER BY u.name, u.id");
        let rows = on_db!(self, pool => {
            let mut out = Vec::new();
            for r in sqlx::query(&sql).fetch_all(pool).await? {
                use sqlx::{FromRow, Row};
                out.push((UserRow::from_row(&r)?, r.try_get::<bool, _>("disabled")?));
            }
            out
        });
        rows.into_iter().map(|(u, disabled)| Ok((u.into_user()?, disabled))).collect()
    }

    /// Changes a staff member's name, role, byline and whether the account may sign in. Disabling
    /// ends the account's sessions at once.
    pub async fn update_staff(
        &self,
        id: i64,
        name: &str,
        role: masthead_core::Role,
        author_id: Option<i64>,
        disabled: bool,
    ) -> Result<User> {
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let done = sqlx::query("UPDATE users SET name = $1, role = $2, author_id = $3, disabled = $4 WHERE id = $5")
                .bind(name)
                .bind(role.key())
                .bind(author_id)
                .bind(disabled)
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if done == 0 {
                return Err(crate::StoreError::NotFound);
            }
            if disabled {
                sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id).execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        self.user(id).await
    }

    pub async fn user_count(&self) -> Result<i64> {
        Ok(on_db!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(pool).await?))
    }

    /// An enabled account and its password hash, by (normalised) e-mail.
    pub async fn user_credentials(&self, email: &str) -> Result<Option<(User, String)>> {
        let sql = format!(
            "SELECT {USER_COLUMNS}, u.password_hash FROM users u WHERE u.email = $1 AND NOT u.disabled"
        );
        let row = on_db!(self, pool => {
            match sqlx::query(&sql).bind(email).fetch_optional(pool).await? {
                None => None,
                Some(r) => {
                    use sqlx::{FromRow, Row};
                    Some((UserRow::from_row(&r)?, r.try_get::<String, _>("password_hash")?))
                }
            }
        });
        row.map(|(u, hash)| Ok((u.into_user()?, hash))).transpose()
    }

    pub async fn set_password_hash(&self, user_id: i64, hash: &str) -> Result<()> {
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                .bind(hash)
                .bind(user_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            // A new password signs every browser out.
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn create_session(
        &self,
        user_id: i64,
        token_hash: &str,
        csrf: &str,
        expires_at: Timestamp,
    ) -> Result<()> {
        on_db!(self, pool => {
            sqlx::query(
                "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(token_hash)
            .bind(user_id)
            .bind(csrf)
            .bind(Timestamp::now().as_second())
            .bind(expires_at.as_second())
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The signed-in user and the session's CSRF token, when the session exists, has not
    /// expired at `now`, and its account is enabled.
    pub async fn session(&self, token_hash: &str, now: Timestamp) -> Result<Option<(User, String)>> {
        let sql = format!(
            "SELECT {USER_COLUMNS}, s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND NOT u.disabled"
        );
        let row = on_db!(self, pool => {
            match sqlx::query(&sql).bind(token_hash).bind(now.as_second()).fetch_optional(pool).await? {
                None => None,
                Some(r) => {
                    use sqlx::{FromRow, Row};
                    Some((UserRow::from_row(&r)?, r.try_get::<String, _>("csrf_token")?))
                }
            }
        });
        row.map(|(u, csrf)| Ok((u.into_user()?, csrf))).transpose()
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        on_db!(self, pool => {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(pool).await?;
        });
        Ok(())
    }

    pub async fn create_api_token(&self, user_id: i64, name: &str, token_hash: &str) -> Result<()> {
        on_db!(self, pool => {
            sqlx::query("INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4)")
                .bind(user_id)
                .bind(name)
                .bind(token_hash)
                .bind(Timestamp::now().as_second())
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// A staff member's API tokens, newest first.
    pub async fn api_tokens(&self, user_id: i64) -> Result<Vec<ApiTokenInfo>> {
        let rows: Vec<(i64, String, i64, Option<i64>)> = on_db!(self, pool => {
            sqlx::query_as(
                "SELECT id, name, created_at, last_used_at FROM api_tokens WHERE user_id = $1 ORDER BY id DESC",
            )
            .bind(user_id)
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|(id, name, created, used)| {
                Ok(ApiTokenInfo {
                    id,
                    name,
                    created_at: crate::timestamp(created)?,
                    last_used_at: used.map(crate::timestamp).transpose()?,
                })
            })
            .collect()
    }

    /// Revokes one of a staff member's own tokens; [`StoreError::NotFound`] when it is not theirs.
    pub async fn revoke_api_token(&self, user_id: i64, token_id: i64) -> Result<()> {
        let done = on_db!(self, pool => {
            sqlx::query("DELETE FROM api_tokens WHERE id = $1 AND user_id = $2")
                .bind(token_id)
                .bind(user_id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        if done == 0 { Err(crate::StoreError::NotFound) } else { Ok(()) }
    }

    /// The user an API token belongs to, noting its use.
    pub async fn user_by_api_token(&self, token_hash: &str) -> Result<Option<User>> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND NOT u.disabled"
        );
        let row: Option<UserRow> = on_db!(self, pool => {
            let row = sqlx::query_as(&sql).bind(token_hash).fetch_optional(pool).await?;
            if row.is_some() {
                sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2")
                    .bind(Timestamp::now().as_second())
                    .bind(token_hash)
                    .execute(pool)
                    .await?;
            }
            row
        });
        row.map(UserRow::into_user).transpose()
    }

    pub async fn record_login_failure(&self, keys: &[&str], at: Timestamp) -> Result<()> {
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            for key in keys {
                sqlx::query("INSERT INTO login_failures (key, at) VALUES ($1, $2)")
                    .bind(*key)
                    .bind(at.as_second())
                    .execute(&mut *tx)
                    .await?;
            }
            // Old failures only take room.
            sqlx::query("DELETE FROM login_failures WHERE at < $1")
                .bind(at.as_second() - 24 * 3600)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Failed logins for `key` since `since`, and the time of the oldest of them.
    pub async fn login_failures(&self, key: &str, since: Timestamp) -> Result<(i64, Option<Timestamp>)> {
        let (count, oldest): (i64, Option<i64>) = on_db!(self, pool => {
            sqlx::query_as("SELECT COUNT(*), MIN(at) FROM login_failures WHERE key = $1 AND at >= $2")
                .bind(key)
                .bind(since.as_second())
                .fetch_one(pool)
                .await?
        });
        Ok((count, oldest.map(timestamp).transpose()?))
    }

    pub async fn clear_login_failures(&self, key: &str) -> Result<()> {
        on_db!(self, pool => {
            sqlx::query("DELETE FROM login_failures WHERE key = $1").bind(key).execute(pool).await?;
        });
        Ok(())
    }

    /// Stores a one-time password reset for `user_id`, valid until `expires_at`.
    pub async fn create_password_reset(
        &self,
        user_id: i64,
        token_hash: &str,
        expires_at: Timestamp,
    ) -> Result<()> {
        on_db!(self, pool => {
            sqlx::query("INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
                .bind(token_hash)
                .bind(user_id)
                .bind(Timestamp::now().as_second())
                .bind(expires_at.as_second())
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// The account a reset link belongs to, when the link is unused and unexpired at `now`;
    /// `consume` marks it used in the same statement, so a link works once.
    pub async fn password_reset(
        &self,
        token_hash: &str,
        now: Timestamp,
        consume: bool,
    ) -> Result<Option<User>> {
        let user_id: Option<i64> = on_db!(self, pool => {
            if consume {
                sqlx::query_scalar(
                    "UPDATE password_resets SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 \
                     RETURNING user_id",
                )
                .bind(now.as_second())
                .bind(token_hash)
                .fetch_optional(pool)
                .await?
            } else {
                sqlx::query_scalar(
                    "SELECT user_id FROM password_resets WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
                )
                .bind(token_hash)
                .bind(now.as_second())
                .fetch_optional(pool)
                .await?
            }
        });
        match user_id {
            Some(id) => Ok(Some(self.user(id).await?)),
            None => Ok(None),
        }
    }

    pub async fn audit(&self, user_id: Option<i64>, action: &str, subject: &str) -> Result<()> {
        on_db!(self, pool => {
            sqlx::query("INSERT INTO audit_log (user_id, action, subject, at) VALUES ($1, $2, $3, $4)")
                .bind(user_id)
                .bind(action)
                .bind(subject)
                .bind(Timestamp::now().as_second())
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// The newest `limit` audit entries, newest first.
    pub async fn audit_log(&self, limit: u32) -> Result<Vec<AuditEntry>> {
        let sql = format!(
            "SELECT a.at, u.name, a.action, a.subject FROM audit_log a LEFT JOIN users u ON u.id = a.user_id \
             ORDER BY a.at DESC, a.id DESC LIMIT {}",
            limit.clamp(1, 1000)
        );
        let rows: Vec<(i64, Option<String>, String, String)> =
            on_db!(self, pool => sqlx::query_as(&sql).fetch_all(pool).await?);
        rows.into_iter()
            .map(|(at, user, action, subject)| Ok(AuditEntry { at: timestamp(at)?, user, action, subject }))
            .collect()
    }
}
