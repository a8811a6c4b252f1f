//! Members, newsletters, labels and members' sessions. Tokens are hashed, links signed and
//! addresses normalised by the use cases; this module stores what it is given, each change of
//! several tables in one transaction.

use jiff::Timestamp;
use masthead_core::{Label, Member, MemberSource, MemberStatus, NewMember, NewNewsletter, Newsletter};

use crate::rows::row;
use crate::{Result, Store, StoreError, now_seconds, on_db, placeholders, timestamp};

row!(NewsletterRow {
    id: i64,
    slug: String,
    name: String,
    description: String,
    sender_name: Option<String>,
    sender_email: Option<String>,
    reply_to: Option<String>,
    subscribe_by_default: bool,
    active: bool,
    position: i64,
    created_at: i64,
});

const NEWSLETTER_COLUMNS: &str = "id, slug, name, description, sender_name, sender_email, reply_to, \
     subscribe_by_default, active, position, created_at";

impl NewsletterRow {
    fn into_newsletter(self) -> Result<Newsletter> {
        Ok(Newsletter {
            id: self.id,
            slug: self.slug,
            name: self.name,
            description: self.description,
            sender_name: self.sender_name,
            sender_email: self.sender_email,
            reply_to: self.reply_to,
            subscribe_by_default: self.subscribe_by_default,
            active: self.active,
            position: self.position,
            created_at: timestamp(self.created_at)?,
        })
    }
}

row!(MemberRow {
    id: i64,
    email: String,
    name: String,
    status: String,
    source: String,
    consent_at: Option<i64>,
    note: String,
    created_at: i64,
    updated_at: i64,
});

const MEMBER_COLUMNS: &str =
    "m.id, m.email, m.name, m.status, m.source, m.consent_at, m.note, m.created_at, m.updated_at";

impl MemberRow {
    fn into_member(self, newsletters: Vec<i64>, labels: Vec<Label>) -> Result<Member> {
        let corrupt = |e: masthead_core::member::UnknownMemberValue| {
            StoreError::Corrupt(format!("member {}: {e}", self.id))
        };
        Ok(Member {
            status: self.status.parse::<MemberStatus>().map_err(corrupt)?,
            source: self.source.parse::<MemberSource>().map_err(corrupt)?,
            consent_at: self.consent_at.map(timestamp).transpose()?,
            created_at: timestamp(self.created_at)?,
            updated_at: timestamp(self.updated_at)?,
            id: self.id,
            email: self.email,
            name: self.name,
            note: self.note,
            newsletters,
            labels,
        })
    }
}

row!(LabelRow { id: i64, name: String, slug: String });

/// Which members to list. Every condition given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberFilter {
    /// Part of the e-mail address or the name, in any case.
    pub search: Option<String>,
    pub newsletter: Option<i64>,
    pub status: Option<MemberStatus>,
    /// Joined at or after.
    pub joined_after: Option<Timestamp>,
    /// Joined before.
    pub joined_before: Option<Timestamp>,
    pub label: Option<i64>,
}

/// Where a page of members starts: after the member who joined at `created_at` with `id`
/// (newest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemberCursor {
    pub created_at: i64,
    pub id: i64,
}

impl std::fmt::Display for MemberCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.created_at, self.id)
    }
}

impl std::str::FromStr for MemberCursor {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let (a, b) = s.split_once('.').ok_or_else(|| format!("{s:?} is not a page of members"))?;
        match (a.parse(), b.parse()) {
            (Ok(created_at), Ok(id)) => Ok(MemberCursor { created_at, id }),
            _ => Err(format!("{s:?} is not a page of members")),
        }
    }
}

/// A page of members and where the next one starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberPage {
    pub members: Vec<Member>,
    pub next: Option<MemberCursor>,
}

/// What a member may change of their own, or an editor of anyone's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberChange {
    pub name: String,
    pub note: String,
    pub newsletters: Vec<i64>,
    /// Label ids.
    pub labels: Vec<i64>,
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportCount {
    pub created: u64,
    /// Already members (by address, or twice in the file): left as they were.
    pub skipped: u64,
    /// Of those created, how many are active.
    pub active: u64,
}

