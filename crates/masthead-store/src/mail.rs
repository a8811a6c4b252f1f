//! What mail servers told us back: addresses no newsletter goes to any more (`suppressions`)
//! and every bounce or complaint read (`bounces`). Addresses are kept lower-cased, so that a
//! report that spells one differently still finds it.

use crate::{Result, Store, now_seconds, on_db, timestamp};

/// Why an address is suppressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuppressionReason {
    /// A hard bounce: the mailbox does not exist, or will never take mail.
    Bounced,
    /// The reader marked a message as spam (a feedback report).
    Complained,
    /// The mail server refused the address for good when we sent.
    Refused,
}

impl SuppressionReason {
    pub fn key(self) -> &'static str {
        match self {
            SuppressionReason::Bounced => "bounced",
            SuppressionReason::Complained => "complained",
            SuppressionReason::Refused => "refused",
        }
    }

    fn parse(key: &str) -> Option<SuppressionReason> {
        Some(match key {
            "bounced" => SuppressionReason::Bounced,
            "complained" => SuppressionReason::Complained,
            "refused" => SuppressionReason::Refused,
            _ => return None,
        })
    }
}

/// What kind of report a bounce was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BounceKind {
    /// Permanent: the address is suppressed.
    Hard,
    /// Temporary: the send tries again later.
    Soft,
    /// A complaint: the address is suppressed.
    Complaint,
}

impl BounceKind {
    pub fn key(self) -> &'static str {
        match self {
            BounceKind::Hard => "hard",
            BounceKind::Soft => "soft",
            BounceKind::Complaint => "complaint",
        }
    }

    fn parse(key: &str) -> Option<BounceKind> {
        Some(match key {
            "hard" => BounceKind::Hard,
            "soft" => BounceKind::Soft,
            "complaint" => BounceKind::Complaint,
            _ => return None,
        })
    }

    /// The suppression this kind of report leads to, if any.
    pub fn suppression(self) -> Option<SuppressionReason> {
        match self {
            BounceKind::Hard => Some(SuppressionReason::Bounced),
            BounceKind::Complaint => Some(SuppressionReason::Complained),
            BounceKind::Soft => None,
        }
    }
}

/// A suppressed address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    pub email: String,
    pub reason: SuppressionReason,
    pub detail: String,
    pub created_at: jiff::Timestamp,
}

/// A report to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBounce {
    pub email: String,
    /// The send and member the message's signed return path named, when it had one.
    pub send_id: Option<i64>,
    pub member_id: Option<i64>,
    pub kind: BounceKind,
    /// The enhanced status code (`5.1.1`), when the report gave one.
    pub status: String,
    /// What the remote server said, as the report quotes it.
    pub diagnostic: String,
}

/// A recorded report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bounce {
    pub id: i64,
    pub email: String,
    pub send_id: Option<i64>,
    pub member_id: Option<i64>,
    pub kind: BounceKind,
    pub status: String,
    pub diagnostic: String,
    pub created_at: jiff::Timestamp,
}

/// id, email, send_id, member_id, kind, status, diagnostic, created_at
type BounceRow = (i64, String, Option<i64>, Option<i64>, String, String, String, i64);

fn into_bounce(row: BounceRow) -> Result<Bounce> {
    let (id, email, send_id, member_id, kind, status, diagnostic, created_at) = row;
    let kind = BounceKind::parse(&kind)
        .ok_or_else(|| crate::StoreError::Invalid(format!("unknown bounce kind {kind:?}")))?;
    Ok(Bounce { id, email, send_id, member_id, kind, status, diagnostic, created_at: timestamp(created_at)? })
}

/// The form every address is kept and looked up in.
fn folded(email: &str) -> String {
    email.trim().to_lowercase()
}

const INSERT_SUPPRESSION: &str = "INSERT INTO suppressions (email, reason, detail, created_at) \
     VALUES ($1, $2, $3, $4) ON CONFLICT (email) DO NOTHING";

