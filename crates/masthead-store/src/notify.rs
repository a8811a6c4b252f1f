//! What changed, for whoever keeps copies of pages: every write that changes what readers see
//! names the parts of the site it touched ("article:12", "author:3", "term:5", "listing", "all").
//!
//! On SQLite (one node) the names go straight to this process's subscribers. On PostgreSQL they
//! go out with `pg_notify` on a channel of the database (and schema), and every node that
//! subscribed listens on it, so that a change made on one node reaches every node's cache.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio::sync::broadcast;

use crate::shared::Changed;
use crate::{Db, Store};

impl Store {
    /// Counts one use of the database (a query, or a transaction's queries), for tests that
    /// check a page costs the same whatever its length.
    pub(crate) fn count_round_trip(&self) {
        self.shared.round_trips.fetch_add(1, Ordering::Relaxed);
    }

    /// How many times this store (and its clones) used the database so far.
    pub fn round_trips(&self) -> u64 {
        self.shared.round_trips.load(Ordering::Relaxed)
    }

    /// Hears every change from now on: at once those made through this node, and, once
    /// [`Store::listen_to_other_nodes`] runs, those of every node on the same PostgreSQL
    /// database.
    pub fn changes(&self) -> broadcast::Receiver<Changed> {
        self.shared.sender.subscribe()
    }

    /// On PostgreSQL, starts hearing other nodes' changes (once per store; later calls return
    /// at once). On SQLite there are no other nodes.
    ///
    /// When the connection that listens is lost (the database went away), nothing is announced
    /// until it is back: whoever keeps copies may go on serving them, since while the database
    /// is unreachable nobody can change anything through it. Once it listens again, "all" is
    /// announced, because what other nodes changed in between was not heard.
    pub async fn listen_to_other_nodes(&self) -> crate::Result<()> {
        let Db::Postgres(pool) = &self.db else { return Ok(()) };
        let pool = pool.clone();
        let shared = self.shared.clone();
        self.shared
            .listening
            .get_or_try_init(|| async move {
                let mut listener = listen(&pool, &shared.channel).await?;
                let shared_for_task = shared.clone();
                let task = tokio::spawn(async move {
                    let shared = shared_for_task;
                    loop {
                        match listener.try_recv().await {
                            Ok(Some(n)) => {
                                let keys = n.payload().split(' ').map(str::to_owned).collect();
                                let _ = shared.sender.send(Arc::new(keys));
                                continue;
                            }
                            Ok(None) => tracing::warn!("lost the connection that hears other nodes' changes"),
                            Err(e) => tracing::warn!(error = %e, "lost the connection that hears other nodes' changes"),
                        }
                        // A fresh listener, rather than the old one's own reconnection: after
                        // some errors (the server ending the session) the old one keeps its
                        // dead connection.
                        listener = relisten(&pool, &shared.channel).await;
                        tracing::info!("hearing other nodes' changes again; refreshing every page");
                        let _ = shared.sender.send(Arc::new(vec!["all".to_owned()]));
                    }
                });
                *shared.listener.lock().unwrap_or_else(|e| e.into_inner()) = Some(task.abort_handle());
                Ok::<(), sqlx::Error>(())
            })
            .await?;
        Ok(())
    }

    /// Tells every subscriber what a committed write changed: this node's at once, the other
    /// nodes' through `pg_notify`.
    pub(crate) async fn changed(&self, keys: Vec<String>) {
        if let Db::Postgres(pool) = &self.db {
            let sent = sqlx::query("SELECT pg_notify($1, $2)")
                .bind(&self.shared.channel)
                .bind(keys.join(" "))
                .execute(pool)
                .await;
            if let Err(e) = sent {
                // The write is done; another node may serve an old copy until its next refresh.
                tracing::warn!(error = %e, "could not announce a change to the other nodes");
            }
        }
        let _ = self.shared.sender.send(Arc::new(keys));
    }
}

/// What a save of an article changed: the article, every list, its authors and terms.
pub(crate) fn article_keys(id: i64, author_ids: &[i64], term_ids: &[i64]) -> Vec<String> {
    let mut keys = vec![format!("article:{id}"), "listing".to_owned()];
    keys.extend(author_ids.iter().map(|a| format!("author:{a}")));
    keys.extend(term_ids.iter().map(|t| format!("term:{t}")));
    keys
}

async fn listen(pool: &sqlx::PgPool, channel: &str) -> Result<sqlx::postgres::PgListener, sqlx::Error> {
    let mut listener = sqlx::postgres::PgListener::connect_with(pool).await?;
    // Reconnecting is ours to do (`relisten`), so that we know when it happened.
    listener.eager_reconnect(false);
    listener.listen(channel).await?;
    Ok(listener)
}

/// Listens again, trying every second, then less often, up to every ten seconds.
async fn relisten(pool: &sqlx::PgPool, channel: &str) -> sqlx::postgres::PgListener {
    let mut wait = std::time::Duration::from_millis(250);
    loop {
        tokio::time::sleep(wait).await;
        match listen(pool, channel).await {
            Ok(listener) => return listener,
            Err(e) => tracing::debug!(error = %e, "cannot hear other nodes' changes yet"),
        }
        wait = (wait * 2).min(std::time::Duration::from_secs(10));
    }
}