/// A bound value of a query built at run time.
enum Value {
    Int(i64),
    Text(String),
}

/// `WHERE …` for `filter` and `after`, with its values, numbered from `$1`.
fn member_conditions(filter: &MemberFilter, after: Option<MemberCursor>) -> (String, Vec<Value>) {
    let (mut conditions, mut values) = (Vec::new(), Vec::new());
    let next = |v: Value, values: &mut Vec<Value>| {
        values.push(v);
        format!("${}", values.len())
    };
    if let Some(search) = filter.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let escaped = search.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        let p = next(Value::Text(format!("%{escaped}%")), &mut values);
        conditions.push(format!("(m.email LIKE {p} ESCAPE '\\' OR LOWER(m.name) LIKE {p} ESCAPE '\\')"));
    }
    if let Some(n) = filter.newsletter {
        let p = next(Value::Int(n), &mut values);
        conditions.push(format!(
            "EXISTS (SELECT 1 FROM member_newsletters mn WHERE mn.member_id = m.id AND mn.newsletter_id = {p})"
        ));
    }
    if let Some(l) = filter.label {
        let p = next(Value::Int(l), &mut values);
        conditions.push(format!(
            "EXISTS (SELECT 1 FROM member_labels ml WHERE ml.member_id = m.id AND ml.label_id = {p})"
        ));
    }
    if let Some(s) = filter.status {
        let p = next(Value::Text(s.key().to_owned()), &mut values);
        conditions.push(format!("m.status = {p}"));
    }
    if let Some(t) = filter.joined_after {
        let p = next(Value::Int(t.as_second()), &mut values);
        conditions.push(format!("m.created_at >= {p}"));
    }
    if let Some(t) = filter.joined_before {
        let p = next(Value::Int(t.as_second()), &mut values);
        conditions.push(format!("m.created_at < {p}"));
    }
    if let Some(c) = after {
        let a = next(Value::Int(c.created_at), &mut values);
        let b = next(Value::Int(c.id), &mut values);
        conditions.push(format!("(m.created_at < {a} OR (m.created_at = {a} AND m.id < {b}))"));
    }
    let sql =
        if conditions.is_empty() { String::new() } else { format!("WHERE {}", conditions.join(" AND ")) };
    (sql, values)
}

/// Binds `values` in order to a query built by [`member_conditions`].
macro_rules! bind_all {
    ($query:expr, $values:expr) => {{
        let mut q = $query;
        for v in $values {
            q = match v {
                Value::Int(i) => q.bind(*i),
                Value::Text(s) => q.bind(s.clone()),
            };
        }
        q
    }};
}

impl Store {
    // ---- newsletters ----

    /// Every newsletter, in the site's order.
    pub async fn newsletters(&self) -> Result<Vec<Newsletter>> {
        let sql = format!("SELECT {NEWSLETTER_COLUMNS} FROM newsletters ORDER BY position, id");
        let rows: Vec<NewsletterRow> = on_db!(self, pool => sqlx::query_as(&sql).fetch_all(pool).await?);
        rows.into_iter().map(NewsletterRow::into_newsletter).collect()
    }

    pub async fn newsletter(&self, id: i64) -> Result<Newsletter> {
        let sql = format!("SELECT {NEWSLETTER_COLUMNS} FROM newsletters WHERE id = $1");
        let row: NewsletterRow = on_db!(self, pool => sqlx::query_as(&sql).bind(id).fetch_one(pool).await?);
        row.into_newsletter()
    }

