//! Newsletter sends and their recipients (migration 0018): what is due, who it goes to, and
//! each recipient's way through pending → claimed → sending → sent, claimed in batches under
//! leases so that any number of nodes can work on one send and none sends a member the same
//! e-mail twice.

use jiff::Timestamp;

use crate::rows::row;
use crate::{Result, Store, StoreError, now_seconds, on_db};

/// What a send carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendKind {
    Article,
    Digest,
}

impl SendKind {
    fn key(self) -> &'static str {
        match self {
            SendKind::Article => "article",
            SendKind::Digest => "digest",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Send {
    pub id: i64,
    pub kind: SendKind,
    pub article_id: Option<i64>,
    pub digest_id: Option<i64>,
    pub newsletter_ids: Vec<i64>,
    pub label_ids: Vec<i64>,
    /// `waiting`, `sending`, `done` or `cancelled`.
    pub status: String,
    pub due_at: i64,
    pub requested_by: Option<i64>,
    pub subject: String,
    /// The e-mail as it goes out (JSON written by the newsroom), once the send has started.
    pub issue: Option<String>,
    pub opens: i64,
    pub clicks: i64,
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
}

/// A send to make.
#[derive(Debug, Clone)]
pub struct NewSend {
    pub kind: SendKind,
    pub article_id: Option<i64>,
    pub digest_id: Option<i64>,
    pub newsletter_ids: Vec<i64>,
    pub label_ids: Vec<i64>,
    pub due_at: i64,
    pub requested_by: Option<i64>,
    pub subject: String,
    pub issue: Option<String>,
}

/// Where a send stands, by recipients.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SendProgress {
    pub total: i64,
    /// Not yet handed to the mail server (pending, claimed, or waiting to be tried again).
    pub left: i64,
    /// Being handed over now.
    pub sending: i64,
    pub sent: i64,
    pub failed: i64,
    /// On the suppression list when the send started (bounced, complained, refused).
    pub suppressed: i64,
    /// In flight when a node stopped without recording the result: they may or may not have
    /// received it, and are not sent it again.
    pub uncertain: i64,
}

/// A recipient claimed by one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    pub member_id: i64,
    pub email: String,
    pub attempts: i64,
}

/// How handing one message to the mail server ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecipientResult {
    Sent,
    /// Try again at this time (Unix seconds).
    Retry {
        at: i64,
        error: String,
    },
    Failed {
        error: String,
    },
}

row!(SendRow {
    id: i64,
    kind: String,
    article_id: Option<i64>,
    digest_id: Option<i64>,
    newsletter_ids: String,
    label_ids: String,
    status: String,
    due_at: i64,
    requested_by: Option<i64>,
    subject: String,
    issue: Option<String>,
    opens: i64,
    clicks: i64,
    created_at: i64,
    started_at: Option<i64>,
    finished_at: Option<i64>,
});

const COLUMNS: &str = "id, kind, article_id, digest_id, newsletter_ids, label_ids, status, due_at, requested_by, \
                       subject, issue, opens, clicks, created_at, started_at, finished_at";

impl SendRow {
    fn into_send(self) -> Result<Send> {
        let ids = |json: &str| -> Result<Vec<i64>> {
            serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("send {}: {e}", self.id)))
        };
        Ok(Send {
            kind: if self.kind == "digest" { SendKind::Digest } else { SendKind::Article },
            newsletter_ids: ids(&self.newsletter_ids)?,
            label_ids: ids(&self.label_ids)?,
            id: self.id,
            article_id: self.article_id,
            digest_id: self.digest_id,
            status: self.status,
            due_at: self.due_at,
            requested_by: self.requested_by,
            subject: self.subject,
            issue: self.issue,
            opens: self.opens,
            clicks: self.clicks,
            created_at: self.created_at,
            started_at: self.started_at,
            finished_at: self.finished_at,
        })
    }
}

fn json_ids(ids: &[i64]) -> String {
    serde_json::to_string(ids).unwrap_or_else(|_| "[]".into())
}

/// `$first, $first+1, …` for `n` values.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

