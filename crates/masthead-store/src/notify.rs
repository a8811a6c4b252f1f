//! What changed, for whoever keeps copies of pages: every write that changes what readers see
//! names the parts of the site it touched ("article:12", "author:3", "term:5", "listing", "all").
//!
//! On SQLite (one node) the names go straight to this process's subscribers. On PostgreSQL they
//! go out with `pg_notify` on a channel of the database (and schema), and every node that
//! subscribed listens on it, so that a change made on one node reaches every node's cache.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::sync::broadcast;

use crate::shared::{Changed, Shared};
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
    /// The listener has a connection of its own, outside the pool. Three things keep what it
    /// hears complete:
    /// - **A heartbeat.** Every [`StoreOptions::heartbeat`](crate::StoreOptions) the node sends a
    ///   notification that its own listener must hear. A listener silent for four beats (a
    ///   connection dropped without a word by a firewall or a NAT) is replaced.
    /// - **A purge on every new listener.** Whatever other nodes changed while this one was
    ///   not listening went unheard, so "all" is announced once it listens again. While the
    ///   database is unreachable nothing is announced: whoever keeps copies may go on serving
    ///   them, since nobody can change anything through it meanwhile.
    /// - **The record of changes.** Each write numbers its change in `page_changes` in its own
    ///   transaction. At every beat the node reads the recent record and announces any change
    ///   that it did not hear within two seconds.
    pub async fn listen_to_other_nodes(&self) -> crate::Result<()> {
        let Db::Postgres(pool) = &self.db else { return Ok(()) };
        let pool = pool.clone();
        let shared = self.shared.clone();
        self.shared
            .listening
            .get_or_try_init(|| async move {
                let listener = Listener::start(&shared).await?;
                let hearing = tokio::spawn(hear(shared.clone(), listener));
                let beating = tokio::spawn(beat(pool, shared.clone()));
                shared
                    .listener
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .extend([hearing.abort_handle(), beating.abort_handle()]);
                Ok::<(), sqlx::Error>(())
            })
            .await?;
        Ok(())
    }

    /// Tells this node's subscribers what a committed write changed, when the write announced
    /// it to the other nodes in its transaction ([`announce_in!`]).
    pub(crate) fn changed_here(&self, keys: Vec<String>) {
        self.shared.announce(Arc::new(keys));
    }

    /// Hears every change that a write made, on this node or (on PostgreSQL) another, but not
    /// the "all" a node tells itself after its listener missed changes: for whoever purges
    /// copies that every node purges too (a CDN), where the other nodes covered what this one
    /// missed.
    pub fn written_changes(&self) -> broadcast::Receiver<Changed> {
        self.shared.writes.subscribe()
    }

    /// Tells every subscriber what a committed write made without a transaction changed: the
    /// other nodes' (numbered in the record) and then this node's.
    pub(crate) async fn changed(&self, keys: Vec<String>) {
        if let Db::Postgres(pool) = &self.db {
            let sent =
                sqlx::query(ANNOUNCE).bind(payload(&keys)).bind(&self.shared.channel).execute(pool).await;
            if let Err(e) = sent {
                // The write is done; another node may serve an old copy until its pages age out.
                tracing::warn!(error = %e, "could not announce a change to the other nodes");
            }
        }
        self.changed_here(keys);
    }

    /// Deletes the record of changes older than an hour: every node has read them long since.
    /// Nothing to do on SQLite.
    pub async fn prune_page_changes(&self) -> crate::Result<u64> {
        let Db::Postgres(pool) = &self.db else { return Ok(0) };
        self.count_round_trip();
        Ok(sqlx::query(&format!("DELETE FROM page_changes WHERE at < {DB_NOW} - 3600"))
            .execute(pool)
            .await?
            .rows_affected())
    }
}

/// The database's clock in seconds: the record is written and read by many nodes, whose own
/// clocks may disagree.
const DB_NOW: &str = "CAST(EXTRACT(EPOCH FROM clock_timestamp()) AS BIGINT)";

/// The database's clock in milliseconds, for "not heard within two seconds" to mean two seconds
/// and not anything from one to two.
const DB_NOW_MS: &str = "CAST(FLOOR(EXTRACT(EPOCH FROM clock_timestamp()) * 1000) AS BIGINT)";

