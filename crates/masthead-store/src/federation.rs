//! Federation's tables: who follows our actors from other servers, the accounts and keys of
//! other servers as last fetched, activities received and waiting to be checked, activities
//! sent and their deliveries (claimed under leases, so any number of nodes share them), what
//! followers were last sent of each article, and likes and boosts.
//!
//! Our actors are named by keys: `outlet`, or `author:<id>`. Nothing here fetches or signs.

use jiff::Timestamp;

use crate::rows::row;
use crate::{Result, Store, on_db, placeholders, timestamp};

/// How long a claimed received activity is someone's before another node may take it.
pub const FEDERATION_LEASE_SECONDS: i64 = 60;
/// How long a claimed delivery is someone's: longer than a turn of deliveries can take.
pub const DELIVERY_LEASE_SECONDS: i64 = 300;
/// Failures in a row, over at least [`Store::drop_dead_hosts`]' span, before a server is dropped.
pub const DEAD_AFTER_FAILURES: i64 = 5;
/// The most received activities kept waiting at once: past it, inboxes answer "busy".
pub const MAX_INBOX_QUEUE: i64 = 10_000;
/// The most kept waiting at once that one server's keys signed.
pub const MAX_INBOX_PER_HOST: i64 = 1_000;

/// An account elsewhere that follows one of ours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFollower {
    /// Ours: `outlet` or `author:<id>`.
    pub actor: String,
    pub follower: String,
    pub inbox: String,
    /// '' when the follower's server has none.
    pub shared_inbox: String,
    pub host: String,
    pub follow_id: String,
}

/// An account elsewhere as its document said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteActor {
    pub id: String,
    pub inbox: String,
    pub shared_inbox: String,
    pub name: String,
    pub handle: String,
    pub url: String,
    pub fetched_at: Timestamp,
}

/// A key of an account elsewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteKey {
    pub key_id: String,
    pub actor: String,
    /// SPKI PEM, or a Multikey's multibase (`z…`).
    pub public_key: String,
    pub fetched_at: Timestamp,
}

/// An activity received, as the request carried it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedActivity {
    pub id: i64,
    /// `shared`, `outlet` or `author:<id>`.
    pub inbox: String,
    /// The absolute address it was posted to.
    pub target: String,
    /// The request's headers as `[[name, value], …]`, names in lower case.
    pub headers: String,
    pub body: String,
    pub received_at: Timestamp,
    pub attempts: i64,
}

/// An activity of ours, to be recorded and delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewActivity {
    pub id: String,
    pub actor: String,
    /// `Create`, `Update`, `Delete`, `Accept`, `Reject`.
    pub kind: String,
    pub article_id: Option<i64>,
    pub body: String,
}

/// One delivery, claimed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: i64,
    pub activity_id: String,
    pub actor: String,
    pub inbox: String,
    pub host: String,
    pub attempts: i64,
    pub created_at: Timestamp,
    pub body: String,
    /// The signature the host took last: `rfc9421` (also for a host never seen) or `cavage`.
    pub scheme: String,
}

/// What followers were last sent of an article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentObject {
    pub article_id: i64,
    /// `sent`, `deleting` or `deleted`.
    pub state: String,
    pub digest: String,
}

row!(DeliveryRow {
    id: i64,
    activity_id: String,
    actor: String,
    inbox: String,
    host: String,
    attempts: i64,
    created_at: i64,
});

row!(ReceivedRow {
    id: i64,
    inbox: String,
    target: String,
    headers: String,
    body: String,
    received_at: i64,
    attempts: i64,
});