impl Store {
    /// Suppresses `email`. Returns false when it already was (the first reason is kept).
    pub async fn suppress(&self, email: &str, reason: SuppressionReason, detail: &str) -> Result<bool> {
        let email = folded(email);
        let done = on_db!(self, pool => {
            sqlx::query(INSERT_SUPPRESSION)
                .bind(&email)
                .bind(reason.key())
                .bind(detail)
                .bind(now_seconds())
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(done == 1)
    }

    /// Whether `email` is suppressed, in any spelling of its case.
    pub async fn is_suppressed(&self, email: &str) -> Result<bool> {
        Ok(self.suppression(email).await?.is_some())
    }

    /// Why `email` is suppressed, if it is.
    pub async fn suppression(&self, email: &str) -> Result<Option<Suppression>> {
        let email = folded(email);
        let row: Option<(String, String, String, i64)> = on_db!(self, pool => {
            sqlx::query_as("SELECT email, reason, detail, created_at FROM suppressions WHERE email = $1")
                .bind(&email)
                .fetch_optional(pool)
                .await?
        });
        row.map(|(email, reason, detail, created_at)| {
            let reason = SuppressionReason::parse(&reason).ok_or_else(|| {
                crate::StoreError::Invalid(format!("unknown suppression reason {reason:?}"))
            })?;
            Ok(Suppression { email, reason, detail, created_at: timestamp(created_at)? })
        })
        .transpose()
    }

    /// The addresses among `emails` that are suppressed (lower-cased): for a send to leave out a
    /// batch's suppressed members with one query.
    pub async fn suppressed_among(&self, emails: &[String]) -> Result<Vec<String>> {
        let emails: Vec<String> = emails.iter().map(|e| folded(e)).collect();
        let mut found = Vec::new();
        // A bounded number of parameters per statement, whatever the batch.
        for chunk in emails.chunks(500) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT email FROM suppressions WHERE email IN ({}) ORDER BY email",
                placeholders.join(", ")
            );
            let rows: Vec<String> = on_db!(self, pool => {
                let mut query = sqlx::query_scalar(&sql);
                for email in chunk {
                    query = query.bind(email);
                }
                query.fetch_all(pool).await?
            });
            found.extend(rows);
        }
        Ok(found)
    }

    /// Records a report, and in the same transaction suppresses its address when it is a hard
    /// bounce or a complaint. Returns the report's id.
    pub async fn record_bounce(&self, bounce: &NewBounce) -> Result<i64> {
        let email = folded(&bounce.email);
        let now = now_seconds();
        let id = on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO bounces (email, send_id, member_id, kind, status, diagnostic, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(&email)
            .bind(bounce.send_id)
            .bind(bounce.member_id)
            .bind(bounce.kind.key())
            .bind(&bounce.status)
            .bind(&bounce.diagnostic)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            if let Some(reason) = bounce.kind.suppression()
                && !email.is_empty()
            {
                let detail = [bounce.status.as_str(), bounce.diagnostic.as_str()]
                    .iter()
                    .filter(|s| !s.is_empty())
                    .copied()
                    .collect::<Vec<_>>()
                    .join(" ");
                sqlx::query(INSERT_SUPPRESSION)
                    .bind(&email)
                    .bind(reason.key())
                    .bind(detail)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            id
        });
        Ok(id)
    }

    /// The soft bounces recorded for `send_id`, oldest first: the members the send tries again.
    pub async fn soft_bounces(&self, send_id: i64) -> Result<Vec<Bounce>> {
        self.bounces_where("send_id = $1 AND kind = 'soft'", send_id).await
    }

    /// Every report recorded for `send_id`, oldest first.
    pub async fn bounces_for_send(&self, send_id: i64) -> Result<Vec<Bounce>> {
        self.bounces_where("send_id = $1", send_id).await
    }

    async fn bounces_where(&self, condition: &str, send_id: i64) -> Result<Vec<Bounce>> {
        let sql = format!(
            "SELECT id, email, send_id, member_id, kind, status, diagnostic, created_at \
             FROM bounces WHERE {condition} ORDER BY id"
        );
        let rows: Vec<BounceRow> = on_db!(self, pool => {
            sqlx::query_as(&sql).bind(send_id).fetch_all(pool).await?
        });
        rows.into_iter().map(into_bounce).collect()
    }

    /// Every report about `email`, oldest first.
    pub async fn bounces_for_email(&self, email: &str) -> Result<Vec<Bounce>> {
        let rows: Vec<BounceRow> = on_db!(self, pool => {
            sqlx::query_as(
                "SELECT id, email, send_id, member_id, kind, status, diagnostic, created_at \
                 FROM bounces WHERE email = $1 ORDER BY id",
            )
            .bind(folded(email))
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(into_bounce).collect()
    }
}
