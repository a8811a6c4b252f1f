//! Sources (partners' feeds), their polling state, and the articles taken in from them.
//!
//! Polling is shared by every node on one database: a node claims a due source by setting its
//! lease in one conditional update, so each source is polled by one node at a time. An item's
//! article and the record of where it came from are written in the article's own transaction
//! (see [`Store::create_syndicated`] and [`Store::update_syndicated`]).

use jiff::Timestamp;
use masthead_core::source::backoff_minutes;
use masthead_core::{Author, FeedFormat, NewAuthor, NewOutlet, NewSource, Outlet, Slug, Source, SourceTerms};

use crate::rows::{AUTHOR_COLUMNS, AuthorRow, OutletRow, row, url};
use crate::{Result, Store, StoreError, now_seconds, on_db, timestamp};

/// A copy whose original is to be checked ([`Store::originals_to_check`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginalCheck {
    pub article_id: i64,
    pub source_id: Option<i64>,
    pub original_url: String,
    /// When it was last checked, in seconds (the claim's guard).
    pub checked_at: Option<i64>,
    pub title: String,
}

/// How long a node may hold a source while polling it before another node may take over.
pub const LEASE_SECONDS: i64 = 300;

/// Where an article taken in from a partner came from, written with the article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyndicationRecord {
    pub source_id: i64,
    /// The item's identity in the feed (guid, id, uri).
    pub item_key: String,
    pub terms: SourceTerms,
    pub original_url: String,
    pub content_hash: String,
    pub original_updated_at: Option<Timestamp>,
    /// The article another partner brought that this item matches (same original address or
    /// text): kept apart, for an editor to compare.
    pub duplicate_of: Option<i64>,
}

/// What is known of an article taken in from a partner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Syndication {
    pub article_id: i64,
    pub source_id: Option<i64>,
    pub terms: SourceTerms,
    pub original_url: String,
    pub content_hash: String,
    pub original_updated_at: Option<Timestamp>,
    /// When the partner changed the text after it was taken in, until an editor saves it.
    pub changed_upstream_at: Option<Timestamp>,
    pub taken_in_at: Timestamp,
    /// The article another partner brought that this one may duplicate.
    pub duplicate_of: Option<i64>,
}

/// A line of the queue of articles taken in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueEntry {
    pub syndication: Syndication,
    pub title: String,
    pub status: masthead_core::ArticleStatus,
    pub outlet: Option<String>,
}

/// A line of a source's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceEvent {
    pub at: Timestamp,
    pub message: String,
}

const SOURCE_COLUMNS: &str = "s.id, s.outlet_id, o.name AS outlet_name, s.feed_url, s.format, s.terms, s.term_ids, \
     s.auto_publish, s.interval_minutes, s.last_polled_at, s.last_success_at, s.next_poll_at, s.failures, \
     s.last_error, s.etag, s.last_modified";

row!(SourceRow {
    id: i64,
    outlet_id: i64,
    outlet_name: String,
    feed_url: String,
    format: String,
    terms: String,
    term_ids: String,
    auto_publish: bool,
    interval_minutes: i64,
    last_polled_at: Option<i64>,
    last_success_at: Option<i64>,
    next_poll_at: i64,
    failures: i64,
    last_error: Option<String>,
    etag: Option<String>,
    last_modified: Option<String>,
});

impl SourceRow {
    fn into_source(self) -> Result<Source> {
        let corrupt = |what: &str, e: &dyn std::fmt::Display| {
            StoreError::Corrupt(format!("source {}: {what}: {e}", self.id))
        };
        Ok(Source {
            id: self.id,
            outlet_id: self.outlet_id,
            outlet_name: self.outlet_name.clone(),
            feed_url: url(&self.feed_url)?,
            format: self.format.parse::<FeedFormat>().map_err(|e| corrupt("format", &e))?,
            terms: self.terms.parse::<SourceTerms>().map_err(|e| corrupt("terms", &e))?,
            term_ids: crate::rows::parse_widths(&self.term_ids),
            auto_publish: self.auto_publish,
            interval_minutes: self.interval_minutes,
            last_polled_at: self.last_polled_at.map(timestamp).transpose()?,
            last_success_at: self.last_success_at.map(timestamp).transpose()?,
            next_poll_at: timestamp(self.next_poll_at)?,
            failures: self.failures,
            last_error: self.last_error.clone(),
            etag: self.etag.clone(),
            last_modified: self.last_modified.clone(),
        })
    }
}