impl Store {
    /// Makes a send, waiting until `due_at`.
    pub async fn create_send(&self, new: &NewSend) -> Result<Send> {
        let row: SendRow = on_db!(self, pool => {
            sqlx::query_as(&format!(
                "INSERT INTO sends (kind, article_id, digest_id, newsletter_ids, label_ids, status, due_at, requested_by, \
                 subject, issue, created_at) VALUES ($1, $2, $3, $4, $5, 'waiting', $6, $7, $8, $9, $10) RETURNING {COLUMNS}"
            ))
            .bind(new.kind.key())
            .bind(new.article_id)
            .bind(new.digest_id)
            .bind(json_ids(&new.newsletter_ids))
            .bind(json_ids(&new.label_ids))
            .bind(new.due_at)
            .bind(new.requested_by)
            .bind(&new.subject)
            .bind(&new.issue)
            .bind(now_seconds())
            .fetch_one(pool)
            .await?
        });
        row.into_send()
    }

    /// Asks for `article` to go out by e-mail, or changes what was asked while it still waits.
    /// Once its send has started, it cannot be asked again (`Conflict`).
    pub async fn request_article_send(
        &self,
        article: i64,
        newsletter_ids: &[i64],
        label_ids: &[i64],
        due_at: i64,
        by: Option<i64>,
    ) -> Result<Send> {
        if let Some(existing) = self.article_send(article).await? {
            if existing.status != "waiting" && existing.status != "cancelled" {
                return Err(StoreError::Conflict { what: "sends.article_id".into() });
            }
            let row: Option<SendRow> = on_db!(self, pool => {
                sqlx::query_as(&format!(
                    "UPDATE sends SET newsletter_ids = $1, label_ids = $2, due_at = $3, requested_by = $4, status = 'waiting' \
                     WHERE id = $5 AND status IN ('waiting', 'cancelled') RETURNING {COLUMNS}"
                ))
                .bind(json_ids(newsletter_ids))
                .bind(json_ids(label_ids))
                .bind(due_at)
                .bind(by)
                .bind(existing.id)
                .fetch_optional(pool)
                .await?
            });
            return match row {
                Some(row) => row.into_send(),
                None => Err(StoreError::Conflict { what: "sends.article_id".into() }),
            };
        }
        self.create_send(&NewSend {
            kind: SendKind::Article,
            article_id: Some(article),
            digest_id: None,
            newsletter_ids: newsletter_ids.to_vec(),
            label_ids: label_ids.to_vec(),
            due_at,
            requested_by: by,
            subject: String::new(),
            issue: None,
        })
        .await
    }