    pub async fn create_newsletter(&self, new: &NewNewsletter) -> Result<Newsletter> {
        let id: i64 = on_db!(self, pool => {
            sqlx::query_scalar(
                "INSERT INTO newsletters (slug, name, description, sender_name, sender_email, reply_to, \
                 subscribe_by_default, active, position, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            )
            .bind(&new.slug)
            .bind(&new.name)
            .bind(&new.description)
            .bind(&new.sender_name)
            .bind(&new.sender_email)
            .bind(&new.reply_to)
            .bind(new.subscribe_by_default)
            .bind(new.active)
            .bind(new.position)
            .bind(now_seconds())
            .fetch_one(pool)
            .await?
        });
        self.newsletter(id).await
    }

    pub async fn update_newsletter(&self, id: i64, new: &NewNewsletter) -> Result<Newsletter> {
        let n = on_db!(self, pool => {
            sqlx::query(
                "UPDATE newsletters SET slug = $1, name = $2, description = $3, sender_name = $4, \
                 sender_email = $5, reply_to = $6, subscribe_by_default = $7, active = $8, position = $9 \
                 WHERE id = $10",
            )
            .bind(&new.slug)
            .bind(&new.name)
            .bind(&new.description)
            .bind(&new.sender_name)
            .bind(&new.sender_email)
            .bind(&new.reply_to)
            .bind(new.subscribe_by_default)
            .bind(new.active)
            .bind(new.position)
            .bind(id)
            .execute(pool)
            .await?
            .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        self.newsletter(id).await
    }

    /// A page of the active members who receive `newsletter` (and, when given, carry `label`),
    /// by id, after `after_id`: (id, e-mail, name), the recipients of a send. Suppressed
    /// addresses are the sender's to leave out.
    pub async fn newsletter_recipients(
        &self,
        newsletter: i64,
        label: Option<i64>,
        after_id: i64,
        limit: u32,
    ) -> Result<Vec<(i64, String, String)>> {
        Ok(on_db!(self, pool => {
            sqlx::query_as(
                "SELECT m.id, m.email, m.name FROM member_newsletters mn JOIN members m ON m.id = mn.member_id \
                 WHERE mn.newsletter_id = $1 AND m.status = 'active' AND m.id > $2 \
                 AND ($4 IS NULL OR EXISTS (SELECT 1 FROM member_labels ml WHERE ml.member_id = m.id AND ml.label_id = $4)) \
                 ORDER BY m.id LIMIT $3",
            )
            .bind(newsletter)
            .bind(after_id)
            .bind(i64::from(limit))
            .bind(label)
            .fetch_all(pool)
            .await?
        }))
    }

    // ---- members ----

    /// Creates a member with their newsletters and labels (labels made when missing), in one
    /// transaction. A taken address is a `Conflict` on `members.email`.
    pub async fn create_member(&self, new: &NewMember) -> Result<Member> {
        let (count, ids) = self.insert_members(std::slice::from_ref(new), false, &|_| {}).await?;
        match (count.created, ids.first()) {
            (1, Some(id)) => self.member(*id).await,
            _ => Err(StoreError::Conflict { what: "members.email".into() }),
        }
    }

    /// Creates every member of `new` in one transaction: all or none. An address that is
    /// already a member's, or that came earlier in `new`, is skipped and counted. `progress` is
    /// told how many have been written so far.
    pub async fn import_members(
        &self,
        new: &[NewMember],
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<ImportCount> {
        Ok(self.insert_members(new, true, progress).await?.0)
    }

    async fn insert_members(
        &self,
        new: &[NewMember],
        skip_taken: bool,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<(ImportCount, Vec<i64>)> {
        let now = now_seconds();
        let mut labels: Vec<(String, String)> = new
            .iter()
            .flat_map(|m| m.labels.iter())
            .map(|name| (name.trim().to_owned(), masthead_core::label_slug(name)))
            .filter(|(name, slug)| !name.is_empty() && !slug.is_empty())
            .collect();
        labels.sort_by(|a, b| a.1.cmp(&b.1));
        labels.dedup_by(|a, b| a.1 == b.1);
        let insert = if skip_taken {
            "INSERT INTO members (email, name, status, source, consent_at, note, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (email) DO NOTHING RETURNING id"
        } else {
            "INSERT INTO members (email, name, status, source, consent_at, note, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id"
        };
        let (mut count, mut ids) = (ImportCount::default(), Vec::new());
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let mut label_ids = std::collections::HashMap::new();
            for (name, slug) in &labels {
                sqlx::query("INSERT INTO labels (name, slug) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(name)
                    .bind(slug)
                    .execute(&mut *tx)
                    .await?;
                let id: i64 = sqlx::query_scalar("SELECT id FROM labels WHERE slug = $1")
                    .bind(slug)
                    .fetch_one(&mut *tx)
                    .await?;
                label_ids.insert(slug.clone(), id);
            }
            for (n, m) in new.iter().enumerate() {
                let created = m.created_at.map_or(now, |t| t.as_second());
                let id: Option<i64> = sqlx::query_scalar(insert)
                    .bind(&m.email)
                    .bind(&m.name)
                    .bind(m.status.key())
                    .bind(m.source.key())
                    .bind(m.consent_at.map(|t| t.as_second()))
                    .bind(&m.note)
                    .bind(created)
                    .bind(now)
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some(id) = id else {
                    count.skipped += 1;
                    continue;
                };
                for newsletter in &m.newsletters {
                    sqlx::query(
                        "INSERT INTO member_newsletters (member_id, newsletter_id, created_at) VALUES ($1, $2, $3) \
                         ON CONFLICT DO NOTHING",
                    )
                    .bind(id)
                    .bind(newsletter)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                }
                for name in &m.labels {
                    if let Some(label) = label_ids.get(&masthead_core::label_slug(name)) {
                        sqlx::query("INSERT INTO member_labels (member_id, label_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                            .bind(id)
                            .bind(label)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                count.created += 1;
                count.active += u64::from(m.status == MemberStatus::Active);
                ids.push(id);
                if n % 500 == 499 {
                    progress(n as u64 + 1);
                }
            }
            tx.commit().await?;
        });
        progress(new.len() as u64);
        Ok((count, ids))
    }

    pub async fn member(&self, id: i64) -> Result<Member> {
        let mut found = self.members_by_ids(&[id]).await?;
        found.pop().ok_or(StoreError::NotFound)
    }

    /// The member with this (normalised) address, if any.
    pub async fn member_by_email(&self, email: &str) -> Result<Option<Member>> {
        let id: Option<i64> = on_db!(self, pool => {
            sqlx::query_scalar("SELECT id FROM members WHERE email = $1").bind(email).fetch_optional(pool).await?
        });
        match id {
            Some(id) => Ok(Some(self.member(id).await?)),
            None => Ok(None),
        }
    }

    /// Members by id, newest first, with their newsletters and labels (three queries).
    async fn members_by_ids(&self, ids: &[i64]) -> Result<Vec<Member>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list = placeholders(1, ids.len());
        let sql = format!(
            "SELECT {MEMBER_COLUMNS} FROM members m WHERE m.id IN ({list}) ORDER BY m.created_at DESC, m.id DESC"
        );
        let newsletters_sql = format!(
            "SELECT mn.member_id, mn.newsletter_id FROM member_newsletters mn \
             JOIN newsletters n ON n.id = mn.newsletter_id WHERE mn.member_id IN ({list}) ORDER BY n.position, n.id"
        );
        let labels_sql = format!(
            "SELECT ml.member_id, l.id, l.name, l.slug FROM member_labels ml JOIN labels l ON l.id = ml.label_id \
             WHERE ml.member_id IN ({list}) ORDER BY LOWER(l.name), l.id"
        );
        let (rows, subscriptions, labels) = on_db!(self, pool => {
            let mut q = sqlx::query_as::<_, MemberRow>(&sql);
            let mut qn = sqlx::query_as::<_, (i64, i64)>(&newsletters_sql);
            let mut ql = sqlx::query_as::<_, (i64, i64, String, String)>(&labels_sql);
            for id in ids {
                q = q.bind(*id);
                qn = qn.bind(*id);
                ql = ql.bind(*id);
            }
            (q.fetch_all(pool).await?, qn.fetch_all(pool).await?, ql.fetch_all(pool).await?)
        });
        rows.into_iter()
            .map(|row| {
                let newsletters =
                    subscriptions.iter().filter(|(m, _)| *m == row.id).map(|(_, n)| *n).collect();
                let labels = labels
                    .iter()
                    .filter(|(m, ..)| *m == row.id)
                    .map(|(_, id, name, slug)| Label { id: *id, name: name.clone(), slug: slug.clone() })
                    .collect();
                row.into_member(newsletters, labels)
            })
            .collect()
    }

    /// A page of the members `filter` finds, newest first.
    pub async fn members(
        &self,
        filter: &MemberFilter,
        after: Option<MemberCursor>,
        limit: u32,
    ) -> Result<MemberPage> {
        let (conditions, values) = member_conditions(filter, after);
        let sql = format!(
            "SELECT m.id, m.created_at FROM members m {conditions} ORDER BY m.created_at DESC, m.id DESC LIMIT {}",
            i64::from(limit) + 1
        );
        let mut found: Vec<(i64, i64)> = on_db!(self, pool => {
            bind_all!(sqlx::query_as(&sql), &values).fetch_all(pool).await?
        });
        let next = (found.len() > limit as usize).then(|| {
            found.truncate(limit as usize);
            let (id, created_at) = *found.last().expect("more than `limit` rows");
            MemberCursor { created_at, id }
        });
        let ids: Vec<i64> = found.iter().map(|(id, _)| *id).collect();
        Ok(MemberPage { members: self.members_by_ids(&ids).await?, next })
    }

    /// How many members `filter` finds.
    pub async fn count_members(&self, filter: &MemberFilter) -> Result<i64> {
        let (conditions, values) = member_conditions(filter, None);
        let sql = format!("SELECT COUNT(*) FROM members m {conditions}");
        Ok(on_db!(self, pool => bind_all!(sqlx::query_scalar(&sql), &values).fetch_one(pool).await?))
    }

    /// Changes a member's name, note, newsletters and labels, in one transaction.
    pub async fn update_member(&self, id: i64, change: &MemberChange) -> Result<Member> {
        let now = now_seconds();
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query("UPDATE members SET name = $1, note = $2, updated_at = $3 WHERE id = $4")
                .bind(&change.name)
                .bind(&change.note)
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            sqlx::query("DELETE FROM member_newsletters WHERE member_id = $1").bind(id).execute(&mut *tx).await?;
            for newsletter in &change.newsletters {
                sqlx::query(
                    "INSERT INTO member_newsletters (member_id, newsletter_id, created_at) VALUES ($1, $2, $3) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(id)
                .bind(newsletter)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query("DELETE FROM member_labels WHERE member_id = $1").bind(id).execute(&mut *tx).await?;
            for label in &change.labels {
                sqlx::query("INSERT INTO member_labels (member_id, label_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(id)
                    .bind(label)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        self.member(id).await
    }

    /// A pending member becomes active, their consent dated `at`. An active member stays as
    /// they are.
    pub async fn activate_member(&self, id: i64, at: Timestamp) -> Result<Member> {
        let n = on_db!(self, pool => {
            sqlx::query(
                "UPDATE members SET status = 'active', consent_at = COALESCE(consent_at, $1), updated_at = $1 \
                 WHERE id = $2 AND status = 'pending'",
            )
            .bind(at.as_second())
            .bind(id)
            .execute(pool)
            .await?
            .rows_affected()
        });
        let member = self.member(id).await?;
        debug_assert!(n == 0 || member.status == MemberStatus::Active);
        Ok(member)
    }

    /// Changes a member's address (normalised by the caller); a taken one is a `Conflict`.
    pub async fn set_member_email(&self, id: i64, email: &str) -> Result<Member> {
        let n = on_db!(self, pool => {
            sqlx::query("UPDATE members SET email = $1, updated_at = $2 WHERE id = $3")
                .bind(email)
                .bind(now_seconds())
                .bind(id)
                .execute(pool)
                .await?
                .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        self.member(id).await
    }

    /// Takes a member off one newsletter, or off all of them; whether anything changed.
    pub async fn unsubscribe_member(&self, id: i64, newsletter: Option<i64>) -> Result<bool> {
        let n = on_db!(self, pool => {
            match newsletter {
                Some(n) => sqlx::query("DELETE FROM member_newsletters WHERE member_id = $1 AND newsletter_id = $2")
                    .bind(id)
                    .bind(n)
                    .execute(pool)
                    .await?
                    .rows_affected(),
                None => sqlx::query("DELETE FROM member_newsletters WHERE member_id = $1")
                    .bind(id)
                    .execute(pool)
                    .await?
                    .rows_affected(),
            }
        });
        Ok(n > 0)
    }

    /// Deletes a member with everything of theirs (newsletters, labels, sessions).
    pub async fn delete_member(&self, id: i64) -> Result<()> {
        let n = on_db!(self, pool => {
            sqlx::query("DELETE FROM members WHERE id = $1").bind(id).execute(pool).await?.rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Records that a sign-in link made at `issued_at` (any unit, the same each time) was used, unless that link or a newer
    /// one was used before: whether it may sign in. Each link signs in once.
    pub async fn use_sign_in_link(&self, id: i64, issued_at: i64) -> Result<bool> {
        let n = on_db!(self, pool => {
            sqlx::query(
                "UPDATE members SET signed_in_at = $1 WHERE id = $2 AND (signed_in_at IS NULL OR signed_in_at < $1)",
            )
            .bind(issued_at)
            .bind(id)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }

    // ---- labels ----

    /// Every label, by name, with how many members carry it.
    pub async fn labels(&self) -> Result<Vec<(Label, i64)>> {
        let rows: Vec<(i64, String, String, i64)> = on_db!(self, pool => {
            sqlx::query_as(
                "SELECT l.id, l.name, l.slug, (SELECT COUNT(*) FROM member_labels ml WHERE ml.label_id = l.id) \
                 FROM labels l ORDER BY LOWER(l.name), l.id",
            )
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(|(id, name, slug, n)| (Label { id, name, slug }, n)).collect())
    }

    pub async fn create_label(&self, name: &str, slug: &str) -> Result<Label> {
        let row: LabelRow = on_db!(self, pool => {
            sqlx::query_as("INSERT INTO labels (name, slug) VALUES ($1, $2) RETURNING id, name, slug")
                .bind(name)
                .bind(slug)
                .fetch_one(pool)
                .await?
        });
        Ok(Label { id: row.id, name: row.name, slug: row.slug })
    }

    /// Deletes a label; the members who carried it keep everything else.
    pub async fn delete_label(&self, id: i64) -> Result<()> {
        let n = on_db!(self, pool => {
            sqlx::query("DELETE FROM labels WHERE id = $1").bind(id).execute(pool).await?.rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    // ---- sessions ----

    pub async fn create_member_session(
        &self,
        member_id: i64,
        token_hash: &str,
        csrf: &str,
        expires_at: Timestamp,
    ) -> Result<()> {
        on_db!(self, pool => {
            sqlx::query(
                "INSERT INTO member_sessions (token_hash, member_id, csrf_token, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(token_hash)
            .bind(member_id)
            .bind(csrf)
            .bind(now_seconds())
            .bind(expires_at.as_second())
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The signed-in member and the session's CSRF token, when the session exists and has not
    /// expired at `now`.
    pub async fn member_session(&self, token_hash: &str, now: Timestamp) -> Result<Option<(Member, String)>> {
        let found: Option<(i64, String)> = on_db!(self, pool => {
            sqlx::query_as("SELECT member_id, csrf_token FROM member_sessions WHERE token_hash = $1 AND expires_at > $2")
                .bind(token_hash)
                .bind(now.as_second())
                .fetch_optional(pool)
                .await?
        });
        match found {
            Some((id, csrf)) => Ok(Some((self.member(id).await?, csrf))),
            None => Ok(None),
        }
    }

    pub async fn delete_member_session(&self, token_hash: &str) -> Result<()> {
        on_db!(self, pool => {
            sqlx::query("DELETE FROM member_sessions WHERE token_hash = $1").bind(token_hash).execute(pool).await?;
        });
        Ok(())
    }

    /// How many sessions a member has open at `now` (for the data they may download).
    pub async fn member_session_count(&self, member_id: i64, now: Timestamp) -> Result<i64> {
        Ok(on_db!(self, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM member_sessions WHERE member_id = $1 AND expires_at > $2")
                .bind(member_id)
                .bind(now.as_second())
                .fetch_one(pool)
                .await?
        }))
    }
}