impl Store {
    /// Records a follower (again: the newest Follow's id and inboxes win). True when new.
    pub async fn add_follower(&self, f: &NewFollower, at: Timestamp) -> Result<bool> {
        let existed: Option<i64> = on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let existed: Option<i64> = sqlx::query_scalar(
                "SELECT created_at FROM federation_followers WHERE actor = $1 AND follower = $2",
            )
            .bind(&f.actor)
            .bind(&f.follower)
            .fetch_optional(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO federation_followers (actor, follower, inbox, shared_inbox, host, follow_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (actor, follower) DO UPDATE SET \
                 inbox = excluded.inbox, shared_inbox = excluded.shared_inbox, host = excluded.host, \
                 follow_id = excluded.follow_id",
            )
            .bind(&f.actor)
            .bind(&f.follower)
            .bind(&f.inbox)
            .bind(&f.shared_inbox)
            .bind(&f.host)
            .bind(&f.follow_id)
            .bind(at.as_second())
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            existed
        });
        Ok(existed.is_none())
    }

    /// Removes `follower` from `actor`'s followers; with `actor` `None`, from all of ours (the
    /// account was deleted). Returns how many went.
    pub async fn remove_follower(&self, actor: Option<&str>, follower: &str) -> Result<u64> {
        Ok(on_db!(self, pool => {
            match actor {
                Some(actor) => sqlx::query("DELETE FROM federation_followers WHERE actor = $1 AND follower = $2")
                    .bind(actor)
                    .bind(follower)
                    .execute(pool)
                    .await?
                    .rows_affected(),
                None => sqlx::query("DELETE FROM federation_followers WHERE follower = $1")
                    .bind(follower)
                    .execute(pool)
                    .await?
                    .rows_affected(),
            }
        }))
    }

    /// Forgets the followers whose deliveries go to `inbox` (their own, or their server's shared
    /// one), which answered that it is gone. Returns how many went.
    pub async fn remove_followers_at(&self, inbox: &str) -> Result<u64> {
        Ok(on_db!(self, pool => {
            sqlx::query(
                "DELETE FROM federation_followers WHERE (shared_inbox = $1) OR (shared_inbox = '' AND inbox = $1)",
            )
            .bind(inbox)
            .execute(pool)
            .await?
            .rows_affected()
        }))
    }

    /// Which of our actors `follower` follows through the Follow `follow_id`.
    pub async fn followed_by_follow(&self, follower: &str, follow_id: &str) -> Result<Option<String>> {
        Ok(on_db!(self, pool => {
            sqlx::query_scalar("SELECT actor FROM federation_followers WHERE follower = $1 AND follow_id = $2")
                .bind(follower)
                .bind(follow_id)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// How many accounts follow `actor`.
    pub async fn follower_count(&self, actor: &str) -> Result<i64> {
        Ok(on_db!(self, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM federation_followers WHERE actor = $1")
                .bind(actor)
                .fetch_one(pool)
                .await?
        }))
    }

    /// A page of `actor`'s followers, by their ids after `after`.
    pub async fn followers(&self, actor: &str, after: Option<&str>, limit: u32) -> Result<Vec<String>> {
        let sql = format!(
            "SELECT follower FROM federation_followers WHERE actor = $1 AND follower > $2 ORDER BY follower LIMIT {}",
            limit.clamp(1, 1000)
        );
        Ok(on_db!(self, pool => {
            sqlx::query_scalar(&sql).bind(actor).bind(after.unwrap_or("")).fetch_all(pool).await?
        }))
    }

    /// Where an activity of any of `actors` goes: each follower's server's shared inbox, or
    /// the follower's own inbox when its server has none, each once, with its host; a page of
    /// them after `after`, in order.
    pub async fn delivery_targets(
        &self,
        actors: &[String],
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<(String, String)>> {
        if actors.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT target, MIN(host) FROM (SELECT CASE WHEN shared_inbox <> '' THEN shared_inbox ELSE inbox END \
             AS target, host FROM federation_followers WHERE actor IN ({})) t WHERE target > $1 \
             GROUP BY target ORDER BY target LIMIT {}",
            placeholders(2, actors.len()),
            limit.clamp(1, 5000)
        );
        Ok(on_db!(self, pool => {
            let mut q = sqlx::query_as(&sql).bind(after.unwrap_or(""));
            for actor in actors {
                q = q.bind(actor);
            }
            q.fetch_all(pool).await?
        }))
    }

    /// Keeps what an account's document said.
    pub async fn save_remote_actor(&self, a: &RemoteActor) -> Result<()> {
        on_db!(self, pool => {
            sqlx::query(
                "INSERT INTO federation_actors (id, inbox, shared_inbox, name, handle, url, fetched_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO UPDATE SET inbox = excluded.inbox, \
                 shared_inbox = excluded.shared_inbox, name = excluded.name, handle = excluded.handle, \
                 url = excluded.url, fetched_at = excluded.fetched_at",
            )
            .bind(&a.id)
            .bind(&a.inbox)
            .bind(&a.shared_inbox)
            .bind(&a.name)
            .bind(&a.handle)
            .bind(&a.url)
            .bind(a.fetched_at.as_second())
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// An account elsewhere as last fetched.
    pub async fn remote_actor(&self, id: &str) -> Result<Option<RemoteActor>> {
        let row: Option<(String, String, String, String, String, String, i64)> = on_db!(self, pool => {
            sqlx::query_as(
                "SELECT id, inbox, shared_inbox, name, handle, url, fetched_at FROM federation_actors WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await?
        });
        row.map(|(id, inbox, shared_inbox, name, handle, url, fetched_at)| {
            Ok(RemoteActor { id, inbox, shared_inbox, name, handle, url, fetched_at: timestamp(fetched_at)? })
        })
        .transpose()
    }

    /// Keeps a key of an account elsewhere.
    pub async fn save_remote_key(&self, k: &RemoteKey) -> Result<()> {
        on_db!(self, pool => {
            sqlx::query(
                "INSERT INTO federation_keys (key_id, actor, public_key, fetched_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (key_id) DO UPDATE SET actor = excluded.actor, public_key = excluded.public_key, \
                 fetched_at = excluded.fetched_at",
            )
            .bind(&k.key_id)
            .bind(&k.actor)
            .bind(&k.public_key)
            .bind(k.fetched_at.as_second())
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// A key of an account elsewhere, as last fetched.
    pub async fn remote_key(&self, key_id: &str) -> Result<Option<RemoteKey>> {
        let row: Option<(String, String, String, i64)> = on_db!(self, pool => {
            sqlx::query_as("SELECT key_id, actor, public_key, fetched_at FROM federation_keys WHERE key_id = $1")
                .bind(key_id)
                .fetch_optional(pool)
                .await?
        });
        row.map(|(key_id, actor, public_key, fetched_at)| {
            Ok(RemoteKey { key_id, actor, public_key, fetched_at: timestamp(fetched_at)? })
        })
        .transpose()
    }

    /// Keeps an activity received until it is checked and done. `None` when [`MAX_INBOX_QUEUE`]
    /// are already waiting, or [`MAX_INBOX_PER_HOST`] signed by keys on `key_host`.
    pub async fn queue_received(
        &self,
        inbox: &str,
        target: &str,
        headers: &str,
        body: &str,
        key_host: &str,
        at: Timestamp,
    ) -> Result<Option<i64>> {
        Ok(on_db!(self, pool => {
            sqlx::query_scalar(
                "INSERT INTO federation_inbox (inbox, target, headers, body, received_at, key_host) \
                 SELECT $1, $2, $3, $4, $5, $6 \
                 WHERE (SELECT COUNT(*) FROM (SELECT 1 FROM federation_inbox LIMIT $7) waiting) < $7 \
                 AND (SELECT COUNT(*) FROM (SELECT 1 FROM federation_inbox WHERE key_host = $6 LIMIT $8) theirs) < $8 \
                 RETURNING id",
            )
            .bind(inbox)
            .bind(target)
            .bind(headers)
            .bind(body)
            .bind(at.as_second())
            .bind(key_host)
            .bind(MAX_INBOX_QUEUE)
            .bind(MAX_INBOX_PER_HOST)
            .fetch_optional(pool)
            .await?
        }))
    }

    /// Claims up to `limit` received activities, oldest first, for [`FEDERATION_LEASE_SECONDS`].
    pub async fn claim_received(&self, limit: u32, now: Timestamp) -> Result<Vec<ReceivedActivity>> {
        let sql = format!(
            "UPDATE federation_inbox SET lease_until = $1, attempts = attempts + 1 WHERE id IN ( \
             SELECT id FROM federation_inbox WHERE lease_until < $2 ORDER BY id LIMIT {}) AND lease_until < $2 \
             RETURNING id, inbox, target, headers, body, received_at, attempts",
            limit.clamp(1, 500)
        );
        let mut rows: Vec<ReceivedRow> = on_db!(self, pool => {
            sqlx::query_as(&sql)
                .bind(now.as_second() + FEDERATION_LEASE_SECONDS)
                .bind(now.as_second())
                .fetch_all(pool)
                .await?
        });
        rows.sort_by_key(|r| r.id);
        rows.into_iter()
            .map(|r| {
                Ok(ReceivedActivity {
                    id: r.id,
                    inbox: r.inbox,
                    target: r.target,
                    headers: r.headers,
                    body: r.body,
                    received_at: timestamp(r.received_at)?,
                    attempts: r.attempts,
                })
            })
            .collect()
    }

    /// Records that the activity `id` is being done; false when it was already (a replay, or
    /// the same activity delivered twice).
    pub async fn first_sight(&self, id: &str, at: Timestamp) -> Result<bool> {
        Ok(on_db!(self, pool => {
            sqlx::query("INSERT INTO federation_seen (activity_id, seen_at) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(id)
                .bind(at.as_second())
                .execute(pool)
                .await?
                .rows_affected()
                == 1
        }))
    }

    /// Forgets up to `limit` activity ids seen before `before` (no signature that old holds).
    pub async fn forget_seen(&self, before: Timestamp, limit: u32) -> Result<u64> {
        let sql = format!(
            "DELETE FROM federation_seen WHERE activity_id IN (SELECT activity_id FROM federation_seen \
             WHERE seen_at < $1 ORDER BY seen_at LIMIT {})",
            limit.clamp(1, 100_000)
        );
        Ok(
            on_db!(self, pool => sqlx::query(&sql).bind(before.as_second()).execute(pool).await?.rows_affected()),
        )
    }

    /// Forgets a received activity: done, or refused.
    pub async fn forget_received(&self, id: i64) -> Result<()> {
        on_db!(self, pool => {
            sqlx::query("DELETE FROM federation_inbox WHERE id = $1").bind(id).execute(pool).await?;
        });
        Ok(())
    }

    /// Puts a received activity back to be tried again at `due` (its key could not be fetched).
    pub async fn retry_received(&self, id: i64, due: Timestamp) -> Result<()> {
        on_db!(self, pool => {
            sqlx::query("UPDATE federation_inbox SET lease_until = $1 WHERE id = $2")
                .bind(due.as_second())
                .bind(id)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Records an activity of ours and queues its deliveries, in one transaction. Targets are
    /// `(inbox, host)`; one already queued for the activity is not queued twice.
    pub async fn send_activity(
        &self,
        activity: &NewActivity,
        targets: &[(String, String)],
        at: Timestamp,
    ) -> Result<()> {
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO federation_activities (id, actor, kind, article_id, body, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
            )
            .bind(&activity.id)
            .bind(&activity.actor)
            .bind(&activity.kind)
            .bind(activity.article_id)
            .bind(&activity.body)
            .bind(at.as_second())
            .execute(&mut *tx)
            .await?;
            for chunk in targets.chunks(200) {
                let sql = crate::insert_rows(
                    "federation_deliveries (activity_id, actor, inbox, host, due_at, created_at)",
                    chunk.len(),
                    |i, _| format!("($1, $2, ${}, ${}, $3, $3)", 4 + 2 * i, 5 + 2 * i),
                ) + " ON CONFLICT (activity_id, inbox) DO NOTHING";
                let mut q = sqlx::query(&sql).bind(&activity.id).bind(&activity.actor).bind(at.as_second());
                for (inbox, host) in chunk {
                    q = q.bind(inbox).bind(host);
                }
                q.execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Queues more deliveries of an activity already recorded.
    pub async fn add_deliveries(
        &self,
        activity: &NewActivity,
        targets: &[(String, String)],
        at: Timestamp,
    ) -> Result<()> {
        self.send_activity(activity, targets, at).await
    }

    /// An activity of ours, as sent.
    pub async fn activity(&self, id: &str) -> Result<Option<String>> {
        Ok(on_db!(self, pool => {
            sqlx::query_scalar("SELECT body FROM federation_activities WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// `actor`'s activities of `kind`, newest first, before the `(created_at, id)` given; with
    /// how many there are in all.
    pub async fn activities_of(
        &self,
        actor: &str,
        kind: &str,
        before: Option<(i64, &str)>,
        limit: u32,
    ) -> Result<(Vec<(i64, String, String)>, i64)> {
        let after =
            if before.is_some() { "AND (created_at < $3 OR (created_at = $3 AND id < $4))" } else { "" };
        let sql = format!(
            "SELECT created_at, id, body FROM federation_activities WHERE actor = $1 AND kind = $2 {after} \
             ORDER BY created_at DESC, id DESC LIMIT {}",
            limit.clamp(1, 100)
        );
        Ok(on_db!(self, pool => {
            let mut q = sqlx::query_as(&sql).bind(actor).bind(kind);
            if let Some((at, id)) = before {
                q = q.bind(at).bind(id);
            }
            let rows: Vec<(i64, String, String)> = q.fetch_all(pool).await?;
            let total: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM federation_activities WHERE actor = $1 AND kind = $2",
            )
            .bind(actor)
            .bind(kind)
            .fetch_one(pool)
            .await?;
            (rows, total)
        }))
    }

    /// Claims up to `limit` due deliveries for [`DELIVERY_LEASE_SECONDS`], at most `per_host`
    /// for any one server, and none for a server that has some under way.
    pub async fn claim_deliveries(&self, limit: u32, per_host: u32, now: Timestamp) -> Result<Vec<Delivery>> {
        let sql = format!(
            "UPDATE federation_deliveries SET lease_until = $1, attempts = attempts + 1 \
             WHERE due_at <= $2 AND lease_until < $2 AND id IN ( \
               SELECT id FROM ( \
                 SELECT id, due_at, ROW_NUMBER() OVER (PARTITION BY host ORDER BY due_at, id) AS nth \
                 FROM federation_deliveries WHERE due_at <= $2 AND lease_until < $2 \
                 AND host NOT IN (SELECT host FROM federation_deliveries WHERE lease_until >= $2) \
               ) ranked WHERE nth <= {} ORDER BY due_at, id LIMIT {}) \
             RETURNING id, activity_id, actor, inbox, host, attempts, created_at",
            per_host.clamp(1, 50),
            limit.clamp(1, 2000)
        );
        let mut rows: Vec<DeliveryRow> = on_db!(self, pool => {
            sqlx::query_as(&sql)
                .bind(now.as_second() + DELIVERY_LEASE_SECONDS)
                .bind(now.as_second())
                .fetch_all(pool)
                .await?
        });
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        rows.sort_by_key(|r| r.id);
        // The activities' documents and the hosts' schemes, once each, in two statements.
        let mut activities: Vec<&str> = rows.iter().map(|r| r.activity_id.as_str()).collect();
        activities.sort_unstable();
        activities.dedup();
        let mut hosts: Vec<&str> = rows.iter().map(|r| r.host.as_str()).collect();
        hosts.sort_unstable();
        hosts.dedup();
        let bodies_sql = format!(
            "SELECT id, body FROM federation_activities WHERE id IN ({})",
            placeholders(1, activities.len())
        );
        let schemes_sql = format!(
            "SELECT host, scheme FROM federation_hosts WHERE host IN ({})",
            placeholders(1, hosts.len())
        );
        type Pairs = Vec<(String, String)>;
        let (bodies, schemes): (Pairs, Pairs) = on_db!(self, pool => {
            let mut q = sqlx::query_as(&bodies_sql);
            for id in &activities {
                q = q.bind(*id);
            }
            let bodies = q.fetch_all(pool).await?;
            let mut q = sqlx::query_as(&schemes_sql);
            for host in &hosts {
                q = q.bind(*host);
            }
            (bodies, q.fetch_all(pool).await?)
        });
        let bodies: std::collections::HashMap<String, String> = bodies.into_iter().collect();
        let schemes: std::collections::HashMap<String, String> = schemes.into_iter().collect();
        rows.into_iter()
            .filter_map(|r| {
                let body = bodies.get(&r.activity_id)?.clone();
                let scheme = schemes.get(&r.host).cloned().unwrap_or_else(|| "rfc9421".into());
                Some(timestamp(r.created_at).map(|created_at| Delivery {
                    id: r.id,
                    activity_id: r.activity_id,
                    actor: r.actor,
                    inbox: r.inbox,
                    host: r.host,
                    attempts: r.attempts,
                    created_at,
                    body,
                    scheme,
                }))
            })
            .collect()
    }

    /// A delivery went through, signed by `scheme`: it is done, and its server is alive.
    pub async fn delivered(&self, id: i64, host: &str, scheme: &str) -> Result<()> {
        self.delivered_many(&[(id, host.to_string(), scheme)]).await
    }

    /// [`Store::delivered`] for many `(id, host, scheme)` at once, in one transaction of a few
    /// statements per few hundred.
    pub async fn delivered_many(&self, done: &[(i64, String, &str)]) -> Result<()> {
        if done.is_empty() {
            return Ok(());
        }
        // One row per server in each statement (a statement may not write one row twice).
        let mut hosts: std::collections::BTreeMap<&str, &str> = std::collections::BTreeMap::new();
        for (_, host, scheme) in done {
            hosts.insert(host.as_str(), scheme);
        }
        let hosts: Vec<(&str, &str)> = hosts.into_iter().collect();
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            for chunk in done.chunks(300) {
                let sql = format!(
                    "DELETE FROM federation_deliveries WHERE id IN ({})",
                    placeholders(1, chunk.len())
                );
                let mut q = sqlx::query(&sql);
                for (id, ..) in chunk {
                    q = q.bind(id);
                }
                q.execute(&mut *tx).await?;
            }
            for chunk in hosts.chunks(300) {
                let rows: Vec<String> =
                    (0..chunk.len()).map(|i| format!("(${}, ${}, NULL)", 1 + 2 * i, 2 + 2 * i)).collect();
                let sql = format!(
                    "INSERT INTO federation_hosts (host, scheme, failing_since) VALUES {} \
                     ON CONFLICT (host) DO UPDATE SET scheme = excluded.scheme, failing_since = NULL, failures = 0",
                    rows.join(", ")
                );
                let mut q = sqlx::query(&sql);
                for (host, scheme) in chunk {
                    q = q.bind(*host).bind(*scheme);
                }
                q.execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// A delivery failed: tried again at `retry_at`, or given up (`None`). When the server
    /// itself failed (`server_failed`: unreachable, or a server error; not a refusal of one
    /// activity), it counts one more failure in a row, failing from now unless it was already.
    pub async fn delivery_failed(
        &self,
        id: i64,
        host: &str,
        error: &str,
        retry_at: Option<Timestamp>,
        server_failed: bool,
        now: Timestamp,
    ) -> Result<()> {
        let error: String = error.chars().take(500).collect();
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            match retry_at {
                Some(due) => {
                    sqlx::query(
                        "UPDATE federation_deliveries SET due_at = $1, lease_until = 0, last_error = $2 WHERE id = $3",
                    )
                    .bind(due.as_second())
                    .bind(&error)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                }
                None => {
                    sqlx::query("DELETE FROM federation_deliveries WHERE id = $1").bind(id).execute(&mut *tx).await?;
                }
            }
            if server_failed {
                sqlx::query(
                    "INSERT INTO federation_hosts (host, failing_since, failures) VALUES ($1, $2, 1) \
                     ON CONFLICT (host) DO UPDATE SET failures = federation_hosts.failures + 1, \
                     failing_since = COALESCE(federation_hosts.failing_since, excluded.failing_since)",
                )
                .bind(host)
                .bind(now.as_second())
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Servers that have failed every delivery since before `before`, at least
    /// [`DEAD_AFTER_FAILURES`] times in a row, are dropped: their followers, their waiting
    /// deliveries and their record. Returns their names.
    pub async fn drop_dead_hosts(&self, before: Timestamp) -> Result<Vec<String>> {
        Ok(on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let hosts: Vec<String> = sqlx::query_scalar(
                "DELETE FROM federation_hosts WHERE failing_since IS NOT NULL AND failing_since < $1 \
                 AND failures >= $2 RETURNING host",
            )
            .bind(before.as_second())
            .bind(DEAD_AFTER_FAILURES)
            .fetch_all(&mut *tx)
            .await?;
            for host in &hosts {
                sqlx::query("DELETE FROM federation_followers WHERE host = $1").bind(host).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM federation_deliveries WHERE host = $1").bind(host).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            hosts
        }))
    }

    /// Deliveries waiting (or under way), for the metrics and the admin.
    pub async fn deliveries_waiting(&self) -> Result<i64> {
        Ok(on_db!(self, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM (SELECT 1 FROM federation_deliveries LIMIT 1000000) d")
                .fetch_one(pool)
                .await?
        }))
    }

    /// Articles changed since followers were last told: (change id, article id), oldest first.
    pub async fn unfederated_changes(&self, limit: u32) -> Result<Vec<(i64, i64)>> {
        let sql = format!(
            "SELECT id, article_id FROM article_changes WHERE federated_at IS NULL ORDER BY id LIMIT {}",
            limit.clamp(1, 1000)
        );
        Ok(on_db!(self, pool => sqlx::query_as(&sql).fetch_all(pool).await?))
    }

    /// Marks changes as told. Returns how many were still untold, so that of two nodes racing
    /// only one goes on.
    pub async fn mark_federated(&self, change_ids: &[i64], at: Timestamp) -> Result<u64> {
        if change_ids.is_empty() {
            return Ok(0);
        }
        let sql = format!(
            "UPDATE article_changes SET federated_at = $1 WHERE federated_at IS NULL AND id IN ({})",
            placeholders(2, change_ids.len())
        );
        Ok(on_db!(self, pool => {
            let mut q = sqlx::query(&sql).bind(at.as_second());
            for id in change_ids {
                q = q.bind(id);
            }
            q.execute(pool).await?.rows_affected()
        }))
    }

    /// What followers were last sent of these articles.
    pub async fn sent_objects(&self, article_ids: &[i64]) -> Result<Vec<SentObject>> {
        if article_ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT article_id, state, digest FROM federation_objects WHERE article_id IN ({})",
            placeholders(1, article_ids.len())
        );
        let rows: Vec<(i64, String, String)> = on_db!(self, pool => {
            let mut q = sqlx::query_as(&sql);
            for id in article_ids {
                q = q.bind(id);
            }
            q.fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .map(|(article_id, state, digest)| SentObject { article_id, state, digest })
            .collect())
    }

    /// Articles deleted here whose Delete has not gone yet.
    pub async fn objects_being_deleted(&self, limit: u32) -> Result<Vec<i64>> {
        let sql = format!(
            "SELECT article_id FROM federation_objects WHERE state = 'deleting' ORDER BY article_id LIMIT {}",
            limit.clamp(1, 1000)
        );
        Ok(on_db!(self, pool => sqlx::query_scalar(&sql).fetch_all(pool).await?))
    }

    /// Records what followers were sent of an article.
    pub async fn set_sent_object(
        &self,
        article_id: i64,
        state: &str,
        digest: &str,
        at: Timestamp,
    ) -> Result<()> {
        on_db!(self, pool => {
            sqlx::query(
                "INSERT INTO federation_objects (article_id, state, digest, sent_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (article_id) DO UPDATE SET state = excluded.state, digest = excluded.digest, \
                 sent_at = excluded.sent_at",
            )
            .bind(article_id)
            .bind(state)
            .bind(digest)
            .bind(at.as_second())
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Counts a like or boost (`like`, `announce`) of an article; again from the same account,
    /// it is counted once.
    pub async fn add_reaction(
        &self,
        article_id: i64,
        actor: &str,
        kind: &str,
        activity_id: &str,
        at: Timestamp,
    ) -> Result<()> {
        on_db!(self, pool => {
            sqlx::query(
                "INSERT INTO federation_reactions (article_id, actor, kind, activity_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (article_id, actor, kind) DO UPDATE SET activity_id = excluded.activity_id",
            )
            .bind(article_id)
            .bind(actor)
            .bind(kind)
            .bind(activity_id)
            .bind(at.as_second())
            .execute(pool)
            .await?;
        });
        self.changed(crate::notify::article_keys(article_id, &[], &[])).await;
        Ok(())
    }

    /// Takes back the like or boost `activity_id` of `actor` (an Undo). Returns the article.
    pub async fn remove_reaction(&self, actor: &str, activity_id: &str) -> Result<Option<i64>> {
        let article: Option<i64> = on_db!(self, pool => {
            sqlx::query_scalar(
                "DELETE FROM federation_reactions WHERE actor = $1 AND activity_id = $2 RETURNING article_id",
            )
            .bind(actor)
            .bind(activity_id)
            .fetch_optional(pool)
            .await?
        });
        if let Some(id) = article {
            self.changed(crate::notify::article_keys(id, &[], &[])).await;
        }
        Ok(article)
    }

    /// (likes, boosts) of an article from other servers.
    pub async fn reaction_counts(&self, article_id: i64) -> Result<(i64, i64)> {
        Ok(on_db!(self, pool => {
            sqlx::query_as(
                "SELECT COALESCE(SUM(CASE WHEN kind = 'like' THEN 1 ELSE 0 END), 0), \
                 COALESCE(SUM(CASE WHEN kind = 'announce' THEN 1 ELSE 0 END), 0) \
                 FROM federation_reactions WHERE article_id = $1",
            )
            .bind(article_id)
            .fetch_one(pool)
            .await?
        }))
    }
}

impl Store {
    /// Deletes the comment that came from elsewhere as `source_key`, if `author_url` (the
    /// account that wrote it) is the one asking. Returns its article.
    pub async fn delete_remote_comment(&self, source_key: &str, author_url: &str) -> Result<Option<i64>> {
        let article: Option<i64> = on_db!(self, pool => {
            sqlx::query_scalar("DELETE FROM comments WHERE source_key = $1 AND author_url = $2 RETURNING article_id")
                .bind(source_key)
                .bind(author_url)
                .fetch_optional(pool)
                .await?
        });
        if let Some(id) = article {
            self.changed(crate::notify::article_keys(id, &[], &[])).await;
        }
        Ok(article)
    }

    /// Who wrote the comment that came from elsewhere as `source_key` (its `author_url`), if
    /// there is one.
    pub async fn remote_comment_author(&self, source_key: &str) -> Result<Option<String>> {
        Ok(on_db!(self, pool => {
            sqlx::query_scalar("SELECT author_url FROM comments WHERE source_key = $1")
                .bind(source_key)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// The comment that came from elsewhere as `source_key`, as a place to answer it: (its id,
    /// its article, the comment it answers if any).
    pub async fn remote_comment_place(&self, source_key: &str) -> Result<Option<(i64, i64, Option<i64>)>> {
        Ok(on_db!(self, pool => {
            sqlx::query_as("SELECT id, article_id, parent_id FROM comments WHERE source_key = $1")
                .bind(source_key)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// Forgets the Create and Update activities of an article (it is gone: the outbox no longer
    /// lists it) and the deliveries of them still waiting. Returns which of our actors sent them.
    pub async fn forget_article_activities(&self, article_id: i64) -> Result<Vec<String>> {
        Ok(on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let actors: Vec<String> = sqlx::query_scalar(
                "SELECT DISTINCT actor FROM federation_activities WHERE article_id = $1 AND kind IN ('Create', 'Update') \
                 ORDER BY actor",
            )
            .bind(article_id)
            .fetch_all(&mut *tx)
            .await?;
            sqlx::query(
                "DELETE FROM federation_deliveries WHERE activity_id IN (SELECT id FROM federation_activities \
                 WHERE article_id = $1 AND kind IN ('Create', 'Update'))",
            )
            .bind(article_id)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM federation_activities WHERE article_id = $1 AND kind IN ('Create', 'Update')")
                .bind(article_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            actors
        }))
    }
}
