//! Article changes waiting to be announced (to the WebSub hub, for now). Written in the same
//! transaction as each change (`articles::RECORD_CHANGE`), taken by one node at a time.

use jiff::Timestamp;

use crate::{Result, Store, on_db};

impl Store {
    /// Articles changed since they were last announced: (change id, article id), oldest first.
    pub async fn unannounced_changes(&self, limit: u32) -> Result<Vec<(i64, i64)>> {
        let sql = format!(
            "SELECT id, article_id FROM article_changes WHERE announced_at IS NULL ORDER BY id LIMIT {}",
            limit.clamp(1, 1000)
        );
        Ok(on_db!(self, pool => sqlx::query_as(&sql).fetch_all(pool).await?))
    }

    /// Marks changes as announced. Returns how many were still unannounced, so that of two
    /// nodes racing, only one goes on to announce them.
    pub async fn mark_announced(&self, change_ids: &[i64], at: Timestamp) -> Result<u64> {
        if change_ids.is_empty() {
            return Ok(0);
        }
        let sql = format!(
            "UPDATE article_changes SET announced_at = $1 WHERE announced_at IS NULL AND id IN ({})",
            crate::placeholders(2, change_ids.len())
        );
        Ok(on_db!(self, pool => {
            let mut q = sqlx::query(&sql).bind(at.as_second());
            for id in change_ids {
                q = q.bind(id);
            }
            q.execute(pool).await?.rows_affected()
        }))
    }

    /// Puts changes back in the queue after announcing them failed, for the next attempt.
    pub async fn release_changes(&self, change_ids: &[i64]) -> Result<()> {
        if change_ids.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "UPDATE article_changes SET announced_at = NULL WHERE id IN ({})",
            crate::placeholders(1, change_ids.len())
        );
        on_db!(self, pool => {
            let mut q = sqlx::query(&sql);
            for id in change_ids {
                q = q.bind(id);
            }
            q.execute(pool).await?;
        });
        Ok(())
    }

    /// Deletes up to `limit` of the changes announced before `before`, the oldest first: they
    /// have done their work, and the queue would otherwise grow with every save for ever.
    /// Returns how many went.
    pub async fn prune_announced_changes(&self, before: Timestamp, limit: u32) -> Result<u64> {
        let sql = format!(
            "DELETE FROM article_changes WHERE id IN (SELECT id FROM article_changes \
             WHERE announced_at IS NOT NULL AND announced_at < $1 AND federated_at IS NOT NULL \
             ORDER BY announced_at LIMIT {})",
            limit.clamp(1, 100_000)
        );
        Ok(
            on_db!(self, pool => sqlx::query(&sql).bind(before.as_second()).execute(pool).await?.rows_affected()),
        )
    }
}
