//! Republication tracking: first and last sight of each article on each republishing host,
//! and views per day.

use std::collections::HashMap;

use jiff::Timestamp;
use masthead_core::Republication;

use crate::{Result, Store, on_db, timestamp};

/// First sight of an article on a host, or a later one: `last_seen` only moves forward.
/// Parameters: article id, host, time.
pub(crate) const UPSERT_REPUBLICATION: &str = "INSERT INTO republications (article_id, host, first_seen, last_seen) \
     VALUES ($1, $2, $3, $3) ON CONFLICT (article_id, host) DO UPDATE SET \
     last_seen = CASE WHEN excluded.last_seen > republications.last_seen \
     THEN excluded.last_seen ELSE republications.last_seen END";

impl Store {
    /// Counts one view of `article_id` on `host` at `at`, in one transaction.
    pub async fn record_republication_view(&self, article_id: i64, host: &str, at: Timestamp) -> Result<()> {
        let day = at.strftime("%Y-%m-%d").to_string();
        let seconds = at.as_second();
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(UPSERT_REPUBLICATION)
            .bind(article_id)
            .bind(host)
            .bind(seconds)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO republication_views (article_id, host, day, views) VALUES ($1, $2, $3, 1) \
                 ON CONFLICT (article_id, host, day) DO UPDATE SET views = republication_views.views + 1",
            )
            .bind(article_id)
            .bind(host)
            .bind(&day)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Every republication, or those of one article, most recently seen first.
    pub async fn republications(&self, article_id: Option<i64>) -> Result<Vec<Republication>> {
        let filter = if article_id.is_some() { "WHERE r.article_id = $1" } else { "" };
        let sql = format!(
            "SELECT r.article_id, r.host, r.first_seen, r.last_seen FROM republications r {filter} \
             ORDER BY r.last_seen DESC, r.article_id, r.host"
        );
        let views_sql = format!(
            "SELECT v.article_id, v.host, v.day, v.views FROM republication_views v \
             {} ORDER BY v.day",
            if article_id.is_some() { "WHERE v.article_id = $1" } else { "" }
        );
        // (article, host, first seen, last seen) and (article, host, day, views)
        type Sightings = Vec<(i64, String, i64, i64)>;
        type Views = Vec<(i64, String, String, i64)>;
        let (rows, views): (Sightings, Views) = on_db!(self, pool => {
            let mut q = sqlx::query_as(&sql);
            let mut v = sqlx::query_as(&views_sql);
            if let Some(id) = article_id {
                q = q.bind(id);
                v = v.bind(id);
            }
            (q.fetch_all(pool).await?, v.fetch_all(pool).await?)
        });
        let mut days: HashMap<(i64, String), Vec<(String, i64)>> = HashMap::new();
        for (article, host, day, count) in views {
            days.entry((article, host)).or_default().push((day, count));
        }
        rows.into_iter()
            .map(|(article_id, host, first, last)| {
                let days = days.remove(&(article_id, host.clone())).unwrap_or_default();
                Ok(Republication {
                    article_id,
                    total_views: days.iter().map(|(_, n)| n).sum(),
                    host,
                    first_seen: timestamp(first)?,
                    last_seen: timestamp(last)?,
                    days,
                })
            })
            .collect()
    }
}
