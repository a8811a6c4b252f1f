//! Republication tracking: first and last sight of each article on each republishing host,
//! and views per day, added in aggregates (each node counts in memory and adds its counts),
//! with at most `MAX_HOSTS_PER_DAY` sites named per article and day.

use std::collections::HashMap;

use jiff::Timestamp;
use masthead_core::republication::{MAX_HOSTS_PER_DAY, view_day};
use masthead_core::{CopyState, Republication, RepublicationCursor, ViewTally};

use crate::{Result, Store, on_db, timestamp};

/// First sight of an article on a host, or a later one: `last_seen` only moves forward.
/// Parameters: article id, host, time.
pub(crate) const UPSERT_REPUBLICATION: &str = "INSERT INTO republications (article_id, host, first_seen, last_seen) \
     VALUES ($1, $2, $3, $3) ON CONFLICT (article_id, host) DO UPDATE SET \
     last_seen = CASE WHEN excluded.last_seen > republications.last_seen \
     THEN excluded.last_seen ELSE republications.last_seen END";

/// The views of one host, first seen or not, with `first_seen`/`last_seen` only widening; and
/// past [`MAX_HOSTS_PER_DAY`] sites for the article that day, under [`OTHER_HOSTS`] instead.
/// Nothing for an article that is not published (or not there). Returns the host counted.
/// Parameters: article id, host, day, first seen, last seen, the bound.
const UPSERT_TALLIED_REPUBLICATION: &str = "INSERT INTO republications (article_id, host, first_seen, last_seen) \
     SELECT CAST($1 AS BIGINT), \
       CASE WHEN EXISTS (SELECT 1 FROM republication_views WHERE article_id = $1 AND day = $3 AND host = $2) \
         OR (SELECT COUNT(*) FROM republication_views WHERE article_id = $1 AND day = $3 AND host <> 'other') < $6 \
         THEN CAST($2 AS TEXT) ELSE 'other' END, \
       CAST($4 AS BIGINT), CAST($5 AS BIGINT) \
     WHERE EXISTS (SELECT 1 FROM articles WHERE id = $1 AND status = 'published') \
     ON CONFLICT (article_id, host) DO UPDATE SET \
     first_seen = CASE WHEN excluded.first_seen < republications.first_seen \
     THEN excluded.first_seen ELSE republications.first_seen END, \
     last_seen = CASE WHEN excluded.last_seen > republications.last_seen \
     THEN excluded.last_seen ELSE republications.last_seen END \
     RETURNING host";

impl Store {
    /// Counts one view of `article_id` on `host` at `at`: [`Store::add_republication_views`]
    /// with one view.
    pub async fn record_republication_view(&self, article_id: i64, host: &str, at: Timestamp) -> Result<()> {
        let tally = ViewTally {
            article_id,
            host: host.to_owned(),
            day: view_day(at),
            views: 1,
            first_seen: at,
            last_seen: at,
        };
        self.add_republication_views(&[tally]).await
    }

