//! How much background work is waiting, for the operators' metrics: one statement, each count
//! read from an index and capped, so that a scrape costs the same on a site of any size.

use jiff::Timestamp;

use crate::{Result, Store, on_db};

/// Counts past this are reported as this.
pub const QUEUE_CAP: i64 = 100_000;

/// What the jobs have before them now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QueueDepths {
    /// Scheduled articles whose time has come.
    pub scheduled_due: i64,
    /// Partners' feeds due for a poll.
    pub sources_due: i64,
    /// Webmentions not yet checked.
    pub webmentions_pending: i64,
    /// Article changes not yet announced to the WebSub hub.
    pub changes_unannounced: i64,
    /// Newsletter deliveries of sends in progress not yet made.
    pub deliveries_waiting: i64,
    /// Deliveries of activities to other servers not yet made.
    pub activities_undelivered: i64,
    /// Activities received from other servers not yet checked.
    pub activities_unchecked: i64,
}

impl Store {
    /// The depth of each job's queue at `now`, each at most [`QUEUE_CAP`].
    pub async fn queue_depths(&self, now: Timestamp) -> Result<QueueDepths> {
        let sql = format!(
            "SELECT \
             (SELECT COUNT(*) FROM (SELECT 1 FROM articles WHERE status = 'scheduled' AND published_at <= $1 LIMIT {QUEUE_CAP}) a), \
             (SELECT COUNT(*) FROM (SELECT 1 FROM sources WHERE next_poll_at <= $1 LIMIT {QUEUE_CAP}) s), \
             (SELECT COUNT(*) FROM (SELECT 1 FROM webmentions WHERE status = 'pending' LIMIT {QUEUE_CAP}) w), \
             (SELECT COUNT(*) FROM (SELECT 1 FROM article_changes WHERE announced_at IS NULL LIMIT {QUEUE_CAP}) c), \
             (SELECT COUNT(*) FROM (SELECT 1 FROM send_recipients r JOIN sends s ON s.id = r.send_id \
               WHERE s.status = 'sending' AND r.state IN ('pending', 'claimed', 'sending', 'retry') LIMIT {QUEUE_CAP}) d), \
             (SELECT COUNT(*) FROM (SELECT 1 FROM federation_deliveries LIMIT {QUEUE_CAP}) f), \
             (SELECT COUNT(*) FROM (SELECT 1 FROM federation_inbox LIMIT {QUEUE_CAP}) i)"
        );
        type Counts = (i64, i64, i64, i64, i64, i64, i64);
        let (
            scheduled_due,
            sources_due,
            webmentions_pending,
            changes_unannounced,
            deliveries_waiting,
            activities_undelivered,
            activities_unchecked,
        ): Counts = on_db!(self, pool => sqlx::query_as(&sql).bind(now.as_second()).fetch_one(pool).await?);
        Ok(QueueDepths {
            scheduled_due,
            sources_due,
            webmentions_pending,
            changes_unannounced,
            deliveries_waiting,
            activities_undelivered,
            activities_unchecked,
        })
    }

    /// On PostgreSQL, how long ago this node's listener last heard anything (its own heartbeat
    /// comes every beat), or `None` when it is not listening. Zero on SQLite.
    pub fn listener_silence(&self) -> Option<std::time::Duration> {
        match &self.db {
            crate::Db::Sqlite(_) => Some(std::time::Duration::ZERO),
            crate::Db::Postgres(_) => {
                if !self.hears_other_nodes() {
                    return None;
                }
                let last = self.shared.last_heard_ms.load(std::sync::atomic::Ordering::Relaxed);
                let now = jiff::Timestamp::now().as_millisecond();
                Some(std::time::Duration::from_millis(u64::try_from(now - last).unwrap_or(0)))
            }
        }
    }
}