/// When a change of the record was written, in milliseconds: `at_ms`, or `at` for a row that a
/// node of a version before `at_ms` wrote.
const WRITTEN_MS: &str = "COALESCE(at_ms, at * 1000)";

/// Numbers the change `$1` in the record, written now: [`ANNOUNCE`] without its notification.
macro_rules! record {
    () => {
        "INSERT INTO page_changes (at, at_ms, keys) \
         SELECT CAST(FLOOR(s) AS BIGINT), CAST(FLOOR(s * 1000) AS BIGINT), $1 \
         FROM (SELECT EXTRACT(EPOCH FROM clock_timestamp()) AS s) n"
    };
}
/// For the test databases (the `testing` feature), which record a change that no node hears of.
#[cfg(feature = "testing")]
pub(crate) use record;

/// Numbers a change in the record and notifies every node, in one statement, on whatever
/// connection runs it: in a writing transaction, the notification goes out when it commits and
/// never for a write rolled back. The payload is "number key key …". When: `at` in seconds (as
/// every version reads it) and `at_ms` in milliseconds, from one reading of the clock.
pub(crate) const ANNOUNCE: &str = concat!(
    "WITH c AS (",
    record!(),
    " RETURNING seq, keys) SELECT pg_notify($2, c.seq || ' ' || c.keys) FROM c"
);

/// On PostgreSQL, announces what a write changed to the other nodes on `$conn`, the writing
/// transaction: see [`ANNOUNCE`]. Nothing on SQLite. After the commit, `changed_here` tells
/// this node.
macro_rules! announce_in {
    ($store:expr, $conn:expr, $keys:expr) => {
        if let $crate::Db::Postgres(_) = &$store.db {
            sqlx::query($crate::notify::ANNOUNCE)
                .bind($crate::notify::payload($keys))
                .bind(&$store.shared.channel)
                .execute($conn)
                .await?;
        }
    };
}
pub(crate) use announce_in;

/// The keys as one notification's payload. PostgreSQL takes at most 8,000 bytes; past half of
/// that, "all" says as much.
pub(crate) fn payload(keys: &[String]) -> String {
    let joined = keys.join(" ");
    if joined.len() > 4000 { "all".to_owned() } else { joined }
}

/// A listening connection of its own, outside the pool: when the connection is dropped without
/// a word, the old listener may hang for minutes while it lets go, and must neither hold one of
/// the pool's connections nor hand such a connection back to it.
struct Listener {
    listener: sqlx::postgres::PgListener,
    _pool: sqlx::PgPool,
}

impl Listener {
    async fn start(shared: &Shared) -> Result<Listener, sqlx::Error> {
        let options = shared.listen_options.clone().expect("a PostgreSQL store has listen options");
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(5))
            .connect_lazy_with(options);
        let mut listener = sqlx::postgres::PgListener::connect_with(&pool).await?;
        // Reconnecting is ours to do, so that we know when it happened.
        listener.eager_reconnect(false);
        listener.listen(&shared.channel).await?;
        // Changes numbered up to here were made before this node listened: they are covered by
        // the purge that follows a new listener (or by an empty cache at start).
        let last: Option<i64> =
            sqlx::query_scalar("SELECT MAX(seq) FROM page_changes").fetch_one(&mut listener).await?;
        shared.listened_from.store(last.unwrap_or(0), Ordering::Relaxed);
        shared.last_heard_ms.store(jiff::Timestamp::now().as_millisecond(), Ordering::Relaxed);
        shared.hearing.store(true, Ordering::Relaxed);
        Ok(Listener { listener, _pool: pool })
    }

    /// Starts a new listener, trying every quarter second, then less often, up to every ten.
    async fn restart(shared: &Shared) -> Listener {
        let mut wait = Duration::from_millis(250);
        loop {
            tokio::time::sleep(wait).await;
            match Listener::start(shared).await {
                Ok(listener) => return listener,
                Err(e) => tracing::debug!(error = %e, "cannot hear other nodes' changes yet"),
            }
            wait = (wait * 2).min(Duration::from_secs(10));
        }
    }
}