    /// Adds views counted elsewhere (in memory, by each node) to the records, in one
    /// transaction: an upsert that adds, so that any number of nodes may add theirs. Views of
    /// articles that are not published are dropped; a site past the day's
    /// [`MAX_HOSTS_PER_DAY`] counts under [`OTHER_HOSTS`].
    pub async fn add_republication_views(&self, tallies: &[ViewTally]) -> Result<()> {
        if tallies.is_empty() {
            return Ok(());
        }
        let bound = i64::try_from(MAX_HOSTS_PER_DAY).unwrap_or(i64::MAX);
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            for t in tallies {
                // The first statement writes, so that SQLite takes the write lock at once.
                let host: Option<String> = sqlx::query_scalar(UPSERT_TALLIED_REPUBLICATION)
                    .bind(t.article_id)
                    .bind(&t.host)
                    .bind(&t.day)
                    .bind(t.first_seen.as_second())
                    .bind(t.last_seen.as_second())
                    .bind(bound)
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some(host) = host else { continue };
                sqlx::query(
                    "INSERT INTO republication_views (article_id, host, day, views) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (article_id, host, day) DO UPDATE SET views = republication_views.views + excluded.views",
                )
                .bind(t.article_id)
                .bind(&host)
                .bind(&t.day)
                .bind(t.views)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// A page of every republication, newest first by first sighting (an order that views
    /// do not change), after `after`; at most `limit` (1 to 500).
    pub async fn republications_page(
        &self,
        after: Option<&RepublicationCursor>,
        limit: u32,
    ) -> Result<Vec<Republication>> {
        let limit = limit.clamp(1, 500);
        let keyset =
            if after.is_some() { "WHERE (r.first_seen, r.article_id, r.host) < ($1, $2, $3)" } else { "" };
        let page = format!(
            "SELECT r.article_id, r.host, r.first_seen, r.last_seen FROM republications r {keyset} \
             ORDER BY r.first_seen DESC, r.article_id DESC, r.host DESC LIMIT {limit}"
        );
        let views_sql = format!(
            "SELECT v.article_id, v.host, v.day, v.views FROM republication_views v \
             JOIN ({page}) p ON p.article_id = v.article_id AND p.host = v.host ORDER BY v.day"
        );
        let copies_sql = format!("{COPIES} WHERE c.article_id IN (SELECT p.article_id FROM ({page}) p)");
        let (rows, views, copies): (Sightings, Views, Copies) = on_db!(self, pool => {
            let mut q = sqlx::query_as(&page);
            let mut v = sqlx::query_as(&views_sql);
            let mut c = sqlx::query_as(&copies_sql);
            if let Some(after) = after {
                let (at, id, host) = (after.first_seen.as_second(), after.article_id, after.host.clone());
                q = q.bind(at).bind(id).bind(host.clone());
                v = v.bind(at).bind(id).bind(host.clone());
                c = c.bind(at).bind(id).bind(host);
            }
            (q.fetch_all(pool).await?, v.fetch_all(pool).await?, c.fetch_all(pool).await?)
        });
        assemble(rows, views, copies)
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
        let copies_sql =
            format!("{COPIES} {}", if article_id.is_some() { "WHERE c.article_id = $1" } else { "" });
        let (rows, views, copies): (Sightings, Views, Copies) = on_db!(self, pool => {
            let mut q = sqlx::query_as(&sql);
            let mut v = sqlx::query_as(&views_sql);
            let mut c = sqlx::query_as(&copies_sql);
            if let Some(id) = article_id {
                q = q.bind(id);
                v = v.bind(id);
                c = c.bind(id);
            }
            (q.fetch_all(pool).await?, v.fetch_all(pool).await?, c.fetch_all(pool).await?)
        });
        assemble(rows, views, copies)
    }
}

/// The known copies, `c` (article, url, host, verdict, detail): registered ones and verified
/// Webmentions, with what their last check found; each goes with its republication by host.
const COPIES: &str = "SELECT c.article_id, c.url, c.host, c.verdict, c.detail FROM copy_checks c";

/// (article, host, first seen, last seen), (article, host, day, views) and (article, copy)
type Sightings = Vec<(i64, String, i64, i64)>;
type Views = Vec<(i64, String, String, i64)>;
type Copies = Vec<(i64, String, String, String, String)>;

fn assemble(rows: Sightings, views: Views, copies: Copies) -> Result<Vec<Republication>> {
    let mut days: HashMap<(i64, String), Vec<(String, i64)>> = HashMap::new();
    for (article, host, day, count) in views {
        days.entry((article, host)).or_default().push((day, count));
    }
    let mut known: HashMap<(i64, String), Vec<CopyState>> = HashMap::new();
    for (article, url, host, verdict, detail) in copies {
        known.entry((article, host)).or_default().push(CopyState { url, verdict, detail });
    }
    rows.into_iter()
        .map(|(article_id, host, first, last)| {
            let days = days.remove(&(article_id, host.clone())).unwrap_or_default();
            let mut copies = known.remove(&(article_id, host.clone())).unwrap_or_default();
            copies.sort_by(|a, b| a.url.cmp(&b.url));
            Ok(Republication {
                copies,
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