    /// Withdraws an article's send that has not started. Says whether there was one.
    pub async fn cancel_waiting_send(&self, send: i64) -> Result<bool> {
        let done = on_db!(self, pool => {
            sqlx::query("UPDATE sends SET status = 'cancelled' WHERE id = $1 AND status = 'waiting'")
                .bind(send)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(done == 1)
    }

    pub async fn article_send(&self, article: i64) -> Result<Option<Send>> {
        let row: Option<SendRow> = on_db!(self, pool => {
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM sends WHERE article_id = $1 AND kind = 'article'"))
                .bind(article)
                .fetch_optional(pool)
                .await?
        });
        row.map(SendRow::into_send).transpose()
    }

    pub async fn send(&self, id: i64) -> Result<Send> {
        let row: Option<SendRow> = on_db!(self, pool => {
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM sends WHERE id = $1")).bind(id).fetch_optional(pool).await?
        });
        row.ok_or(StoreError::NotFound)?.into_send()
    }

    /// The newest sends, a page at a time (`before`: the last id of the previous page).
    pub async fn sends(&self, before: Option<i64>, limit: u32) -> Result<Vec<Send>> {
        let rows: Vec<SendRow> = on_db!(self, pool => {
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM sends WHERE id < $1 ORDER BY id DESC LIMIT $2"))
                .bind(before.unwrap_or(i64::MAX))
                .bind(i64::from(limit.clamp(1, 200)))
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(SendRow::into_send).collect()
    }

    /// Sends whose time has come and that have not started: digests, and articles that are
    /// published by now.
    pub async fn due_sends(&self, now: Timestamp) -> Result<Vec<Send>> {
        let rows: Vec<SendRow> = on_db!(self, pool => {
            sqlx::query_as(&format!(
                "SELECT {COLUMNS} FROM sends s WHERE status = 'waiting' AND due_at <= $1 AND (kind = 'digest' OR EXISTS ( \
                   SELECT 1 FROM articles a WHERE a.id = s.article_id AND a.status = 'published' \
                   AND a.published_at IS NOT NULL AND a.published_at <= $1)) ORDER BY due_at, id LIMIT 20"
            ))
            .bind(now.as_second())
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(SendRow::into_send).collect()
    }

    /// Sends that have started and not finished.
    pub async fn sends_in_progress(&self) -> Result<Vec<Send>> {
        let rows: Vec<SendRow> = on_db!(self, pool => {
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM sends WHERE status = 'sending' ORDER BY id LIMIT 50"))
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(SendRow::into_send).collect()
    }

    /// Starts `send` with this subject and e-mail, and writes down its recipients: the active
    /// members of its newsletters (of its labels, when it names some), each once; addresses on
    /// the suppression list are written as `suppressed`. In one transaction, and only once: a
    /// second caller (another node) gets `None`. Returns how many recipients it has.
    pub async fn start_send(
        &self,
        send: &Send,
        subject: &str,
        issue: &str,
        now: Timestamp,
    ) -> Result<Option<i64>> {
        let labels = if send.label_ids.is_empty() {
            String::new()
        } else {
            format!(
                " AND EXISTS (SELECT 1 FROM member_labels ml WHERE ml.member_id = m.id AND ml.label_id IN ({}))",
                placeholders(3, send.label_ids.len())
            )
        };
        let insert = format!(
            "INSERT INTO send_recipients (send_id, member_id, email, state) \
             SELECT $1, m.id, m.email, CASE WHEN EXISTS (SELECT 1 FROM suppressions x WHERE x.email = m.email) \
               THEN 'suppressed' ELSE 'pending' END \
             FROM member_newsletters mn JOIN members m ON m.id = mn.member_id \
             WHERE mn.newsletter_id = $2 AND m.status = 'active'{labels} \
             ON CONFLICT (send_id, member_id) DO NOTHING"
        );
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let started = sqlx::query(
                "UPDATE sends SET status = 'sending', subject = $1, issue = $2, started_at = $3 WHERE id = $4 AND status = 'waiting'",
            )
            .bind(subject)
            .bind(issue)
            .bind(now.as_second())
            .bind(send.id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if started == 0 {
                return Ok(None);
            }
            for newsletter in &send.newsletter_ids {
                let mut q = sqlx::query(&insert).bind(send.id).bind(newsletter);
                for label in &send.label_ids {
                    q = q.bind(label);
                }
                q.execute(&mut *tx).await?;
            }
            let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM send_recipients WHERE send_id = $1")
                .bind(send.id)
                .fetch_one(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(Some(total))
        })
    }

    /// Puts right what stopped nodes left: recipients claimed under a lease that ran out go back
    /// to pending (they were never handed over); those left `sending` become `uncertain`.
    /// Returns (returned, uncertain).
    pub async fn recover_send(&self, send: i64, now: Timestamp) -> Result<(u64, u64)> {
        on_db!(self, pool => {
            let returned = sqlx::query(
                "UPDATE send_recipients SET state = 'pending', claimed_by = NULL, lease_until = NULL \
                 WHERE send_id = $1 AND state = 'claimed' AND lease_until < $2",
            )
            .bind(send)
            .bind(now.as_second())
            .execute(pool)
            .await?
            .rows_affected();
            let uncertain = sqlx::query(
                "UPDATE send_recipients SET state = 'uncertain', error = 'in flight when its node stopped' \
                 WHERE send_id = $1 AND state = 'sending' AND lease_until < $2",
            )
            .bind(send)
            .bind(now.as_second())
            .execute(pool)
            .await?
            .rows_affected();
            Ok((returned, uncertain))
        })
    }

    /// Claims up to `limit` recipients of `send` that are pending or due to be tried again, for
    /// `node`, until `lease_until`. No two callers get the same recipient.
    pub async fn claim_recipients(
        &self,
        send: i64,
        node: &str,
        now: Timestamp,
        lease_until: i64,
        limit: u32,
    ) -> Result<Vec<Claimed>> {
        let skip_locked =
            if matches!(self.db, crate::Db::Postgres(_)) { " FOR UPDATE SKIP LOCKED" } else { "" };
        let sql = format!(
            // The batch is chosen once, in a CTE: PostgreSQL may run a LIMIT subquery inside
            // `IN (…)` more than once, and so claim more than asked.
            "WITH picked AS ( \
               SELECT member_id FROM send_recipients WHERE send_id = $3 \
               AND (state = 'pending' OR (state = 'retry' AND next_attempt_at <= $4)) \
               ORDER BY member_id LIMIT {}{skip_locked}) \
             UPDATE send_recipients SET state = 'claimed', claimed_by = $1, lease_until = $2 \
             WHERE send_id = $3 AND (state = 'pending' OR (state = 'retry' AND next_attempt_at <= $4)) \
             AND member_id IN (SELECT member_id FROM picked) \
             RETURNING member_id, email, attempts",
            limit.clamp(1, 1000)
        );
        let rows: Vec<(i64, String, i64)> = on_db!(self, pool => {
            sqlx::query_as(&sql).bind(node).bind(lease_until).bind(send).bind(now.as_second()).fetch_all(pool).await?
        });
        let mut claimed: Vec<Claimed> = rows
            .into_iter()
            .map(|(member_id, email, attempts)| Claimed { member_id, email, attempts })
            .collect();
        claimed.sort_by_key(|c| c.member_id);
        Ok(claimed)
    }

    /// Writes down that these claimed recipients' messages are about to be handed over. Only
    /// rows still claimed by `node` change; returns the members whose rows did.
    pub async fn mark_sending(
        &self,
        send: i64,
        node: &str,
        members: &[i64],
        lease_until: i64,
    ) -> Result<Vec<i64>> {
        if members.is_empty() {
            return Ok(Vec::new());
        }
        self.record_and_mark(send, node, &[], members, lease_until, Timestamp::now()).await
    }

    /// Records how handing over ended, for a batch of recipients, in one transaction.
    pub async fn record_results(
        &self,
        send: i64,
        node: &str,
        results: &[(i64, RecipientResult)],
        now: Timestamp,
    ) -> Result<()> {
        if results.is_empty() {
            return Ok(());
        }
        self.record_and_mark(send, node, results, &[], 0, now).await.map(drop)
    }

    /// One write for the work of several connections: records `results` and marks `marks` as
    /// being handed over (only rows still claimed by `node`), in one transaction. Returns the
    /// members marked. A send's connections share this, so that the database sees one commit per
    /// round rather than two per message.
    pub async fn record_and_mark(
        &self,
        send: i64,
        node: &str,
        results: &[(i64, RecipientResult)],
        marks: &[i64],
        lease_until: i64,
        now: Timestamp,
    ) -> Result<Vec<i64>> {
        let sent: Vec<i64> =
            results.iter().filter(|(_, r)| *r == RecipientResult::Sent).map(|(m, _)| *m).collect();
        let sent_sql = format!(
            "UPDATE send_recipients SET state = 'sent', sent_at = $1, error = NULL \
             WHERE send_id = $2 AND claimed_by = $3 AND state = 'sending' AND member_id IN ({})",
            placeholders(4, sent.len())
        );
        let mark_sql = format!(
            "UPDATE send_recipients SET state = 'sending', lease_until = $1 \
             WHERE send_id = $2 AND claimed_by = $3 AND state = 'claimed' AND member_id IN ({}) RETURNING member_id",
            placeholders(4, marks.len())
        );
        let marked = on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            if !sent.is_empty() {
                let mut q = sqlx::query(&sent_sql).bind(now.as_second()).bind(send).bind(node);
                for m in &sent {
                    q = q.bind(m);
                }
                q.execute(&mut *tx).await?;
            }
            for (member, result) in results {
                let (state, at, error) = match result {
                    RecipientResult::Sent => continue,
                    RecipientResult::Retry { at, error } => ("retry", Some(*at), error),
                    RecipientResult::Failed { error } => ("failed", None, error),
                };
                sqlx::query(
                    "UPDATE send_recipients SET state = $1, next_attempt_at = $2, error = $3, attempts = attempts + 1, \
                     claimed_by = NULL, lease_until = NULL \
                     WHERE send_id = $4 AND member_id = $5 AND claimed_by = $6 AND state IN ('claimed', 'sending')",
                )
                .bind(state)
                .bind(at)
                .bind(error)
                .bind(send)
                .bind(member)
                .bind(node)
                .execute(&mut *tx)
                .await?;
            }
            let marked: Vec<i64> = if marks.is_empty() {
                Vec::new()
            } else {
                let mut q = sqlx::query_scalar(&mark_sql).bind(lease_until).bind(send).bind(node);
                for m in marks {
                    q = q.bind(m);
                }
                q.fetch_all(&mut *tx).await?
            };
            tx.commit().await?;
            marked
        });
        Ok(marked)
    }

    /// Gives back recipients that `node` claimed and never started (it is stopping).
    pub async fn release_claims(&self, send: i64, node: &str) -> Result<()> {
        on_db!(self, pool => {
            sqlx::query(
                "UPDATE send_recipients SET state = 'pending', claimed_by = NULL, lease_until = NULL \
                 WHERE send_id = $1 AND claimed_by = $2 AND state = 'claimed'",
            )
            .bind(send)
            .bind(node)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Extends the lease on everything `node` holds of `send`.
    pub async fn renew_claims(&self, send: i64, node: &str, lease_until: i64) -> Result<()> {
        on_db!(self, pool => {
            sqlx::query(
                "UPDATE send_recipients SET lease_until = $1 WHERE send_id = $2 AND claimed_by = $3 AND state IN ('claimed', 'sending')",
            )
            .bind(lease_until)
            .bind(send)
            .bind(node)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Marks `send` done when no recipient is left to try. Says whether it did.
    pub async fn finish_send_if_done(&self, send: i64, now: Timestamp) -> Result<bool> {
        let done = on_db!(self, pool => {
            sqlx::query(
                "UPDATE sends SET status = 'done', finished_at = $1 WHERE id = $2 AND status = 'sending' AND NOT EXISTS ( \
                   SELECT 1 FROM send_recipients WHERE send_id = $2 AND state IN ('pending', 'claimed', 'sending', 'retry'))",
            )
            .bind(now.as_second())
            .bind(send)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(done == 1)
    }

    /// The earliest time a recipient of `send` waits to be tried again, if any waits.
    pub async fn next_retry(&self, send: i64) -> Result<Option<i64>> {
        Ok(on_db!(self, pool => {
            sqlx::query_scalar("SELECT MIN(next_attempt_at) FROM send_recipients WHERE send_id = $1 AND state = 'retry'")
                .bind(send)
                .fetch_one(pool)
                .await?
        }))
    }

    pub async fn send_progress(&self, send: i64) -> Result<SendProgress> {
        let rows: Vec<(String, i64)> = on_db!(self, pool => {
            sqlx::query_as("SELECT state, COUNT(*) FROM send_recipients WHERE send_id = $1 GROUP BY state")
                .bind(send)
                .fetch_all(pool)
                .await?
        });
        let mut p = SendProgress::default();
        for (state, n) in rows {
            p.total += n;
            match state.as_str() {
                "pending" | "claimed" | "retry" => p.left += n,
                "sending" => p.sending += n,
                "sent" => p.sent += n,
                "failed" => p.failed += n,
                "suppressed" => p.suppressed += n,
                _ => p.uncertain += n,
            }
        }
        Ok(p)
    }

    /// The recipients of `send` in `state`, a page at a time by member: for the admin's lists of
    /// failed and uncertain messages, and for tests.
    pub async fn send_recipients_in(
        &self,
        send: i64,
        state: &str,
        after: i64,
        limit: u32,
    ) -> Result<Vec<(i64, String, Option<String>)>> {
        Ok(on_db!(self, pool => {
            sqlx::query_as(
                "SELECT member_id, email, error FROM send_recipients WHERE send_id = $1 AND state = $2 AND member_id > $3 \
                 ORDER BY member_id LIMIT $4",
            )
            .bind(send)
            .bind(state)
            .bind(after)
            .bind(i64::from(limit.clamp(1, 1000)))
            .fetch_all(pool)
            .await?
        }))
    }

    /// Counts one open or one click of `send` (as a whole: nothing per reader is kept).
    pub async fn count_send_event(&self, send: i64, click: bool) -> Result<()> {
        let sql = if click {
            "UPDATE sends SET clicks = clicks + 1 WHERE id = $1"
        } else {
            "UPDATE sends SET opens = opens + 1 WHERE id = $1"
        };
        on_db!(self, pool => {
            sqlx::query(sql).bind(send).execute(pool).await?;
        });
        Ok(())
    }
}

/// A digest: the articles of a period (of one region, theme or tag, or all), e-mailed to a
/// newsletter's members every day or every week at an hour of the site's time zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    pub id: i64,
    pub name: String,
    pub newsletter_id: i64,
    pub term_id: Option<i64>,
    /// `day` or `week`.
    pub every: String,
    /// 0 = Monday … 6 = Sunday.
    pub weekday: i64,
    pub hour: i64,
    pub active: bool,
    /// The end of the period the last issue covered.
    pub covered_until: i64,
    pub created_at: i64,
}

#[derive(Debug, Clone)]
pub struct NewDigest {
    pub name: String,
    pub newsletter_id: i64,
    pub term_id: Option<i64>,
    pub every: String,
    pub weekday: i64,
    pub hour: i64,
    pub active: bool,
}

row!(DigestRow {
    id: i64,
    name: String,
    newsletter_id: i64,
    term_id: Option<i64>,
    every: String,
    weekday: i64,
    hour: i64,
    active: bool,
    covered_until: i64,
    created_at: i64,
});

impl From<DigestRow> for Digest {
    fn from(r: DigestRow) -> Digest {
        Digest {
            id: r.id,
            name: r.name,
            newsletter_id: r.newsletter_id,
            term_id: r.term_id,
            every: r.every,
            weekday: r.weekday,
            hour: r.hour,
            active: r.active,
            covered_until: r.covered_until,
            created_at: r.created_at,
        }
    }
}

const DIGEST_COLUMNS: &str =
    "id, name, newsletter_id, term_id, every, weekday, hour, active, covered_until, created_at";

impl Store {
    pub async fn digests(&self) -> Result<Vec<Digest>> {
        let rows: Vec<DigestRow> = on_db!(self, pool => {
            sqlx::query_as(&format!("SELECT {DIGEST_COLUMNS} FROM digests ORDER BY id")).fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(Digest::from).collect())
    }

    pub async fn digest(&self, id: i64) -> Result<Digest> {
        let row: Option<DigestRow> = on_db!(self, pool => {
            sqlx::query_as(&format!("SELECT {DIGEST_COLUMNS} FROM digests WHERE id = $1")).bind(id).fetch_optional(pool).await?
        });
        row.map(Digest::from).ok_or(StoreError::NotFound)
    }

    /// A new digest covers what is published from now on.
    pub async fn create_digest(&self, new: &NewDigest, now: Timestamp) -> Result<Digest> {
        let row: DigestRow = on_db!(self, pool => {
            sqlx::query_as(&format!(
                "INSERT INTO digests (name, newsletter_id, term_id, every, weekday, hour, active, covered_until, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING {DIGEST_COLUMNS}"
            ))
            .bind(&new.name)
            .bind(new.newsletter_id)
            .bind(new.term_id)
            .bind(&new.every)
            .bind(new.weekday)
            .bind(new.hour)
            .bind(new.active)
            .bind(now.as_second())
            .fetch_one(pool)
            .await?
        });
        Ok(row.into())
    }

    pub async fn update_digest(&self, id: i64, new: &NewDigest) -> Result<Digest> {
        let row: Option<DigestRow> = on_db!(self, pool => {
            sqlx::query_as(&format!(
                "UPDATE digests SET name = $1, newsletter_id = $2, term_id = $3, every = $4, weekday = $5, hour = $6, \
                 active = $7 WHERE id = $8 RETURNING {DIGEST_COLUMNS}"
            ))
            .bind(&new.name)
            .bind(new.newsletter_id)
            .bind(new.term_id)
            .bind(&new.every)
            .bind(new.weekday)
            .bind(new.hour)
            .bind(new.active)
            .bind(id)
            .fetch_optional(pool)
            .await?
        });
        row.map(Digest::from).ok_or(StoreError::NotFound)
    }

    pub async fn delete_digest(&self, id: i64) -> Result<()> {
        let n = on_db!(self, pool => {
            sqlx::query("DELETE FROM digests WHERE id = $1").bind(id).execute(pool).await?.rows_affected()
        });
        if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    /// Takes the period from `from` to `to` for an issue of `digest`: true for exactly one caller.
    pub async fn claim_digest_period(&self, digest: i64, from: i64, to: i64) -> Result<bool> {
        let n = on_db!(self, pool => {
            sqlx::query("UPDATE digests SET covered_until = $1 WHERE id = $2 AND covered_until = $3")
                .bind(to)
                .bind(digest)
                .bind(from)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n == 1)
    }
}

impl Store {
    /// A message that was handed over came back as a soft bounce (the mailbox was full, the
    /// server busy): the recipient is tried again at `at`, unless it has been tried
    /// `max_attempts` times; a finished send takes up its work again. Says whether it will be.
    pub async fn retry_after_soft_bounce(
        &self,
        send: i64,
        member: i64,
        at: i64,
        max_attempts: i64,
    ) -> Result<bool> {
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query(
                "UPDATE send_recipients SET state = 'retry', attempts = attempts + 1, next_attempt_at = $1, \
                 error = 'soft bounce', claimed_by = NULL, lease_until = NULL \
                 WHERE send_id = $2 AND member_id = $3 AND state = 'sent' AND attempts + 1 < $4",
            )
            .bind(at)
            .bind(send)
            .bind(member)
            .bind(max_attempts)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 1 {
                sqlx::query("UPDATE sends SET status = 'sending', finished_at = NULL WHERE id = $1 AND status = 'done'")
                    .bind(send)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(n == 1)
        })
    }
}
