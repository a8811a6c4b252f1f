//! Staff accounts, sessions, API tokens, the attempts that limits count (sign-ins, reset links,
//! webmentions) and the audit log. Hashing and token generation happen in the use cases; this
//! module stores what it is given.

use jiff::{SignedDuration, Timestamp};
use masthead_core::{Role, Scope, User};

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
            scope: None,
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
    pub scope: Scope,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
}

/// How long attempts are kept: longer than any limit's window.
const KEEP_ATTEMPTS_SECONDS: i64 = 24 * 3600;

/// At most `max` attempts under `key` within `window` (at most a day).
#[derive(Debug, Clone, Copy)]
pub struct AttemptLimit<'a> {
    pub key: &'a str,
    pub max: i64,
    pub window: SignedDuration,
}

/// What became of an attempt ([`Store::record_attempt`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// Counted under every key; `ids` take it back ([`Store::forget_attempts`]).
    Counted { ids: Vec<i64> },
    /// Refused by the limit at index `limit`, which frees a place at `free_at`; nothing counted.
    Refused { limit: usize, free_at: Timestamp },
}

enum RawAttempt {
    Counted(Vec<i64>),
    Refused { limit: usize, free_at: i64 },
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
    /// ends the account's sessions and revokes its API tokens at once.
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
                // Nothing of a disabled account works again, even once it is enabled.
                sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM api_tokens WHERE user_id = $1").bind(id).execute(&mut *tx).await?;
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

    /// Sets an account's password; its sessions end and its API tokens are revoked.
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
            // A new password signs every browser out and revokes every API token: whoever
            // stole the old password may have made one.
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM api_tokens WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
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