const SYNDICATION_COLUMNS: &str = "y.article_id, y.source_id, y.terms, y.original_url, y.content_hash, \
     y.original_updated_at, y.changed_upstream_at, y.taken_in_at, y.duplicate_of";

type SyndicationTuple =
    (i64, Option<i64>, String, String, String, Option<i64>, Option<i64>, i64, Option<i64>);

fn syndication(t: SyndicationTuple) -> Result<Syndication> {
    let (article_id, source_id, terms, original_url, content_hash, updated, changed, taken, duplicate_of) = t;
    Ok(Syndication {
        article_id,
        source_id,
        terms: terms.parse().map_err(|e| StoreError::Corrupt(format!("article {article_id}: {e}")))?,
        original_url,
        content_hash,
        original_updated_at: updated.map(timestamp).transpose()?,
        changed_upstream_at: changed.map(timestamp).transpose()?,
        taken_in_at: timestamp(taken)?,
        duplicate_of,
    })
}

fn check(new: &NewSource) -> Result<()> {
    use masthead_core::source::{MAX_INTERVAL_MINUTES, MIN_INTERVAL_MINUTES};
    if !(MIN_INTERVAL_MINUTES..=MAX_INTERVAL_MINUTES).contains(&new.interval_minutes) {
        return Err(StoreError::Invalid(format!(
            "the polling interval must be between {MIN_INTERVAL_MINUTES} and {MAX_INTERVAL_MINUTES} minutes"
        )));
    }
    if !matches!(new.feed_url.scheme(), "http" | "https") {
        return Err(StoreError::Invalid("the feed's address must be http or https".into()));
    }
    Ok(())
}

impl Store {
    pub async fn create_source(&self, new: &NewSource) -> Result<Source> {
        check(new)?;
        let now = now_seconds();
        let id: i64 = on_db!(self, pool => {
            sqlx::query_scalar(
                "INSERT INTO sources (outlet_id, feed_url, format, terms, term_ids, auto_publish, interval_minutes, \
                 next_poll_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
            )
            .bind(new.outlet_id)
            .bind(new.feed_url.as_str())
            .bind(new.format.key())
            .bind(new.terms.key())
            .bind(crate::rows::join_widths(&new.term_ids))
            .bind(new.auto_publish)
            .bind(new.interval_minutes)
            .bind(now)
            .fetch_one(pool)
            .await?
        });
        self.source(id).await
    }