/// Hears the notifications for as long as the store lives, replacing a listener that was lost
/// or fell silent.
async fn hear(shared: Arc<Shared>, mut current: Listener) {
    let silence = shared.heartbeat * 4;
    loop {
        let lost = match tokio::time::timeout(silence, current.listener.try_recv()).await {
            Ok(Ok(Some(n))) => {
                heard(&shared, n.payload());
                continue;
            }
            Ok(Ok(None)) => "the connection was closed".to_owned(),
            Ok(Err(e)) => e.to_string(),
            Err(_) => format!("it heard nothing, not even its own heartbeat, for {silence:?}"),
        };
        shared.hearing.store(false, Ordering::Relaxed);
        tracing::warn!(reason = %lost, "lost the connection that hears other nodes' changes");
        drop(current);
        current = Listener::restart(&shared).await;
        tracing::info!("hearing other nodes' changes again; refreshing every page");
        let _ = shared.sender.send(Arc::new(vec!["all".to_owned()]));
    }
}

/// One notification: a heartbeat (only proof of life), or a numbered change, announced here.
fn heard(shared: &Shared, payload: &str) {
    shared.last_heard_ms.store(jiff::Timestamp::now().as_millisecond(), Ordering::Relaxed);
    if payload == HEARTBEAT {
        return;
    }
    let (seq, keys) = match payload.split_once(' ') {
        Some((first, rest)) => match first.parse::<i64>() {
            Ok(seq) => (Some(seq), rest),
            Err(_) => (None, payload),
        },
        None => (None, payload),
    };
    if let Some(seq) = seq {
        shared.heard.lock().unwrap_or_else(|e| e.into_inner()).insert(seq, crate::now_seconds());
    }
    let keys = keys.split(' ').filter(|k| !k.is_empty()).map(str::to_owned).collect();
    shared.announce(Arc::new(keys));
}

/// The payload of a heartbeat.
const HEARTBEAT: &str = "beat";

/// Every beat: a notification the listener must hear, and a read of the record for changes that
/// were not heard. Errors are left to the listener's silence to report: the database is away.
async fn beat(pool: sqlx::PgPool, shared: Arc<Shared>) {
    let mut tick = tokio::time::interval(shared.heartbeat);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let sent = sqlx::query("SELECT pg_notify($1, $2)")
            .bind(&shared.channel)
            .bind(HEARTBEAT)
            .execute(&pool)
            .await;
        if let Err(e) = sent {
            tracing::debug!(error = %e, "could not send a heartbeat");
            continue;
        }
        if let Err(e) = catch_up(&pool, &shared).await {
            tracing::debug!(error = %e, "could not read the record of changes");
        }
    }
}

/// Announces the changes of the last minute, made after this node listened, that it did not
/// hear within two seconds of their writing.
async fn catch_up(pool: &sqlx::PgPool, shared: &Shared) -> Result<(), sqlx::Error> {
    if !shared.hearing.load(Ordering::Relaxed) {
        // A new listener purges everything anyway.
        return Ok(());
    }
    let recent: Vec<(i64, String)> = sqlx::query_as(&format!(
        "SELECT seq, keys FROM page_changes \
         WHERE seq > $1 AND at >= {DB_NOW} - 61 AND {WRITTEN_MS} <= {DB_NOW_MS} - 2000 ORDER BY seq"
    ))
    .bind(shared.listened_from.load(Ordering::Relaxed))
    .fetch_all(pool)
    .await?;
    let now = crate::now_seconds();
    let missed: Vec<(i64, String)> = {
        let mut heard = shared.heard.lock().unwrap_or_else(|e| e.into_inner());
        heard.retain(|_, at| *at >= now - 120);
        recent.into_iter().filter(|(seq, _)| heard.insert(*seq, now).is_none()).collect()
    };
    for (seq, keys) in missed {
        tracing::warn!(change = seq, %keys, "a change was not heard; announcing it from the record");
        shared.announce(Arc::new(keys.split(' ').map(str::to_owned).collect()));
    }
    Ok(())
}

/// What a save of an article changed: the article, every list, its authors and terms.
pub(crate) fn article_keys(id: i64, author_ids: &[i64], term_ids: &[i64]) -> Vec<String> {
    let mut keys = vec![format!("article:{id}"), "listing".to_owned()];
    keys.extend(author_ids.iter().map(|a| format!("author:{a}")));
    keys.extend(term_ids.iter().map(|t| format!("term:{t}")));
    keys
}

impl Shared {
    /// Tells both kinds of subscriber of a change that a write made.
    fn announce(&self, keys: Changed) {
        let _ = self.writes.send(keys.clone());
        let _ = self.sender.send(keys);
    }
}