    /// Stores a token for `user_id` that may use `scope` of their role until `expires_at`.
    pub async fn create_api_token(
        &self,
        user_id: i64,
        name: &str,
        token_hash: &str,
        scope: Scope,
        expires_at: Timestamp,
    ) -> Result<()> {
        on_db!(self, pool => {
            sqlx::query(
                "INSERT INTO api_tokens (user_id, name, token_hash, scope, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(user_id)
            .bind(name)
            .bind(token_hash)
            .bind(scope.key())
            .bind(Timestamp::now().as_second())
            .bind(expires_at.as_second())
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// A staff member's API tokens, expired ones included, newest first.
    pub async fn api_tokens(&self, user_id: i64) -> Result<Vec<ApiTokenInfo>> {
        type TokenRow = (i64, String, String, i64, i64, Option<i64>);
        let rows: Vec<TokenRow> = on_db!(self, pool => {
            sqlx::query_as(
                "SELECT id, name, scope, created_at, expires_at, last_used_at FROM api_tokens \
                 WHERE user_id = $1 ORDER BY id DESC",
            )
            .bind(user_id)
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|(id, name, scope, created, expires, used)| {
                Ok(ApiTokenInfo {
                    id,
                    name,
                    scope: scope.parse().map_err(|e| StoreError::Corrupt(format!("token {id}: {e}")))?,
                    created_at: crate::timestamp(created)?,
                    expires_at: crate::timestamp(expires)?,
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

    /// The user an API token belongs to, acting with the token's scope, when the token has not
    /// expired at `now` and the account is enabled; notes its use.
    pub async fn user_by_api_token(&self, token_hash: &str, now: Timestamp) -> Result<Option<User>> {
        let sql = format!(
            "SELECT {USER_COLUMNS}, t.scope FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.expires_at > $2 AND NOT u.disabled"
        );
        let row = on_db!(self, pool => {
            match sqlx::query(&sql).bind(token_hash).bind(now.as_second()).fetch_optional(pool).await? {
                None => None,
                Some(r) => {
                    use sqlx::{FromRow, Row};
                    sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2")
                        .bind(now.as_second())
                        .bind(token_hash)
                        .execute(pool)
                        .await?;
                    Some((UserRow::from_row(&r)?, r.try_get::<String, _>("scope")?))
                }
            }
        });
        let Some((row, scope)) = row else { return Ok(None) };
        let scope = scope
            .parse::<Scope>()
            .map_err(|e| StoreError::Corrupt(format!("a token of user {}: {e}", row.id)))?;
        Ok(Some(User { scope: Some(scope), ..row.into_user()? }))
    }

    /// Counts an attempt at `at` under every limit's key, unless one of them has reached its
    /// limit, in which case nothing is counted. Count and write are one transaction that
    /// holds each key (PostgreSQL: an advisory lock per key; SQLite: the write lock, taken by
    /// the first statement), so concurrent attempts cannot all read the same count and all
    /// pass: of a hundred at once, exactly `max` are counted.
    pub async fn record_attempt(&self, limits: &[AttemptLimit<'_>], at: Timestamp) -> Result<Attempt> {
        let mut keys: Vec<&str> = limits.iter().map(|l| l.key).collect();
        keys.sort_unstable();
        keys.dedup();
        let is_postgres = matches!(self.db, crate::Db::Postgres(_));
        let outcome = on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            // A write first: on SQLite it takes the database's write lock before anything is
            // read. Old attempts only take room.
            sqlx::query("DELETE FROM login_attempts WHERE at < $1")
                .bind(at.as_second() - KEEP_ATTEMPTS_SECONDS)
                .execute(&mut *tx)
                .await?;
            if is_postgres {
                // In a fixed order, so that two attempts never wait on each other.
                for key in &keys {
                    sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))").bind(*key).execute(&mut *tx).await?;
                }
            }
            let mut refused = None;
            for (n, limit) in limits.iter().enumerate() {
                let (count, oldest): (i64, Option<i64>) = sqlx::query_as(
                    "SELECT COUNT(*), MIN(at) FROM login_attempts WHERE key = $1 AND at > $2",
                )
                .bind(limit.key)
                .bind(at.as_second() - limit.window.as_secs())
                .fetch_one(&mut *tx)
                .await?;
                if count >= limit.max {
                    let oldest = oldest.unwrap_or(at.as_second());
                    refused = Some((n, oldest + limit.window.as_secs()));
                    break;
                }
            }
            let outcome = match refused {
                Some((limit, free_at)) => RawAttempt::Refused { limit, free_at },
                None => {
                    let mut ids = Vec::with_capacity(keys.len());
                    for key in &keys {
                        let id: i64 = sqlx::query_scalar("INSERT INTO login_attempts (key, at) VALUES ($1, $2) RETURNING id")
                            .bind(*key)
                            .bind(at.as_second())
                            .fetch_one(&mut *tx)
                            .await?;
                        ids.push(id);
                    }
                    RawAttempt::Counted(ids)
                }
            };
            tx.commit().await?;
            outcome
        });
        Ok(match outcome {
            RawAttempt::Counted(ids) => Attempt::Counted { ids },
            RawAttempt::Refused { limit, free_at } => {
                Attempt::Refused { limit, free_at: timestamp(free_at)? }
            }
        })
    }

    /// Attempts under `key` since `since` (after it), and the time of the oldest of them.
    pub async fn attempts(&self, key: &str, since: Timestamp) -> Result<(i64, Option<Timestamp>)> {
        let (count, oldest): (i64, Option<i64>) = on_db!(self, pool => {
            sqlx::query_as("SELECT COUNT(*), MIN(at) FROM login_attempts WHERE key = $1 AND at > $2")
                .bind(key)
                .bind(since.as_second())
                .fetch_one(pool)
                .await?
        });
        Ok((count, oldest.map(timestamp).transpose()?))
    }

    /// Takes back the attempts `ids` (from [`Attempt::Counted`]): a sign-in that succeeded, or
    /// one that was never checked.
    pub async fn forget_attempts(&self, ids: &[i64]) -> Result<()> {
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            for id in ids {
                sqlx::query("DELETE FROM login_attempts WHERE id = $1").bind(*id).execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Forgets every attempt under `key`.
    pub async fn clear_attempts(&self, key: &str) -> Result<()> {
        on_db!(self, pool => {
            sqlx::query("DELETE FROM login_attempts WHERE key = $1").bind(key).execute(pool).await?;
        });
        Ok(())
    }

    /// Stores a one-time password reset for `user_id`, valid until `expires_at`; the account's
    /// older unused links stop working (only the newest link mailed can be used).
    pub async fn create_password_reset(
        &self,
        user_id: i64,
        token_hash: &str,
        expires_at: Timestamp,
    ) -> Result<()> {
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM password_resets WHERE user_id = $1 AND used_at IS NULL")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
                .bind(token_hash)
                .bind(user_id)
                .bind(Timestamp::now().as_second())
                .bind(expires_at.as_second())
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
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