    /// Changes a source; new terms apply at once to every article taken in from it.
    pub async fn update_source(&self, id: i64, new: &NewSource) -> Result<Source> {
        check(new)?;
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query(
                "UPDATE sources SET outlet_id = $1, feed_url = $2, format = $3, terms = $4, term_ids = $5, \
                 auto_publish = $6, interval_minutes = $7 WHERE id = $8",
            )
            .bind(new.outlet_id)
            .bind(new.feed_url.as_str())
            .bind(new.format.key())
            .bind(new.terms.key())
            .bind(crate::rows::join_widths(&new.term_ids))
            .bind(new.auto_publish)
            .bind(new.interval_minutes)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            sqlx::query("UPDATE syndicated_articles SET terms = $1 WHERE source_id = $2")
                .bind(new.terms.key())
                .bind(id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        self.source(id).await
    }

    /// Deletes partner feed `id` with its log and the identities of the items it brought; the
    /// articles taken in from it stay, with their provenance and terms.
    pub async fn delete_source(&self, id: i64) -> Result<()> {
        let n = on_db!(self, pool => {
            sqlx::query("DELETE FROM sources WHERE id = $1").bind(id).execute(pool).await?.rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    pub async fn source(&self, id: i64) -> Result<Source> {
        let sql = format!(
            "SELECT {SOURCE_COLUMNS} FROM sources s JOIN outlets o ON o.id = s.outlet_id WHERE s.id = $1"
        );
        let row: SourceRow = on_db!(self, pool => sqlx::query_as(&sql).bind(id).fetch_one(pool).await?);
        row.into_source()
    }

    /// Every source, by outlet.
    pub async fn sources(&self) -> Result<Vec<Source>> {
        let sql = format!(
            "SELECT {SOURCE_COLUMNS} FROM sources s JOIN outlets o ON o.id = s.outlet_id ORDER BY o.name, s.id"
        );
        let rows: Vec<SourceRow> = on_db!(self, pool => sqlx::query_as(&sql).fetch_all(pool).await?);
        rows.into_iter().map(SourceRow::into_source).collect()
    }

    /// Takes the lease of at most `limit` sources due by `now` that no other node holds, the
    /// longest due first; returns them. A few at a time, so that several nodes share a long
    /// queue and a node that stops strands only what it had taken.
    pub async fn claim_due_sources(&self, now: Timestamp, limit: u32) -> Result<Vec<Source>> {
        // On PostgreSQL, nodes claiming at once pass over each other's rows instead of waiting
        // for them and then finding them taken; SQLite has one writer at a time.
        let skip_taken = if self.backend() == "postgres" { "FOR UPDATE SKIP LOCKED" } else { "" };
        let sql = format!(
            "UPDATE sources SET lease_until = $1 WHERE id IN ( \
               SELECT id FROM sources WHERE next_poll_at <= $2 AND (lease_until IS NULL OR lease_until < $2) \
               ORDER BY next_poll_at, id LIMIT {} {skip_taken}) \
             AND (lease_until IS NULL OR lease_until < $2) RETURNING id",
            limit.clamp(1, 100)
        );
        let ids: Vec<i64> = on_db!(self, pool => {
            sqlx::query_scalar(&sql)
                .bind(now.as_second() + LEASE_SECONDS)
                .bind(now.as_second())
                .fetch_all(pool)
                .await?
        });
        let mut claimed = Vec::with_capacity(ids.len());
        for id in ids {
            claimed.push(self.source(id).await?);
        }
        claimed.sort_by_key(|s| (s.next_poll_at, s.id));
        Ok(claimed)
    }

    /// Extends the lease of a source this node is polling, so that a poll longer than the lease
    /// is not taken up by another node. `false` when the lease was no longer this poll's to
    /// extend (it had run out and another node took the source).
    pub async fn renew_source_lease(&self, id: i64, held_until: i64, now: Timestamp) -> Result<Option<i64>> {
        let until = now.as_second() + LEASE_SECONDS;
        let n = on_db!(self, pool => {
            sqlx::query("UPDATE sources SET lease_until = $1 WHERE id = $2 AND lease_until = $3")
                .bind(until)
                .bind(id)
                .bind(held_until)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok((n == 1).then_some(until))
    }

    /// Takes the lease of one source now, due or not (a pull asked for by hand); `false` when
    /// another node is polling it.
    pub async fn claim_source(&self, id: i64, now: Timestamp) -> Result<bool> {
        let n = on_db!(self, pool => {
            sqlx::query("UPDATE sources SET lease_until = $1 WHERE id = $2 AND (lease_until IS NULL OR lease_until < $3)")
                .bind(now.as_second() + LEASE_SECONDS)
                .bind(id)
                .bind(now.as_second())
                .execute(pool)
                .await?
                .rows_affected()
        });
        if n == 0 {
            self.source(id).await?;
        }
        Ok(n == 1)
    }

    /// Ends a poll: releases the lease and sets the next poll. A success remembers the feed's
    /// validators and clears the failures; a failure keeps the old validators, counts it, and
    /// waits twice as long as the time before.
    pub async fn finish_poll(
        &self,
        source: &Source,
        now: Timestamp,
        outcome: std::result::Result<(Option<String>, Option<String>), String>,
    ) -> Result<Source> {
        let (failures, error, etag, last_modified, success) = match outcome {
            Ok((etag, modified)) => (0, None, etag, modified, Some(now.as_second())),
            Err(e) => (source.failures + 1, Some(e), source.etag.clone(), source.last_modified.clone(), None),
        };
        let wait = backoff_minutes(source.interval_minutes, failures) * 60;
        on_db!(self, pool => {
            sqlx::query(
                "UPDATE sources SET lease_until = NULL, last_polled_at = $1, next_poll_at = $2, failures = $3, \
                 last_error = $4, etag = $5, last_modified = $6, last_success_at = COALESCE($7, last_success_at) \
                 WHERE id = $8",
            )
            .bind(now.as_second())
            .bind(now.as_second() + wait)
            .bind(failures)
            .bind(&error)
            .bind(&etag)
            .bind(&last_modified)
            .bind(success)
            .bind(source.id)
            .execute(pool)
            .await?;
        });
        self.source(source.id).await
    }

    /// Notes something about a source for the newsroom; the newest 200 lines are kept.
    pub async fn log_source_event(&self, source_id: i64, message: &str) -> Result<()> {
        on_db!(self, pool => {
            sqlx::query("INSERT INTO source_events (source_id, at, message) VALUES ($1, $2, $3)")
                .bind(source_id)
                .bind(now_seconds())
                .bind(message)
                .execute(pool)
                .await?;
            sqlx::query(
                "DELETE FROM source_events WHERE source_id = $1 AND id NOT IN \
                 (SELECT id FROM source_events WHERE source_id = $1 ORDER BY id DESC LIMIT 200)",
            )
            .bind(source_id)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// A source's log, newest first.
    pub async fn source_events(&self, source_id: i64, limit: u32) -> Result<Vec<SourceEvent>> {
        let rows: Vec<(i64, String)> = on_db!(self, pool => {
            sqlx::query_as("SELECT at, message FROM source_events WHERE source_id = $1 ORDER BY id DESC LIMIT $2")
                .bind(source_id)
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(|(at, message)| Ok(SourceEvent { at: timestamp(at)?, message })).collect()
    }

    /// The article an item already became, found by its identity in this source, else by the
    /// original's address, else by the hash of its text: a re-pulled item, an item whose guid
    /// changed, and the same article from another partner are all known again.
    pub async fn find_syndicated(
        &self,
        source_id: i64,
        item_key: &str,
        original_url: &str,
        content_hash: &str,
    ) -> Result<Option<Syndication>> {
        let sql = format!(
            "SELECT {SYNDICATION_COLUMNS} FROM syndicated_articles y WHERE y.article_id = \
             COALESCE((SELECT article_id FROM ingested_items WHERE source_id = $1 AND item_key = $2), \
                      (SELECT article_id FROM syndicated_articles WHERE original_url = $3 ORDER BY article_id LIMIT 1), \
                      (SELECT article_id FROM syndicated_articles WHERE content_hash = $4 ORDER BY article_id LIMIT 1))"
        );
        let row: Option<SyndicationTuple> = on_db!(self, pool => {
            sqlx::query_as(&sql).bind(source_id).bind(item_key).bind(original_url).bind(content_hash).fetch_optional(pool).await?
        });
        row.map(syndication).transpose()
    }

    /// Published copies taken in whose original was not checked since `due_before` (never
    /// checked first), at most `limit`: what the check of originals looks at next.
    pub async fn originals_to_check(&self, due_before: Timestamp, limit: u32) -> Result<Vec<OriginalCheck>> {
        /// (article, source, original, last checked, title)
        type CheckRow = (i64, Option<i64>, String, Option<i64>, String);
        let rows: Vec<CheckRow> = on_db!(self, pool => {
            sqlx::query_as(
                "SELECT y.article_id, y.source_id, y.original_url, y.original_checked_at, a.title \
                 FROM syndicated_articles y JOIN articles a ON a.id = y.article_id \
                 WHERE a.status = 'published' AND (y.original_checked_at IS NULL OR y.original_checked_at < $1) \
                 ORDER BY y.original_checked_at IS NOT NULL, y.original_checked_at, y.article_id LIMIT $2",
            )
            .bind(due_before.as_second())
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(article_id, source_id, original_url, checked_at, title)| OriginalCheck {
                article_id,
                source_id,
                original_url,
                checked_at,
                title,
            })
            .collect())
    }

    /// Claims the check of `check`'s original at `now`; false when another node claimed it
    /// since it was read.
    pub async fn claim_original_check(&self, check: &OriginalCheck, now: Timestamp) -> Result<bool> {
        let claimed = on_db!(self, pool => {
            sqlx::query(
                "UPDATE syndicated_articles SET original_checked_at = $1 \
                 WHERE article_id = $2 AND original_checked_at IS NOT DISTINCT FROM $3",
            )
            .bind(now.as_second())
            .bind(check.article_id)
            .bind(check.checked_at)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(claimed == 1)
    }

    /// Where an article was taken in from, when it was.
    pub async fn syndication(&self, article_id: i64) -> Result<Option<Syndication>> {
        let sql = format!("SELECT {SYNDICATION_COLUMNS} FROM syndicated_articles y WHERE y.article_id = $1");
        let row: Option<SyndicationTuple> =
            on_db!(self, pool => sqlx::query_as(&sql).bind(article_id).fetch_optional(pool).await?);
        row.map(syndication).transpose()
    }

    /// The articles taken in, newest first: what waits in the queue and what was published.
    pub async fn ingest_queue(&self, limit: u32) -> Result<Vec<QueueEntry>> {
        let sql = format!(
            "SELECT {SYNDICATION_COLUMNS}, a.title, a.status, o.name FROM syndicated_articles y \
             JOIN articles a ON a.id = y.article_id LEFT JOIN sources s ON s.id = y.source_id \
             LEFT JOIN outlets o ON o.id = s.outlet_id ORDER BY y.taken_in_at DESC, y.article_id DESC LIMIT $1"
        );
        let rows = on_db!(self, pool => {
            let mut out = Vec::new();
            for r in sqlx::query(&sql).bind(i64::from(limit)).fetch_all(pool).await? {
                use sqlx::{FromRow, Row};
                let t: SyndicationTuple = FromRow::from_row(&r)?;
                out.push((t, r.try_get::<String, _>("title")?, r.try_get::<String, _>("status")?, r.try_get::<Option<String>, _>("name")?));
            }
            out
        });
        rows.into_iter()
            .map(|(t, title, status, outlet)| {
                let syndication = syndication(t)?;
                let status = status.parse().map_err(|e| StoreError::Corrupt(format!("{e}")))?;
                Ok(QueueEntry { syndication, title, status, outlet })
            })
            .collect()
    }

    /// The outlet called `name`, made when there is none yet (an outlet named in a chain of
    /// republication).
    pub async fn outlet_named(
        &self,
        name: &str,
        homepage: Option<&masthead_core::AbsoluteUrl>,
    ) -> Result<Outlet> {
        let slug =
            Slug::from_title(name).map_err(|e| StoreError::Invalid(format!("outlet {name:?}: {e}")))?;
        let found: Option<OutletRow> = on_db!(self, pool => {
            sqlx::query_as("SELECT id, slug, name, homepage FROM outlets WHERE slug = $1 OR name = $2 ORDER BY id LIMIT 1")
                .bind(slug.as_str())
                .bind(name)
                .fetch_optional(pool)
                .await?
        });
        match found {
            Some(row) => row.into_outlet(),
            None => {
                self.create_outlet(&NewOutlet { slug, name: name.to_owned(), homepage: homepage.cloned() })
                    .await
            }
        }
    }

    /// The partner's author called `name`, made (marked external, linked to the outlet) when
    /// there is none yet. Two outlets' authors of one name stay two people.
    pub async fn external_author(&self, name: &str, outlet: &Outlet) -> Result<Author> {
        let sql = format!(
            "SELECT {AUTHOR_COLUMNS} FROM authors au WHERE au.name = $1 AND au.outlet_id = $2 LIMIT 1"
        );
        let found: Option<AuthorRow> =
            on_db!(self, pool => sqlx::query_as(&sql).bind(name).bind(outlet.id).fetch_optional(pool).await?);
        if let Some(row) = found {
            return row.into_author();
        }
        let base =
            Slug::from_title(name).map_err(|e| StoreError::Invalid(format!("author {name:?}: {e}")))?;
        let candidates = [base.to_string(), format!("{base}-{}", outlet.slug)];
        for (i, candidate) in candidates
            .iter()
            .cloned()
            .chain((2..50).map(|n| format!("{base}-{}-{n}", outlet.slug)))
            .enumerate()
        {
            let slug = Slug::parse(&candidate).map_err(|e| StoreError::Invalid(e.to_string()))?;
            let new = NewAuthor {
                slug,
                name: name.to_owned(),
                bio: String::new(),
                links: vec![],
                avatar_media_id: None,
                outlet_id: Some(outlet.id),
            };
            match self.create_author(&new).await {
                Ok(author) => return Ok(author),
                Err(StoreError::Conflict { .. }) if i < 50 => continue,
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::Invalid(format!("no free address for the author {name:?}")))
    }
}
