//! Articles: writing one with its bylines, terms and provenance in one transaction, reading one
//! whole, and listing published ones newest first with keyset pagination.
//!
//! Lists never query per article: a page of summaries is one statement whatever its length, and
//! so is one article read whole (each row carries its authors, terms and origins as JSON arrays,
//! `relation_columns`).

use std::collections::HashMap;

use masthead_core::article::{NewArticle, article_path};
use masthead_core::{
    AbsoluteUrl, Article, ArticleStatus, ArticleSummary, Author, BodyFormat, Correction, Cursor,
    FeaturedImage, Media, Origin, Provenance, RenderedBody, Revision, Slug, Term, Withdrawal,
    time::is_known_zone,
};

use crate::related::choose_related;
use crate::rows::{AuthorRow, OutletRow, TermRow, row, slug};
use crate::search::{SearchDocument, index_for_search};
use crate::sources::SyndicationRecord;
use crate::{Result, Store, StoreError, now_seconds, on_db, placeholders, timestamp};

/// Checks what the database cannot and works out what it stores: (the article with its text
/// made publishable, published_at, excerpt). Every save of an article passes through here, so
/// this is where the domain's text rule ([`NewArticle::make_publishable`]) is applied.
fn prepare(new: &NewArticle) -> Result<(NewArticle, Option<i64>, String)> {
    if !is_known_zone(&new.time_zone) {
        return Err(StoreError::Invalid(format!("unknown time zone {:?}", new.time_zone)));
    }
    let published_at = match (new.status, new.published_at) {
        (ArticleStatus::Published, None) => Some(now_seconds()),
        (ArticleStatus::Scheduled, None) => {
            return Err(StoreError::Invalid("a scheduled article needs a publication time".into()));
        }
        (_, at) => at.map(|t| t.as_second()),
    };
    let mut new = new.clone();
    new.make_publishable();
    let excerpt = new.excerpt_or_generated();
    Ok((new, published_at, excerpt))
}

/// `new`, with its excerpt left to be made from the text again when it is the one made from
/// the previous revision's text (an editor sends back the excerpt they were shown): an excerpt
/// nobody wrote follows the text.
fn still_generated_excerpt(new: &NewArticle, previous_snapshot: Option<&str>) -> NewArticle {
    let mut new = new.clone();
    let previous = previous_snapshot.and_then(|s| serde_json::from_str::<NewArticle>(s).ok());
    if let Some(previous) = previous
        && previous.excerpt.trim().is_empty()
        && !new.excerpt.trim().is_empty()
        && new.excerpt.trim() == previous.excerpt_or_generated()
    {
        new.excerpt.clear();
    }
    new
}

fn snapshot(new: &NewArticle) -> Result<String> {
    serde_json::to_string(new)
        .map_err(|e| StoreError::Invalid(format!("the article cannot be saved as a revision: {e}")))
}

/// The top-level fields of two snapshots that differ, comma-separated; all of them for a first
/// save.
fn changed_fields(previous: Option<&str>, current: &str) -> String {
    let parse =
        |s: &str| serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(s).unwrap_or_default();
    let now = parse(current);
    let before = previous.map(parse).unwrap_or_default();
    now.iter()
        .filter(|(k, v)| before.get(*k) != Some(v))
        .map(|(k, _)| k.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// Binds the article's own columns as $1…$15, in the order both the insert and the update
/// name them: slug, title, dek, body format, source and HTML, excerpt, status, time of the
/// save, publication time, zone, featured image, its alt text and credit, reuse policy.
macro_rules! bind_fields {
    ($q:ident, $new:ident, $excerpt:ident, $now:ident, $published_at:ident) => {
        $q.bind($new.slug.as_str())
            .bind(&$new.title)
            .bind(&$new.dek)
            .bind($new.body.format.key())
            .bind(&$new.body.source)
            .bind(&$new.body.html)
            .bind(&$excerpt)
            .bind($new.status.key())
            .bind($now)
            .bind($published_at)
            .bind(&$new.time_zone)
            .bind($new.featured_media_id)
            .bind(&$new.featured_alt)
            .bind(&$new.featured_credit)
            .bind($new.reuse_policy.map(|p| p.key()))
            .bind(masthead_core::body::word_count(&$new.body.html) as i64)
    };
}

/// Records inside the transaction `$tx` that a published article's page moved from the path
/// `$from` to `$to`: a redirect from the old address (answered with a 301 where nothing else
/// lives there), and the redirects that led to the old address now lead to the new one, so
/// that no chain forms. A redirect from the new address, left by an earlier move back, goes.
macro_rules! moved {
    ($tx:ident, $from:expr, $to:expr, $now:expr) => {{
        let (from, to): (String, String) = ($from, $to);
        sqlx::query("DELETE FROM redirects WHERE from_path = $1").bind(&to).execute(&mut *$tx).await?;
        sqlx::query("UPDATE redirects SET to_path = $1 WHERE to_path = $2")
            .bind(&to)
            .bind(&from)
            .execute(&mut *$tx)
            .await?;
        sqlx::query(
            "INSERT INTO redirects (from_path, to_path, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (from_path) DO UPDATE SET to_path = excluded.to_path",
        )
        .bind(&from)
        .bind(&to)
        .bind($now)
        .execute(&mut *$tx)
        .await?;
    }};
}

/// Writes an article's bylines, terms and origins inside a transaction `$tx`.
/// Writes the article's language and the article it translates, inside `$tx`: on every
/// update (`$always`), and on an insert when either is set.
macro_rules! write_language {
    ($tx:ident, $id:expr, $new:expr, $always:expr) => {
        if $always || !$new.language.is_empty() || $new.translation_of.is_some() {
            sqlx::query("UPDATE articles SET language = $1, translation_of = $2 WHERE id = $3")
                .bind(&$new.language)
                .bind($new.translation_of)
                .bind($id)
                .execute(&mut *$tx)
                .await?;
        }
    };
}

macro_rules! write_relations {
    ($tx:ident, $id:expr, $new:expr) => {
        for (table, column, ids) in
            [("article_authors", "author_id", &$new.author_ids), ("article_terms", "term_id", &$new.term_ids)]
        {
            if !ids.is_empty() {
                // One statement for all of them, in their order.
                let sql = $crate::insert_rows(
                    &format!("{table} (article_id, {column}, position)"),
                    ids.len(),
                    |i, p| format!("($1, {p}, {i})"),
                );
                let mut insert = sqlx::query(&sql).bind($id);
                for id in ids.iter() {
                    insert = insert.bind(id);
                }
                insert.execute(&mut *$tx).await?;
            }
        }
        for (position, origin) in $new.origins.iter().enumerate() {
            sqlx::query(
                "INSERT INTO article_origins (article_id, position, outlet_id, url, published_at, byline) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind($id)
            .bind(position as i64)
            .bind(origin.outlet_id)
            .bind(origin.url.as_str())
            .bind(origin.published_at.map(|t| t.as_second()))
            .bind(&origin.byline)
            .execute(&mut *$tx)
            .await?;
        }
    };
}

/// Ends every save of an article inside its transaction `$tx`: the revision with its snapshot
/// and changed fields, and the change for whatever follows (WebSub, caches).
macro_rules! record_save {
    ($tx:ident, $id:expr, $revision:expr, $user_id:expr, $now:expr, $changed:expr, $snapshot:expr) => {
        sqlx::query(RECORD_REVISION)
            .bind($id)
            .bind($revision)
            .bind($user_id)
            .bind($now)
            .bind(&$changed)
            .bind(crate::revisions::pack(&$snapshot))
            .execute(&mut *$tx)
            .await?;
        sqlx::query(RECORD_CHANGE).bind($id).bind($now).execute(&mut *$tx).await?;
    };
}

/// Writes where an article taken in came from ($record), inside its transaction `$tx`; the
/// partner's change is noted at `$changed_at` (`None` for a first take).
macro_rules! record_syndication {
    ($tx:ident, $id:expr, $record:expr, $now:expr, $changed_at:expr) => {
        sqlx::query(
            "INSERT INTO syndicated_articles (article_id, source_id, terms, original_url, content_hash, \
             original_updated_at, changed_upstream_at, taken_in_at, duplicate_of) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (article_id) DO UPDATE SET terms = excluded.terms, original_url = excluded.original_url, \
             content_hash = excluded.content_hash, original_updated_at = excluded.original_updated_at, \
             changed_upstream_at = excluded.changed_upstream_at",
        )
        .bind($id)
        .bind($record.source_id)
        .bind($record.terms.key())
        .bind(&$record.original_url)
        .bind(&$record.content_hash)
        .bind($record.original_updated_at.map(|t| t.as_second()))
        .bind($changed_at)
        .bind($now)
        .bind($record.duplicate_of)
        .execute(&mut *$tx)
        .await?;
        sqlx::query(
            "INSERT INTO ingested_items (source_id, item_key, article_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind($record.source_id)
        .bind(&$record.item_key)
        .bind($id)
        .execute(&mut *$tx)
        .await?;
    };
}

/// (article, revision, user, saved at, changed fields, snapshot)
const RECORD_REVISION: &str = "INSERT INTO article_revisions (article_id, revision, user_id, saved_at, changed, snapshot) \
     VALUES ($1, $2, $3, $4, $5, $6)";

/// Notes that readers may see something new of an article ($1) at $2; every write that changes
/// an article runs it in its own transaction (see `changes.rs`).
pub(crate) const RECORD_CHANGE: &str = "INSERT INTO article_changes (article_id, changed_at) VALUES ($1, $2)";

/// Which slice of a newest-first list to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// Start after this article; `None` for the first page.
    pub after: Option<Cursor>,
    pub limit: u32,
}

impl Page {
    pub fn first(limit: u32) -> Page {
        Page { after: None, limit }
    }
}

/// A published article as sitemaps and the static export list it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexEntry {
    pub slug: Slug,
    pub title: String,
    pub published_at: jiff::Timestamp,
    pub updated_at: jiff::Timestamp,
}

/// What the published articles span: see [`Store::published_span`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublishedSpan {
    pub first_id: i64,
    pub last_id: i64,
    pub last_changed: jiff::Timestamp,
}

/// Index entries from rows of (slug, title, published, updated).
fn index_entries(rows: Vec<(String, String, i64, i64)>) -> Result<Vec<IndexEntry>> {
    rows.into_iter()
        .map(|(s, title, p, u)| {
            Ok(IndexEntry { slug: slug(s)?, title, published_at: timestamp(p)?, updated_at: timestamp(u)? })
        })
        .collect()
}

/// One page of a list, and where the next one starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    pub items: Vec<ArticleSummary>,
    pub next: Option<Cursor>,
}

const FEATURED_COLUMNS: &str = "m.id AS m_id, m.path AS m_path, m.mime_type AS m_mime_type, \
     m.size_bytes AS m_size_bytes, m.width AS m_width, m.height AS m_height, m.alt AS m_alt, m.credit AS m_credit, \
     m.variant_widths AS m_variant_widths, m.licence AS m_licence, m.travels AS m_travels";

row!(ArticleRow {
    id: i64,
    slug: String,
    title: String,
    dek: String,
    body_format: String,
    body_source: String,
    body_html: String,
    excerpt: String,
    status: String,
    created_at: i64,
    updated_at: i64,
    published_at: Option<i64>,
    time_zone: String,
    featured_alt: String,
    featured_credit: String,
    reuse_policy: Option<String>,
    revision: i64,
    first_slug: Option<String>,
    corrections: String,
    withdrawn_at: Option<i64>,
    withdrawal_notice: String,
    withheld: Option<String>,
    language: String,
    translation_of: Option<i64>,
    translations: Option<String>,
    revised_at: Option<i64>,
    word_count: Option<i64>,
    m_id: Option<i64>,
    m_path: Option<String>,
    m_mime_type: Option<String>,
    m_size_bytes: Option<i64>,
    m_width: Option<i64>,
    m_height: Option<i64>,
    m_alt: Option<String>,
    m_credit: Option<String>,
    m_variant_widths: Option<String>,
    m_licence: Option<String>,
    m_travels: Option<i64>,
});

const ARTICLE_SELECT: &str = "SELECT a.id, a.slug, a.title, a.dek, a.body_format, a.body_source, a.body_html, \
     a.excerpt, a.status, a.created_at, a.updated_at, a.published_at, a.time_zone, a.featured_alt, \
     a.featured_credit, a.reuse_policy, a.revision, a.first_slug, a.corrections, a.withdrawn_at, \
     a.withdrawal_notice, a.language, a.translation_of, a.revised_at, a.word_count, m.id AS m_id, m.path AS m_path, m.mime_type AS m_mime_type, \
     m.size_bytes AS m_size_bytes, m.width AS m_width, m.height AS m_height, m.alt AS m_alt, m.credit AS m_credit, \
     m.variant_widths AS m_variant_widths, m.licence AS m_licence, m.travels AS m_travels \
     FROM articles a LEFT JOIN media m ON m.id = a.featured_media_id";

/// One of an article's relations, read as a JSON array of objects named as its row struct's
/// fields, in order.
struct Relation {
    /// The column it is read into.
    name: &'static str,
    /// `FROM … WHERE`, for the article `a`.
    from: &'static str,
    /// What it is ordered by, ascending ([`crate::rows::ordered_array`]).
    order: &'static [&'static str],
    /// (name, expression).
    fields: &'static [(&'static str, &'static str)],
}

const RELATIONS: [Relation; 3] = [
    Relation {
        name: "rel_authors",
        from: "article_authors aa JOIN authors au ON au.id = aa.author_id WHERE aa.article_id = a.id",
        order: &["aa.position"],
        fields: &[
            ("id", "au.id"),
            ("slug", "au.slug"),
            ("name", "au.name"),
            ("bio", "au.bio"),
            ("links", "au.links"),
            ("avatar_media_id", "au.avatar_media_id"),
            ("outlet_id", "au.outlet_id"),
        ],
    },
    Relation {
        name: "rel_terms",
        from: "article_terms at JOIN terms t ON t.id = at.term_id WHERE at.article_id = a.id",
        order: &["at.position"],
        fields: &[
            ("id", "t.id"),
            ("kind", "t.kind"),
            ("slug", "t.slug"),
            ("name", "t.name"),
            ("description", "t.description"),
            ("parent_id", "t.parent_id"),
        ],
    },
    Relation {
        name: "rel_origins",
        from: "article_origins ao JOIN outlets o ON o.id = ao.outlet_id WHERE ao.article_id = a.id",
        order: &["ao.position"],
        fields: &[
            ("url", "ao.url"),
            ("origin_published_at", "ao.published_at"),
            ("byline", "ao.byline"),
            ("outlet_feed", "(SELECT min(s.feed_url) FROM sources s WHERE s.outlet_id = o.id)"),
            ("id", "o.id"),
            ("slug", "o.slug"),
            ("name", "o.name"),
            ("homepage", "o.homepage"),
        ],
    },
];

/// `ARTICLE_SELECT` with each relation as a JSON array, read in order
/// ([`crate::rows::ordered_json_rows`]).
fn article_with_relations(postgres: bool) -> String {
    ARTICLE_SELECT.replacen(
        " FROM articles a ",
        &format!(
            ", {}, {}, {} FROM articles a ",
            relation_columns(postgres),
            json_array_column(postgres, &withheld(postgres)),
            translations_column(postgres)
        ),
        1,
    )
}

/// The other published articles of the article's group of translations (`Translation`s, by
/// language) as the column `translations`: its original, the translations of it, and those of
/// its original, each found by a key or the partial index `articles_translations` (whatever the
/// site's size and statistics: written as one `OR`, SQLite read every published article on
/// every read of an article, and PostgreSQL every entry of the status index), gathered side by
/// side as three arrays ([`crate::rows::ordered_json_groups`]): a set of ids built first
/// (`IN (… UNION …)`) cost SQLite two temporary b-trees on every read.
fn translations_column(postgres: bool) -> String {
    const FIELDS: &str = "'id', b.id, 'slug', b.slug, 'title', b.title, 'language', b.language";
    let group = |which: &str| {
        let from = format!("articles b WHERE {which} AND b.status = 'published' AND b.id <> a.id");
        crate::rows::ordered_aggregate(postgres, FIELDS, &["b.language", "b.id"], &from)
    };
    let groups = [
        group("b.id = a.translation_of"),
        group("b.translation_of IS NOT NULL AND b.translation_of = a.id"),
        group("b.translation_of IS NOT NULL AND b.translation_of = a.translation_of"),
    ]
    .join(", ");
    if postgres {
        format!("CAST(json_build_array({groups}) AS TEXT) AS translations")
    } else {
        format!("json_array({groups}) AS translations")
    }
}

/// The article's images that may not travel with copies (`WithheldImage`s as a JSON array):
/// the featured one and those its text shows, among the few the partial index
/// `media_withheld` holds. Where the text names the file is SQLite's `instr`, PostgreSQL's
/// `strpos`.
fn withheld(postgres: bool) -> Relation {
    Relation {
        name: "withheld",
        from: if postgres {
            "media w WHERE w.travels = 0 AND (w.id = a.featured_media_id OR strpos(a.body_html, '/media/' || w.path) > 0)"
        } else {
            "media w WHERE w.travels = 0 AND (w.id = a.featured_media_id OR instr(a.body_html, '/media/' || w.path) > 0)"
        },
        order: &["w.id"],
        fields: &[("media_id", "w.id"), ("path", "w.path"), ("credit", "w.credit")],
    }
}

/// What the newsroom's list shows of an article beside its title ([`Store::list_details`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListDetails {
    pub id: i64,
    pub published_at: Option<jiff::Timestamp>,
    /// The byline's names, in order.
    pub authors: Vec<String>,
    /// The featured image's smallest resized copy (or the image), a site path.
    pub thumbnail: Option<String>,
}

/// One relation of the article `a` as a JSON array column, ordered as it is read
/// ([`crate::rows::ordered_array`]).
fn json_array_column(postgres: bool, Relation { name, from, order, fields }: &Relation) -> String {
    let pairs: Vec<String> = fields.iter().map(|(n, e)| format!("'{n}', {e}")).collect();
    format!("{} AS {name}", crate::rows::ordered_array(postgres, &pairs.join(", "), order, from))
}

/// The three relation columns of the article `a` (see [`article_with_relations`]).
fn relation_columns(postgres: bool) -> String {
    RELATIONS.iter().map(|r| json_array_column(postgres, r)).collect::<Vec<_>>().join(", ")
}

static ARTICLE_WITH_RELATIONS_SQLITE: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| article_with_relations(false));
static ARTICLE_WITH_RELATIONS_POSTGRES: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| article_with_relations(true));

/// A snapshot's terms, each merged one replaced by the term it went into (`merged`: from, into).
fn file_under_merged_terms(snapshot: &mut NewArticle, merged: &[(i64, i64)]) {
    if merged.is_empty() || snapshot.term_ids.is_empty() {
        return;
    }
    let mut ids = Vec::with_capacity(snapshot.term_ids.len());
    for id in &snapshot.term_ids {
        let id = merged.iter().find(|(from, _)| from == id).map_or(*id, |(_, into)| *into);
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    snapshot.term_ids = ids;
}

/// What a second import reads of an article it made before ([`Store::imported_current`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedCurrent {
    pub revision: i64,
    pub status: ArticleStatus,
    /// The current revision's snapshot.
    pub snapshot: NewArticle,
    /// What the export said of it last time, when that was noted.
    pub imported: Option<NewArticle>,
}

/// [`article_with_relations`] with the columns of what the article's page shows around it.
fn with_surroundings(with_relations: &str, postgres: bool) -> String {
    let around = crate::surroundings::columns(postgres, "a.id");
    with_relations.replacen(" FROM articles a ", &format!(", {around} FROM articles a "), 1)
}

/// [`with_surroundings`] by slug (`$1`).
fn article_page_statement(with_relations: &str, postgres: bool) -> String {
    format!("{} WHERE a.slug = $1", with_surroundings(with_relations, postgres))
}

/// The statement that reads a list's keys, in its order, from its indexes alone, and the value
/// it binds to `$1`.
fn keys_statement(scope: Scope, sqlite: bool) -> (String, Option<i64>) {
    let ListSource { from, filter, value, time, id } = scope.keys_source(sqlite);
    let sql = format!(
        "SELECT a.published_at, a.id FROM {from} \
         WHERE a.status = 'published' AND a.published_at IS NOT NULL {filter} ORDER BY {time} DESC, {id} DESC"
    );
    (sql, value)
}

/// SQLite's statement for an article's page by its slug (`$1`), whose plan the tests read.
#[cfg(feature = "testing")]
pub(crate) fn sqlite_article_page_statement() -> String {
    article_page_statement(&ARTICLE_WITH_RELATIONS_SQLITE, false)
}

/// SQLite's statement for the keys of the list of a term and those below it (`$1`), whose
/// plan the tests read.
#[cfg(feature = "testing")]
pub(crate) fn sqlite_term_keys_statement() -> String {
    keys_statement(Scope::TermTree(0), true).0
}

/// An article's row and its relations' JSON arrays, as [`article_with_relations`] reads them.
type WithRelations = (ArticleRow, Option<String>, Option<String>, Option<String>);

fn with_relations<'r, R: sqlx::Row>(found: &'r R) -> Result<WithRelations, sqlx::Error>
where
    ArticleRow: sqlx::FromRow<'r, R>,
    Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    &'static str: sqlx::ColumnIndex<R>,
{
    Ok((
        sqlx::FromRow::from_row(found)?,
        found.try_get("rel_authors")?,
        found.try_get("rel_terms")?,
        found.try_get("rel_origins")?,
    ))
}

impl Store {
    /// This backend's [`article_with_relations`].
    pub(crate) fn article_with_relations(&self) -> &'static str {
        match self.db {
            crate::Db::Sqlite(_) => &ARTICLE_WITH_RELATIONS_SQLITE,
            crate::Db::Postgres(_) => &ARTICLE_WITH_RELATIONS_POSTGRES,
        }
    }
}

/// The comments a list shows beside an article: those approved (an index counts them).
const COMMENT_COUNT: &str =
    "(SELECT COUNT(*) FROM comments c WHERE c.article_id = a.id AND c.status = 'approved') AS comment_count";

/// `SELECT` and what a list shows of each article (`SummaryRow`): `a` is the article, `m` its
/// featured image, joined by the query.
fn summary_select(postgres: bool) -> String {
    format!(
        "SELECT a.id, a.slug, a.title, a.dek, a.excerpt, a.published_at, a.time_zone, \
         a.featured_alt, a.featured_credit, {COMMENT_COUNT}, {FEATURED_COLUMNS}, {}",
        relation_columns(postgres)
    )
}

row!(SummaryRow {
    id: i64,
    comment_count: i64,
    rel_authors: Option<String>,
    rel_terms: Option<String>,
    rel_origins: Option<String>,
    slug: String,
    title: String,
    dek: String,
    excerpt: String,
    published_at: i64,
    time_zone: String,
    featured_alt: String,
    featured_credit: String,
    m_id: Option<i64>,
    m_path: Option<String>,
    m_mime_type: Option<String>,
    m_size_bytes: Option<i64>,
    m_width: Option<i64>,
    m_height: Option<i64>,
    m_alt: Option<String>,
    m_credit: Option<String>,
    m_variant_widths: Option<String>,
    m_licence: Option<String>,
    m_travels: Option<i64>,
});

/// The featured image from the `m_*` columns of a `LEFT JOIN media m`, with the article's own
/// alt text and credit taking precedence over the media library's.
macro_rules! featured {
    ($row:expr) => {{
        let r = &$row;
        match (r.m_id, &r.m_path, &r.m_mime_type, r.m_size_bytes) {
            (Some(id), Some(path), Some(mime_type), Some(size_bytes)) => {
                let media = Media {
                    id,
                    path: path.clone(),
                    mime_type: mime_type.clone(),
                    size_bytes,
                    width: r.m_width,
                    height: r.m_height,
                    alt: r.m_alt.clone().unwrap_or_default(),
                    credit: r.m_credit.clone().unwrap_or_default(),
                    variant_widths: crate::rows::parse_widths(
                        r.m_variant_widths.as_deref().unwrap_or_default(),
                    ),
                    licence: r.m_licence.clone().unwrap_or_default(),
                    travels: r.m_travels.is_none_or(|t| t != 0),
                };
                let alt = if r.featured_alt.is_empty() { media.alt.clone() } else { r.featured_alt.clone() };
                let credit = if r.featured_credit.is_empty() {
                    media.credit.clone()
                } else {
                    r.featured_credit.clone()
                };
                Some(FeaturedImage { media, alt, credit })
            }
            _ => None,
        }
    }};
}

/// Which articles the newsroom's list shows; every part is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArticleFilter {
    pub status: Option<ArticleStatus>,
    pub author_id: Option<i64>,
    /// A term and every term below it.
    pub term_id: Option<i64>,
    /// Part of the title, in any case.
    pub title: Option<String>,
    /// Words anywhere in the headline, standfirst or text, as the site's search reads them.
    pub text: Option<masthead_core::SearchQuery>,
}

/// Which published articles a list holds.
#[derive(Clone, Copy)]
enum Scope {
    All,
    Author(i64),
    /// A term and every term below it.
    TermTree(i64),
}

/// How a list is read: what from, what narrows it (its value bound as `$1`), and the
/// publication time and id it is ordered by.
struct ListSource {
    from: &'static str,
    filter: &'static str,
    value: Option<i64>,
    time: &'static str,
    id: &'static str,
}

impl Scope {
    /// [`Scope::source`] for a statement that reads the articles' keys alone: on SQLite their
    /// status and time come from the index `articles_ranked`, not from each article's row,
    /// whose texts come first (the planner takes the row by its id otherwise: seven times as
    /// long for the keys of every term's list).
    fn keys_source(self, sqlite: bool) -> ListSource {
        let mut source = self.source();
        if sqlite {
            source.from = match self {
                Scope::All => source.from,
                Scope::Author(_) => {
                    "author_listings l JOIN articles a INDEXED BY articles_ranked ON a.id = l.article_id"
                }
                Scope::TermTree(_) => {
                    "term_listings l JOIN articles a INDEXED BY articles_ranked ON a.id = l.article_id"
                }
            };
        }
        source
    }

    /// A term and everything below it is one range of `term_listings`, an author one range of
    /// `author_listings`.
    fn source(self) -> ListSource {
        match self {
            Scope::All => {
                ListSource { from: "articles a", filter: "", value: None, time: "a.published_at", id: "a.id" }
            }
            Scope::Author(v) => ListSource {
                from: "author_listings l JOIN articles a ON a.id = l.article_id",
                filter: "AND l.author_id = $1",
                value: Some(v),
                time: "l.published_at",
                id: "l.article_id",
            },
            Scope::TermTree(v) => ListSource {
                from: "term_listings l JOIN articles a ON a.id = l.article_id",
                filter: "AND l.term_id = $1",
                value: Some(v),
                time: "l.published_at",
                id: "l.article_id",
            },
        }
    }
}

#[derive(Clone, Copy)]
enum ArticleKey<'a> {
    Id(i64),
    Slug(&'a Slug),
}

/// Authors, terms and origins of a set of articles, keyed by article id, each in order.
#[derive(Default)]
struct Relations {
    authors: HashMap<i64, Vec<Author>>,
    terms: HashMap<i64, Vec<Term>>,
    origins: HashMap<i64, Vec<Origin>>,
}

/// What an editor states about a published article, beside the article itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Amendment {
    /// A correction, with its text for readers.
    Correct(String),
    /// A withdrawal, with its notice for readers.
    Withdraw(String),
}

impl Amendment {
    fn text(&self) -> &str {
        match self {
            Amendment::Correct(t) | Amendment::Withdraw(t) => t,
        }
    }

    /// The name its revision lists it under.
    fn field(&self) -> &'static str {
        match self {
            Amendment::Correct(_) => "corrections",
            Amendment::Withdraw(_) => "withdrawal",
        }
    }
}

/// A stored correction: seconds and text.
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredCorrection {
    made_at: i64,
    text: String,
}

fn corrections_from_json(id: i64, json: &str) -> Result<Vec<Correction>> {
    let stored: Vec<StoredCorrection> = serde_json::from_str(json)
        .map_err(|e| StoreError::Corrupt(format!("article {id}: corrections: {e}")))?;
    stored.into_iter().map(|c| Ok(Correction { made_at: timestamp(c.made_at)?, text: c.text })).collect()
}

fn corrections_json(all: &[Correction]) -> Result<String> {
    let stored: Vec<StoredCorrection> = all
        .iter()
        .map(|c| StoredCorrection { made_at: c.made_at.as_second(), text: c.text.clone() })
        .collect();
    serde_json::to_string(&stored).map_err(|e| StoreError::Invalid(e.to_string()))
}

impl ArticleRow {
    fn into_article(self, rel: &mut Relations) -> Result<Article> {
        let row = self;
        let featured = featured!(row);
        let format = BodyFormat::from_key(&row.body_format)
            .ok_or_else(|| StoreError::Corrupt(format!("body format {:?}", row.body_format)))?;
        let chain = rel.origins.remove(&row.id).unwrap_or_default();
        Ok(Article {
            id: row.id,
            slug: slug(row.slug)?,
            title: row.title,
            dek: row.dek,
            body: RenderedBody { format, source: row.body_source, html: row.body_html },
            excerpt: row.excerpt,
            status: row
                .status
                .parse()
                .map_err(|e| StoreError::Corrupt(format!("article {}: {e}", row.id)))?,
            created_at: timestamp(row.created_at)?,
            updated_at: timestamp(row.updated_at)?,
            published_at: row.published_at.map(timestamp).transpose()?,
            time_zone: row.time_zone,
            authors: rel.authors.remove(&row.id).unwrap_or_default(),
            terms: rel.terms.remove(&row.id).unwrap_or_default(),
            featured,
            reuse_policy: row
                .reuse_policy
                .map(|p| p.parse())
                .transpose()
                .map_err(|e| StoreError::Corrupt(format!("article {}: {e}", row.id)))?,
            provenance: if chain.is_empty() { Provenance::Own } else { Provenance::Republished { chain } },
            revision: row.revision,
            first_slug: row.first_slug.map(slug).transpose()?,
            corrections: corrections_from_json(row.id, &row.corrections)?,
            translations: crate::rows::ordered_json_groups(
                &format!("article {}: translations", row.id),
                row.translations.as_deref(),
            )?,
            language: row.language,
            translation_of: row.translation_of,
            revised_at: row.revised_at.map(timestamp).transpose()?,
            word_count: row.word_count.and_then(|n| usize::try_from(n).ok()),
            withheld_images: crate::rows::ordered_json_rows(
                &format!("article {}: withheld images", row.id),
                row.withheld.as_deref(),
            )?,
            withdrawal: row
                .withdrawn_at
                .map(|at| {
                    Ok::<_, StoreError>(Withdrawal { at: timestamp(at)?, notice: row.withdrawal_notice })
                })
                .transpose()?,
        })
    }
}

impl Store {
    /// Saves a new article with its bylines, terms and provenance, all or nothing, as its
    /// first revision.
    pub async fn create_article(&self, new: &NewArticle) -> Result<Article> {
        self.create_article_by(new, None).await
    }

    /// [`Store::create_article`], naming the staff member who saved it.
    pub async fn create_article_by(&self, new: &NewArticle, user_id: Option<i64>) -> Result<Article> {
        self.insert_article(new, user_id, None).await
    }

    /// Saves an article taken in from a partner, with where it came from, in one transaction.
    /// Refused when it is to be published and the partner's terms forbid that here.
    pub async fn create_syndicated(&self, new: &NewArticle, record: &SyndicationRecord) -> Result<Article> {
        if matches!(new.status, ArticleStatus::Published | ArticleStatus::Scheduled)
            && let Some(reason) = record.terms.refusal(self.site().await?.commercial)
        {
            return Err(StoreError::Refused(reason));
        }
        self.insert_article(new, None, Some(record)).await
    }

    /// Saves many new articles in one transaction, all or nothing (imports and generated
    /// outlets): each with its relations and first revision, as [`Store::create_article`].
    pub async fn create_articles(&self, news: &[NewArticle]) -> Result<Vec<i64>> {
        self.insert_batch(news, None).await
    }

    /// [`Store::create_articles`] for an import: each article's import key (`keys[i]` under
    /// `source`) is written in the same transaction, so that a re-run after a crash finds
    /// every article of a committed batch and none of a failed one.
    pub async fn create_imported_articles(
        &self,
        news: &[NewArticle],
        source: &str,
        keys: &[String],
    ) -> Result<Vec<i64>> {
        if keys.len() != news.len() {
            return Err(StoreError::Invalid("one import key per article is needed".into()));
        }
        self.insert_batch(news, Some((source, keys))).await
    }

    async fn insert_batch(&self, news: &[NewArticle], keys: Option<(&str, &[String])>) -> Result<Vec<i64>> {
        let mut prepared = Vec::with_capacity(news.len());
        for new in news {
            let (new, published_at, excerpt) = prepare(new)?;
            let snapshot = snapshot(&new)?;
            let changed = changed_fields(None, &snapshot);
            prepared.push((new, published_at, excerpt, snapshot, changed));
        }
        // What the export said, for the next import's comparison: in the form it is saved in
        // (`make_publishable`), as the revision it is compared with is.
        let imported = match keys {
            Some(_) => {
                prepared.iter().map(|p| crate::imports::pack_imported(&p.0)).collect::<Result<Vec<_>>>()?
            }
            None => Vec::new(),
        };
        let config = self.search_config().await?;
        let documents: Vec<SearchDocument> = prepared.iter().map(|p| SearchDocument::of(&p.0)).collect();
        let now = now_seconds();
        // On PostgreSQL every statement is a round trip to the server: the batch goes table by
        // table instead of article by article.
        if let (crate::Db::Postgres(pool), Some(config)) = (&self.db, config) {
            let prepared: Vec<crate::batch::Prepared> = prepared
                .into_iter()
                .map(|(new, published_at, excerpt, snapshot, changed)| crate::batch::Prepared {
                    new,
                    published_at,
                    excerpt,
                    snapshot,
                    changed,
                })
                .collect();
            let keys = keys.map(|(source, keys)| crate::batch::Keys { source, keys, imported: &imported });
            self.count_round_trip();
            let ids =
                crate::batch::insert_articles(self, pool, &prepared, &documents, config, keys, now).await?;
            self.changed_here(vec!["all".to_owned()]);
            return Ok(ids);
        }
        let ids: Vec<i64> = on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let mut ids = Vec::with_capacity(prepared.len());
            for (new, published_at, excerpt, snapshot, changed) in &prepared {
                let q = sqlx::query_scalar(
                    "INSERT INTO articles (slug, title, dek, body_format, body_source, body_html, excerpt, status, \
                     created_at, updated_at, published_at, time_zone, featured_media_id, featured_alt, \
                     featured_credit, reuse_policy, word_count, revision, first_slug) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11, $12, $13, $14, $15, $16, 1, \
                     CASE WHEN $8 = 'published' THEN $1 END) RETURNING id",
                );
                let id: i64 = bind_fields!(q, new, excerpt, now, published_at).fetch_one(&mut *tx).await?;
                write_relations!(tx, id, new);
                write_language!(tx, id, new, false);
                crate::listings::list_published!(tx, id, new.status, *published_at);
                index_for_search!(tx, id, documents[ids.len()], config);
                record_save!(tx, id, 1_i64, None::<i64>, now, changed, snapshot);
                if let Some((source, keys)) = keys {
                    sqlx::query(
                        "INSERT INTO import_keys (source, key, kind, record_id, imported) VALUES ($1, $2, $3, $4, $5) \
                         ON CONFLICT (source, key, kind) DO UPDATE SET record_id = excluded.record_id, \
                         imported = excluded.imported",
                    )
                    .bind(source)
                    .bind(&keys[ids.len()])
                    .bind(crate::ImportedKind::Article.key())
                    .bind(id)
                    .bind(&imported[ids.len()])
                    .execute(&mut *tx)
                    .await?;
                }
                ids.push(id);
            }
            // Once every article of the batch has its terms and keywords, so that the batch's
            // articles find each other too.
            for (id, document) in ids.iter().zip(&documents) {
                choose_related!(tx, *id, document, config.is_none());
            }
            crate::notify::announce_in!(self, &mut *tx, &["all".to_owned()]);
            tx.commit().await?;
            ids
        });
        self.changed_here(vec!["all".to_owned()]);
        Ok(ids)
    }

    async fn insert_article(
        &self,
        new: &NewArticle,
        user_id: Option<i64>,
        record: Option<&SyndicationRecord>,
    ) -> Result<Article> {
        let (new, published_at, excerpt) = prepare(new)?;
        let new = &new;
        let snapshot = snapshot(new)?;
        let changed = changed_fields(None, &snapshot);
        let config = self.search_config().await?;
        let document = SearchDocument::of(new);
        let now = now_seconds();
        let id: i64 = on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let q = sqlx::query_scalar(
                "INSERT INTO articles (slug, title, dek, body_format, body_source, body_html, excerpt, status, \
                 created_at, updated_at, published_at, time_zone, featured_media_id, featured_alt, \
                 featured_credit, reuse_policy, word_count, revision, first_slug) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11, $12, $13, $14, $15, $16, 1, \
                 CASE WHEN $8 = 'published' THEN $1 END) RETURNING id",
            );
            let id: i64 = bind_fields!(q, new, excerpt, now, published_at).fetch_one(&mut *tx).await?;
            write_relations!(tx, id, new);
            write_language!(tx, id, new, false);
            crate::listings::list_published!(tx, id, new.status, published_at);
            index_for_search!(tx, id, document, config);
            choose_related!(tx, id, document, config.is_none());
            record_save!(tx, id, 1_i64, user_id, now, changed, snapshot);
            if let Some(record) = record {
                record_syndication!(tx, id, record, now, None::<i64>);
            }
            crate::notify::announce_in!(self, &mut *tx, &crate::notify::article_keys(id, &new.author_ids, &new.term_ids));
            tx.commit().await?;
            id
        });
        self.changed_here(crate::notify::article_keys(id, &new.author_ids, &new.term_ids));
        self.article(id).await
    }

    /// Saves a new version of article `id` over `base_revision`, the revision the editor started
    /// from. When someone else saved in between, nothing is written and the error names the
    /// revision now stored.
    ///
    /// An article taken in from a partner keeps to the partner's terms: it is not published when
    /// they forbid it here, and its text does not change when they forbid edits.
    pub async fn update_article(
        &self,
        id: i64,
        base_revision: i64,
        new: &NewArticle,
        user_id: Option<i64>,
    ) -> Result<Article> {
        if let Some(syndicated) = self.syndication(id).await? {
            if matches!(new.status, ArticleStatus::Published | ArticleStatus::Scheduled)
                && let Some(reason) = syndicated.terms.refusal(self.site().await?.commercial)
            {
                return Err(StoreError::Refused(reason));
            }
            if syndicated.terms.locks_text() {
                let current = self.article(id).await?;
                if current.body.source != new.body.source || current.body.format != new.body.format {
                    return Err(StoreError::Refused(format!(
                        "The partner's terms ({}) forbid changes to the text; the headline and the regions, themes and tags may change.",
                        syndicated.terms.name()
                    )));
                }
            }
        }
        self.write_update(id, base_revision, new, user_id, None, None).await
    }

    /// Saves the partner's new version of an article taken in from them, as a revision of our
    /// copy, and marks it as changed at the source for the editors to see.
    pub async fn update_syndicated(
        &self,
        id: i64,
        base_revision: i64,
        new: &NewArticle,
        record: &SyndicationRecord,
    ) -> Result<Article> {
        self.write_update(id, base_revision, new, None, Some(record), None).await
    }

    /// Corrects or withdraws the published article `id`, as a save over `base_revision` (which
    /// the editor saw): a correction is printed under the article and raises its version
    /// everywhere it travels; a withdrawal unpublishes it, and its page answers 410 Gone with
    /// the notice. Either is announced to feeds, WebSub and partners like any other save.
    pub async fn amend_article(
        &self,
        id: i64,
        base_revision: i64,
        amendment: &Amendment,
        user_id: Option<i64>,
    ) -> Result<Article> {
        let current = self.article(id).await?;
        if current.revision != base_revision {
            return Err(StoreError::Stale { current: current.revision });
        }
        if current.status != ArticleStatus::Published {
            return Err(StoreError::Invalid(match amendment {
                Amendment::Correct(_) => "Only a published article can be corrected.".into(),
                Amendment::Withdraw(_) => "Only a published article can be withdrawn.".into(),
            }));
        }
        let mut text = amendment.text().trim().to_owned();
        masthead_core::text::make_publishable(&mut text);
        if text.is_empty() {
            return Err(StoreError::Invalid(match amendment {
                Amendment::Correct(_) => "A correction needs its text.".into(),
                Amendment::Withdraw(_) => "A withdrawal needs a notice for readers.".into(),
            }));
        }
        let mut new = self.revision_snapshot(id, base_revision).await?;
        new.published_at = current.published_at;
        let amendment = match amendment {
            Amendment::Correct(_) => Amendment::Correct(text),
            Amendment::Withdraw(_) => {
                new.status = ArticleStatus::Unpublished;
                Amendment::Withdraw(text)
            }
        };
        self.write_update(id, base_revision, &new, user_id, None, Some(&amendment)).await
    }

    /// Notes another identity of an item already taken in (its guid changed, or another source
    /// carries it).
    pub async fn remember_item(&self, source_id: i64, item_key: &str, article_id: i64) -> Result<()> {
        on_db!(self, pool => {
            sqlx::query("INSERT INTO ingested_items (source_id, item_key, article_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                .bind(source_id)
                .bind(item_key)
                .bind(article_id)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    async fn write_update(
        &self,
        id: i64,
        base_revision: i64,
        new: &NewArticle,
        user_id: Option<i64>,
        record: Option<&SyndicationRecord>,
        amendment: Option<&Amendment>,
    ) -> Result<Article> {
        let previous: Option<(i64, String)> = on_db!(self, pool => {
            sqlx::query_as("SELECT revision, snapshot FROM article_revisions WHERE article_id = $1 ORDER BY revision DESC LIMIT 1")
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        let previous = match previous {
            Some((revision, stored)) => Some(crate::revisions::snapshot_json(&stored, id, revision)?),
            None => None,
        };
        let new = &still_generated_excerpt(new, previous.as_deref());
        let (new, published_at, excerpt) = prepare(new)?;
        let new = &new;
        let snapshot = snapshot(new)?;
        let mut changed = changed_fields(previous.as_deref(), &snapshot);
        if let Some(amendment) = amendment {
            if !changed.is_empty() {
                changed.push(',');
            }
            changed.push_str(amendment.field());
        }
        let config = self.search_config().await?;
        let document = SearchDocument::of(new);
        let now = now_seconds();
        // Whether its address is one that readers and feeds already know. Read before the
        // transaction, whose first statement must be its write (on SQLite a read first would
        // have to upgrade its lock, and fail at once if another save came between); the
        // update below only applies over `base_revision`, so what is read here is that
        // revision's unless the save fails as stale.
        let before: Option<(String, Option<String>, String)> = on_db!(self, pool => {
            sqlx::query_as("SELECT slug, first_slug, corrections FROM articles WHERE id = $1 AND revision = $2")
                .bind(id)
                .bind(base_revision)
                .fetch_optional(pool)
                .await?
        });
        on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let q = sqlx::query(
                "UPDATE articles SET slug = $1, title = $2, dek = $3, body_format = $4, body_source = $5, \
                 body_html = $6, excerpt = $7, status = $8, updated_at = $9, published_at = $10, time_zone = $11, \
                 featured_media_id = $12, featured_alt = $13, featured_credit = $14, reuse_policy = $15, \
                 word_count = $16, revision = revision + 1, first_slug = COALESCE(first_slug, CASE WHEN $8 = 'published' THEN $1 END), \
                 withdrawn_at = CASE WHEN $8 = 'unpublished' THEN withdrawn_at END, \
                 withdrawal_notice = CASE WHEN $8 = 'unpublished' THEN withdrawal_notice ELSE '' END \
                 WHERE id = $17 AND revision = $18",
            );
            let updated = bind_fields!(q, new, excerpt, now, published_at)
            .bind(id)
            .bind(base_revision)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if updated == 0 {
                let current: Option<i64> = sqlx::query_scalar("SELECT revision FROM articles WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
                return Err(match current {
                    None => StoreError::NotFound,
                    Some(current) => StoreError::Stale { current },
                });
            }
            match (amendment, &before) {
                (Some(Amendment::Correct(text)), Some((_, _, corrections))) => {
                    let mut all = corrections_from_json(id, corrections)?;
                    all.push(Correction { made_at: timestamp(now)?, text: text.clone() });
                    sqlx::query("UPDATE articles SET corrections = $1, amended_revision = revision WHERE id = $2")
                        .bind(corrections_json(&all)?)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                }
                (Some(Amendment::Withdraw(notice)), _) => {
                    sqlx::query(
                        "UPDATE articles SET withdrawn_at = $1, withdrawal_notice = $2, amended_revision = revision \
                         WHERE id = $3",
                    )
                        .bind(now)
                        .bind(notice)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                }
                _ => {}
            }
            // Readers see new words in an article that was already out: the page says when.
            if matches!(&before, Some((_, Some(_), _)))
                && changed.split(',').any(|f| matches!(f, "title" | "dek" | "body"))
            {
                sqlx::query("UPDATE articles SET revised_at = $1 WHERE id = $2")
                    .bind(now)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            if let Some((old_slug, Some(_), _)) = &before
                && *old_slug != new.slug.as_str()
            {
                moved!(tx, article_path(&slug(old_slug.clone())?), article_path(&new.slug), now);
            }
            for table in ["article_authors", "article_terms", "article_origins"] {
                sqlx::query(&format!("DELETE FROM {table} WHERE article_id = $1")).bind(id).execute(&mut *tx).await?;
            }
            write_relations!(tx, id, new);
            write_language!(tx, id, new, true);
            crate::listings::list_published!(tx, id, new.status, published_at);
            index_for_search!(tx, id, document, config);
            choose_related!(tx, id, document, config.is_none());
            record_save!(tx, id, base_revision + 1, user_id, now, changed, snapshot);
            match record {
                Some(record) => {
                    record_syndication!(tx, id, record, now, Some(now));
                }
                // An editor's save: they have seen what changed at the source.
                None if user_id.is_some() => {
                    sqlx::query("UPDATE syndicated_articles SET changed_upstream_at = NULL WHERE article_id = $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                }
                None => {}
            }
            crate::notify::announce_in!(self, &mut *tx, &crate::notify::article_keys(id, &new.author_ids, &new.term_ids));
            tx.commit().await?;
        });
        self.changed_here(crate::notify::article_keys(id, &new.author_ids, &new.term_ids));
        self.article(id).await
    }

    /// The saves of an article, newest first.
    pub async fn revisions(&self, article_id: i64) -> Result<Vec<Revision>> {
        let rows: Vec<(i64, Option<i64>, i64, String)> = on_db!(self, pool => {
            sqlx::query_as(
                "SELECT revision, user_id, saved_at, changed FROM article_revisions WHERE article_id = $1 \
                 ORDER BY revision DESC",
            )
            .bind(article_id)
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|(revision, user_id, saved_at, changed)| {
                Ok(Revision {
                    revision,
                    user_id,
                    saved_at: timestamp(saved_at)?,
                    changed: changed.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect(),
                })
            })
            .collect()
    }

    /// The article as it was saved at `revision`, ready to be restored with
    /// [`Store::update_article`].
    /// What a second import needs of the article `article_id` that its `key` from `source`
    /// became, in one statement: its revision and status now, its current revision's snapshot
    /// (filed under the terms merged terms went into, as [`Store::revision_snapshot`] gives it),
    /// and what the export said of it last time ([`Store::imported_article`]). None when the
    /// article is gone.
    pub async fn imported_current(
        &self,
        article_id: i64,
        source: &str,
        key: &str,
    ) -> Result<Option<ImportedCurrent>> {
        // The revision, status, stored snapshot, what the export said, and the merged terms.
        type Found = (i64, String, String, Option<String>, Option<String>);
        let found: Option<Found> = on_db!(self, pool => {
            let merged = match &self.db {
                crate::Db::Sqlite(_) => "(SELECT json_group_array(json_array(from_id, into_id)) FROM merged_terms)",
                crate::Db::Postgres(_) => "(SELECT CAST(json_agg(json_build_array(from_id, into_id)) AS TEXT) FROM merged_terms)",
            };
            sqlx::query_as(&format!(
                "SELECT a.revision, a.status, r.snapshot, k.imported, {merged} FROM articles a \
                 JOIN article_revisions r ON r.article_id = a.id AND r.revision = a.revision \
                 LEFT JOIN import_keys k ON k.source = $2 AND k.key = $3 AND k.kind = 'article' \
                 WHERE a.id = $1"
            ))
            .bind(article_id)
            .bind(source)
            .bind(key)
            .fetch_optional(pool)
            .await?
        });
        let Some((revision, status, stored, imported, merged)) = found else { return Ok(None) };
        let json = crate::revisions::snapshot_json(&stored, article_id, revision)?;
        let mut snapshot: NewArticle = serde_json::from_str(&json)
            .map_err(|e| StoreError::Corrupt(format!("revision {revision} of article {article_id}: {e}")))?;
        let merged: Vec<(i64, i64)> = match merged {
            Some(text) => serde_json::from_str(&text)
                .map_err(|e| StoreError::Corrupt(format!("the merged terms: {e}")))?,
            None => Vec::new(),
        };
        file_under_merged_terms(&mut snapshot, &merged);
        let imported = imported.map(|stored| crate::imports::unpack_imported(key, &stored)).transpose()?;
        let status: ArticleStatus =
            status.parse().map_err(|e| StoreError::Corrupt(format!("article {article_id}: {e}")))?;
        Ok(Some(ImportedCurrent { revision, status, snapshot, imported }))
    }

    pub async fn revision_snapshot(&self, article_id: i64, revision: i64) -> Result<NewArticle> {
        let stored: String = on_db!(self, pool => {
            sqlx::query_scalar("SELECT snapshot FROM article_revisions WHERE article_id = $1 AND revision = $2")
                .bind(article_id)
                .bind(revision)
                .fetch_one(pool)
                .await?
        });
        let json = crate::revisions::snapshot_json(&stored, article_id, revision)?;
        let mut snapshot: NewArticle = serde_json::from_str(&json)
            .map_err(|e| StoreError::Corrupt(format!("revision {revision} of article {article_id}: {e}")))?;
        // A term merged into another since: the revision is filed under the one it went into.
        if !snapshot.term_ids.is_empty() {
            let sql = format!(
                "SELECT from_id, into_id FROM merged_terms WHERE from_id IN ({})",
                placeholders(1, snapshot.term_ids.len())
            );
            let merged: Vec<(i64, i64)> = on_db!(self, pool => {
                let mut q = sqlx::query_as(&sql);
                for id in &snapshot.term_ids {
                    q = q.bind(id);
                }
                q.fetch_all(pool).await?
            });
            file_under_merged_terms(&mut snapshot, &merged);
        }
        Ok(snapshot)
    }

    /// An article, whatever its status.
    pub async fn article(&self, id: i64) -> Result<Article> {
        self.article_where(ArticleKey::Id(id)).await
    }

    /// An article by its slug, whatever its status: the caller decides who may see it.
    pub async fn article_by_slug(&self, slug: &Slug) -> Result<Article> {
        self.article_where(ArticleKey::Slug(slug)).await
    }

    /// An article by its slug, whatever its status, with what its page shows around it, in one
    /// statement: what an uncached article page reads.
    pub async fn article_page(&self, slug: &Slug) -> Result<(Article, crate::Surroundings)> {
        static SQLITE: std::sync::LazyLock<String> =
            std::sync::LazyLock::new(|| article_page_statement(&ARTICLE_WITH_RELATIONS_SQLITE, false));
        static POSTGRES: std::sync::LazyLock<String> =
            std::sync::LazyLock::new(|| article_page_statement(&ARTICLE_WITH_RELATIONS_POSTGRES, true));
        let ((row, authors, terms, origins), around): (WithRelations, crate::surroundings::Around) = on_db!(self, pool => {
            let sql: &str = match &self.db {
                crate::Db::Sqlite(_) => &SQLITE,
                crate::Db::Postgres(_) => &POSTGRES,
            };
            let found = sqlx::query(sql).bind(slug.as_str()).fetch_one(pool).await?;
            (with_relations(&found)?, crate::surroundings::around(&found)?)
        });
        let id = row.id;
        let mut rel = relations_from_json(id, authors, terms, origins)?;
        let article = row.into_article(&mut rel)?;
        Ok((article, crate::surroundings::surroundings(id, around)?))
    }

    /// Published articles with what their pages show around them, newest first, at most
    /// `limit` of them after `after`: what the static export reads, a batch at a time, where a
    /// page reads one (the same rows as [`Store::article_page`] gives each).
    pub async fn published_pages(
        &self,
        after: Option<Cursor>,
        limit: u32,
    ) -> Result<Vec<(Article, crate::Surroundings)>> {
        static SQLITE: std::sync::LazyLock<String> =
            std::sync::LazyLock::new(|| with_surroundings(&ARTICLE_WITH_RELATIONS_SQLITE, false));
        static POSTGRES: std::sync::LazyLock<String> =
            std::sync::LazyLock::new(|| with_surroundings(&ARTICLE_WITH_RELATIONS_POSTGRES, true));
        let select: &str = match &self.db {
            crate::Db::Sqlite(_) => &SQLITE,
            crate::Db::Postgres(_) => &POSTGRES,
        };
        let keyset = if after.is_some() {
            "AND (a.published_at < $1 OR (a.published_at = $1 AND a.id < $2))"
        } else {
            ""
        };
        let sql = format!(
            "{select} WHERE a.status = 'published' AND a.published_at IS NOT NULL {keyset} \
             ORDER BY a.published_at DESC, a.id DESC LIMIT {}",
            limit.max(1)
        );
        let rows: Vec<(WithRelations, crate::surroundings::Around)> = on_db!(self, pool => {
            let mut q = sqlx::query(&sql);
            if let Some(after) = after {
                q = q.bind(after.published_at.as_second()).bind(after.id);
            }
            q.fetch_all(pool)
                .await?
                .iter()
                .map(|found| Ok::<_, sqlx::Error>((with_relations(found)?, crate::surroundings::around(found)?)))
                .collect::<Result<_, sqlx::Error>>()?
        });
        rows.into_iter()
            .map(|((row, authors, terms, origins), around)| {
                let id = row.id;
                let mut rel = relations_from_json(id, authors, terms, origins)?;
                let article = row.into_article(&mut rel)?;
                Ok((article, crate::surroundings::surroundings(id, around)?))
            })
            .collect()
    }

    async fn article_where(&self, key: ArticleKey<'_>) -> Result<Article> {
        let condition = match key {
            ArticleKey::Id(_) => "a.id = $1",
            ArticleKey::Slug(_) => "a.slug = $1",
        };
        // The article and its bylines, terms and origins in one statement: each relation as a
        // JSON array, so that a page costs one round trip to the database, not four.
        let sql = format!("{} WHERE {condition}", self.article_with_relations());
        let (row, authors, terms, origins): WithRelations = on_db!(self, pool => {
            let q = sqlx::query(&sql);
            let q = match key {
                ArticleKey::Id(id) => q.bind(id),
                ArticleKey::Slug(slug) => q.bind(slug.as_str()),
            };
            with_relations(&q.fetch_one(pool).await?)?
        });
        let mut rel = relations_from_json(row.id, authors, terms, origins)?;
        row.into_article(&mut rel)
    }

    /// Whole articles by id, in the order of `ids`; ids that do not exist are left out. One
    /// statement, each row with its bylines, terms and origins.
    pub async fn articles(&self, ids: &[i64]) -> Result<Vec<Article>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!("{} WHERE a.id IN ({})", self.article_with_relations(), placeholders(1, ids.len()));
        let rows: Vec<WithRelations> = on_db!(self, pool => {
            let mut q = sqlx::query(&sql);
            for id in ids {
                q = q.bind(id);
            }
            q.fetch_all(pool).await?.iter().map(with_relations).collect::<Result<_, sqlx::Error>>()?
        });
        let mut by_id: HashMap<i64, Article> = HashMap::new();
        for (row, authors, terms, origins) in rows {
            let id = row.id;
            let mut rel = relations_from_json(id, authors, terms, origins)?;
            by_id.insert(id, row.into_article(&mut rel)?);
        }
        Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
    }

    /// What the newsroom's list shows of each article beside its title: the byline's names in
    /// order, and the featured image's path and resized widths. One statement for the page.
    pub async fn list_details(&self, ids: &[i64]) -> Result<Vec<ListDetails>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let postgres = self.backend() == "postgres";
        let names = json_array_column(
            postgres,
            &Relation {
                name: "names",
                from: "article_authors aa JOIN authors au ON au.id = aa.author_id WHERE aa.article_id = a.id",
                order: &["aa.position"],
                fields: &[("name", "au.name")],
            },
        );
        let sql = format!(
            "SELECT a.id, a.published_at, {names}, m.path, m.variant_widths FROM articles a \
             LEFT JOIN media m ON m.id = a.featured_media_id WHERE a.id IN ({})",
            placeholders(1, ids.len())
        );
        /// (id, published, byline names as JSON, image path, image widths)
        type Row = (i64, Option<i64>, Option<String>, Option<String>, Option<String>);
        let rows: Vec<Row> = on_db!(self, pool => {
            let mut q = sqlx::query_as(&sql);
            for id in ids {
                q = q.bind(id);
            }
            q.fetch_all(pool).await?
        });
        #[derive(serde::Deserialize)]
        struct Name {
            name: String,
        }
        rows.into_iter()
            .map(|(id, published_at, names, path, widths)| {
                let authors: Vec<Name> =
                    crate::rows::ordered_json_rows(&format!("the byline of article {id}"), names.as_deref())?;
                let thumbnail = path.map(|path| {
                    let smallest = widths
                        .unwrap_or_default()
                        .split(',')
                        .filter_map(|w| w.trim().parse::<i64>().ok())
                        .min();
                    match smallest {
                        Some(w) => format!("/media/{}", masthead_core::media::variant_path(&path, w)),
                        None => format!("/media/{path}"),
                    }
                });
                Ok(ListDetails {
                    id,
                    published_at: published_at.map(crate::timestamp).transpose()?,
                    authors: authors.into_iter().map(|n| n.name).collect(),
                    thumbnail,
                })
            })
            .collect()
    }

    /// Every published article, for sitemaps and the static export, newest first.
    pub async fn published_index(&self) -> Result<Vec<IndexEntry>> {
        let rows: Vec<(String, String, i64, i64)> = on_db!(self, pool => {
            sqlx::query_as(
                "SELECT slug, title, published_at, updated_at FROM articles \
                 WHERE status = 'published' AND published_at IS NOT NULL ORDER BY published_at DESC, id DESC",
            )
            .fetch_all(pool)
            .await?
        });
        index_entries(rows)
    }

    /// The ids of the first and last published articles and the time of the latest change to
    /// any, or `None` when nothing is published: what the sitemap index is made of. Three
    /// index seeks.
    pub async fn published_span(&self) -> Result<Option<PublishedSpan>> {
        let from = self.sitemap_source();
        let sql = format!(
            "SELECT (SELECT id FROM {from} WHERE status = 'published' AND published_at IS NOT NULL ORDER BY id LIMIT 1), \
             (SELECT id FROM {from} WHERE status = 'published' AND published_at IS NOT NULL ORDER BY id DESC LIMIT 1), \
             (SELECT updated_at FROM articles WHERE status = 'published' ORDER BY updated_at DESC LIMIT 1)"
        );
        let row: (Option<i64>, Option<i64>, Option<i64>) =
            on_db!(self, pool => sqlx::query_as(&sql).fetch_one(pool).await?);
        match row {
            (Some(first_id), Some(last_id), Some(updated)) => {
                Ok(Some(PublishedSpan { first_id, last_id, last_changed: timestamp(updated)? }))
            }
            _ => Ok(None),
        }
    }

    /// Our own published articles (not republished from another outlet) with ids from `from`
    /// up to `until` (excluded), in id order: one sitemap page, read by key.
    pub async fn own_published_between(&self, from: i64, until: i64) -> Result<Vec<IndexEntry>> {
        let sql = format!(
            "SELECT a.slug, a.title, a.published_at, a.updated_at FROM {} \
             WHERE a.id >= $1 AND a.id < $2 AND a.status = 'published' AND a.published_at IS NOT NULL \
             AND NOT EXISTS (SELECT 1 FROM article_origins o WHERE o.article_id = a.id) ORDER BY a.id",
            self.sitemap_source()
        );
        let rows: Vec<(String, String, i64, i64)> = on_db!(self, pool => {
            sqlx::query_as(&sql).bind(from).bind(until).fetch_all(pool).await?
        });
        index_entries(rows)
    }

    /// The articles as the sitemaps read them: on SQLite through `articles_sitemap`, which
    /// holds every column they need (the planner, without statistics, would take the listing
    /// index or the rows themselves); PostgreSQL's planner chooses by itself.
    fn sitemap_source(&self) -> &'static str {
        match self.db {
            crate::Db::Sqlite(_) => "articles a INDEXED BY articles_sitemap",
            crate::Db::Postgres(_) => "articles a",
        }
    }

    /// Our own articles published from `since` on, newest first, at most `limit`: the news
    /// sitemap's, read from the listing index.
    pub async fn own_published_since(&self, since: jiff::Timestamp, limit: u32) -> Result<Vec<IndexEntry>> {
        let rows: Vec<(String, String, i64, i64)> = on_db!(self, pool => {
            sqlx::query_as(
                "SELECT a.slug, a.title, a.published_at, a.updated_at FROM articles a \
                 WHERE a.status = 'published' AND a.published_at >= $1 \
                 AND NOT EXISTS (SELECT 1 FROM article_origins o WHERE o.article_id = a.id) \
                 ORDER BY a.published_at DESC, a.id DESC LIMIT $2",
            )
            .bind(since.as_second())
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?
        });
        index_entries(rows)
    }

    /// Published articles changed at or after `since`, oldest change first, for partners who
    /// poll: pass the last (updated, id) seen as `after` to continue.
    pub async fn published_changed_since(
        &self,
        since: jiff::Timestamp,
        after: Option<(jiff::Timestamp, i64)>,
        limit: u32,
    ) -> Result<(Vec<Article>, Option<(jiff::Timestamp, i64)>)> {
        let limit = limit.clamp(1, 100);
        let (after_at, after_id) = after.map(|(t, id)| (t.as_second(), id)).unwrap_or((i64::MIN, i64::MIN));
        let sql = format!(
            "SELECT id, updated_at FROM articles WHERE status = 'published' AND updated_at >= $1 \
             AND (updated_at > $2 OR (updated_at = $2 AND id > $3)) ORDER BY updated_at, id LIMIT {}",
            limit + 1
        );
        let mut rows: Vec<(i64, i64)> = on_db!(self, pool => {
            sqlx::query_as(&sql).bind(since.as_second()).bind(after_at).bind(after_id).fetch_all(pool).await?
        });
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let next = if more {
            rows.last().map(|(id, at)| timestamp(*at).map(|t| (t, *id))).transpose()?
        } else {
            None
        };
        let ids: Vec<i64> = rows.iter().map(|(id, _)| *id).collect();
        Ok((self.articles(&ids).await?, next))
    }

    /// The `limit` most recently changed articles, of one status or of all:
    /// (id, slug, title, status, updated).
    pub async fn recent_articles(
        &self,
        status: Option<ArticleStatus>,
        limit: u32,
    ) -> Result<Vec<(i64, Slug, String, ArticleStatus, jiff::Timestamp)>> {
        self.find_articles(&ArticleFilter { status, ..ArticleFilter::default() }, limit).await
    }

    /// The `limit` most recently changed articles that match `filter`, for the newsroom's lists:
    /// (id, slug, title, status, updated).
    pub async fn find_articles(
        &self,
        filter: &ArticleFilter,
        limit: u32,
    ) -> Result<Vec<(i64, Slug, String, ArticleStatus, jiff::Timestamp)>> {
        let mut conditions = Vec::new();
        let mut n = 0;
        let mut next = || {
            n += 1;
            n
        };
        if filter.status.is_some() {
            conditions.push(format!("a.status = ${}", next()));
        }
        if filter.author_id.is_some() {
            conditions.push(format!(
                "a.id IN (SELECT article_id FROM article_authors WHERE author_id = ${})",
                next()
            ));
        }
        let subtree = if filter.term_id.is_some() {
            let p = next();
            conditions.push(
                "a.id IN (SELECT article_id FROM article_terms WHERE term_id IN (SELECT id FROM subtree))"
                    .into(),
            );
            format!(
                "WITH RECURSIVE subtree (id, depth) AS ( SELECT id, 0 FROM terms WHERE id = ${p} UNION ALL \
                 SELECT t.id, subtree.depth + 1 FROM terms t JOIN subtree ON t.parent_id = subtree.id \
                 WHERE subtree.depth < 32) "
            )
        } else {
            String::new()
        };
        let title = filter.title.as_deref().map(str::trim).filter(|t| !t.is_empty());
        if title.is_some() {
            conditions.push(format!("LOWER(a.title) LIKE ${} ESCAPE '\\'", next()));
        }
        let text = match filter.text.as_ref().filter(|q| !q.is_empty()) {
            Some(query) => {
                let first = next();
                next();
                let (condition, values) = self.text_filter(query, first).await?;
                conditions.push(condition);
                Some(values)
            }
            None => None,
        };
        let filter_sql =
            if conditions.is_empty() { String::new() } else { format!("WHERE {}", conditions.join(" AND ")) };
        let sql = format!(
            "{subtree}SELECT a.id, a.slug, a.title, a.status, a.updated_at FROM articles a {filter_sql} \
             ORDER BY a.updated_at DESC, a.id DESC LIMIT {}",
            limit.clamp(1, 200)
        );
        // LIKE's own wildcards in the search are matched literally.
        let pattern = title.map(|t| {
            let escaped = t.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
            format!("%{escaped}%")
        });
        let rows: Vec<(i64, String, String, String, i64)> = on_db!(self, pool => {
            let mut q = sqlx::query_as(&sql);
            if let Some(status) = filter.status {
                q = q.bind(status.key());
            }
            if let Some(author) = filter.author_id {
                q = q.bind(author);
            }
            if let Some(term) = filter.term_id {
                q = q.bind(term);
            }
            if let Some(p) = &pattern {
                q = q.bind(p.clone());
            }
            if let Some((query, config)) = &text {
                q = q.bind(query.clone()).bind(*config);
            }
            q.fetch_all(pool).await?
        });
        rows.into_iter()
            .map(|(id, s, title, status, at)| {
                let status = status.parse().map_err(|e| StoreError::Corrupt(format!("article {id}: {e}")))?;
                Ok((id, slug(s)?, title, status, timestamp(at)?))
            })
            .collect()
    }

    /// Publishes, unpublishes or schedules article `id` as a save over its current revision:
    /// `at` is the publication time (now, for publishing, when `None`).
    pub async fn set_status(
        &self,
        id: i64,
        status: ArticleStatus,
        at: Option<jiff::Timestamp>,
        user_id: Option<i64>,
    ) -> Result<Article> {
        let current = self.article(id).await?;
        self.save_status(&current, status, at, user_id).await
    }

    /// Saves `status` over the revision of `current`, which the caller has just read.
    async fn save_status(
        &self,
        current: &Article,
        status: ArticleStatus,
        at: Option<jiff::Timestamp>,
        user_id: Option<i64>,
    ) -> Result<Article> {
        let id = current.id;
        let mut new = self.revision_snapshot(id, current.revision).await?;
        new.status = status;
        new.published_at = match status {
            ArticleStatus::Published => at.or(current.published_at).or_else(|| Some(jiff::Timestamp::now())),
            ArticleStatus::Scheduled => at,
            ArticleStatus::Draft | ArticleStatus::Unpublished => current.published_at,
        };
        self.update_article(id, current.revision, &new, user_id).await
    }

    /// Publishes every scheduled article whose time has come by `now`; returns their ids.
    ///
    /// Safe to run on several nodes at once: each publication is a save over the revision just
    /// read, so when two nodes race, one saves and the other is told the article is stale and
    /// leaves it. An article is published exactly once.
    pub async fn publish_due(&self, now: jiff::Timestamp) -> Result<Vec<i64>> {
        let due: Vec<i64> = on_db!(self, pool => {
            sqlx::query_scalar(
                "SELECT id FROM articles WHERE status = 'scheduled' AND published_at <= $1 ORDER BY published_at, id",
            )
            .bind(now.as_second())
            .fetch_all(pool)
            .await?
        });
        let mut published = Vec::new();
        for id in due {
            // Read again: another node may have published it since the list was made, and the
            // save below then fails as stale rather than publishing twice.
            let current = match self.article(id).await {
                Ok(a) if a.status == ArticleStatus::Scheduled && a.published_at.is_some_and(|t| t <= now) => {
                    a
                }
                Ok(_) | Err(StoreError::NotFound) => continue,
                Err(e) => return Err(e),
            };
            match self.save_status(&current, ArticleStatus::Published, None, None).await {
                Ok(_) => published.push(id),
                // Another node (or an editor) saved it first; if still due, the next run sees it.
                Err(StoreError::Stale { .. } | StoreError::NotFound) => {}
                // A partner's terms changed since it was scheduled; it waits for an editor.
                Err(StoreError::Refused(reason)) => {
                    tracing::warn!(article = id, %reason, "a scheduled article cannot be published");
                }
                Err(e) => return Err(e),
            }
        }
        Ok(published)
    }

    /// Deletes an article with its bylines, terms, origins and revisions. The addresses of one
    /// that was ever published are remembered as gone ([`Store::gone_article`]), in the same
    /// transaction.
    pub async fn delete_article(&self, id: i64) -> Result<()> {
        let now = jiff::Timestamp::now().as_second();
        let n = on_db!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO gone_articles (slug, gone_at) SELECT slug, $2 FROM articles \
                 WHERE id = $1 AND first_slug IS NOT NULL \
                 UNION SELECT first_slug, $2 FROM articles WHERE id = $1 AND first_slug IS NOT NULL \
                 ON CONFLICT (slug) DO UPDATE SET gone_at = excluded.gone_at",
            )
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            // Followers who were sent it are to be told it is gone (the federation job).
            sqlx::query("UPDATE federation_objects SET state = 'deleting' WHERE article_id = $1 AND state = 'sent'")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            let n = sqlx::query("DELETE FROM articles WHERE id = $1").bind(id).execute(&mut *tx).await?.rows_affected();
            tx.commit().await?;
            n
        });
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        self.changed(crate::notify::article_keys(id, &[], &[])).await;
        Ok(())
    }

    /// When the published article at `slug` was deleted, if it was (and no article took the
    /// address since).
    pub async fn gone_article(&self, slug: &str) -> Result<Option<jiff::Timestamp>> {
        let at: Option<i64> = on_db!(self, pool => {
            sqlx::query_scalar(
                "SELECT g.gone_at FROM gone_articles g WHERE g.slug = $1 \
                 AND NOT EXISTS (SELECT 1 FROM articles a WHERE a.slug = g.slug)",
            )
            .bind(slug)
            .fetch_optional(pool)
            .await?
        });
        at.map(crate::timestamp).transpose()
    }

    /// Sets an article's own reuse policy (`None`: follow the site's default), as a save over
    /// its current revision.
    pub async fn set_reuse_policy(
        &self,
        article_id: i64,
        policy: Option<masthead_core::ReusePolicy>,
    ) -> Result<()> {
        let current = self.article(article_id).await?;
        let mut new = self.revision_snapshot(article_id, current.revision).await?;
        new.reuse_policy = policy;
        new.published_at = current.published_at;
        self.update_article(article_id, current.revision, &new, None).await?;
        Ok(())
    }

    /// Published articles, newest first.
    pub async fn published(&self, page: Page) -> Result<Listing> {
        self.listing(Scope::All, page).await
    }

    /// Published articles with `author_id` in their byline, newest first.
    pub async fn published_by_author(&self, author_id: i64, page: Page) -> Result<Listing> {
        self.listing(Scope::Author(author_id), page).await
    }

    /// Published articles filed under `term_id` or any term below it (an archive of "Balkans"
    /// includes articles filed under "Serbia"), newest first.
    pub async fn published_in_term(&self, term_id: i64, page: Page) -> Result<Listing> {
        self.listing(Scope::TermTree(term_id), page).await
    }

    /// The newest published articles in the language `tag`, at most `limit` ids, newest
    /// first; with `site_language`, those without a language of their own too.
    pub async fn published_in_language(
        &self,
        tag: &str,
        site_language: bool,
        limit: u32,
    ) -> Result<Vec<i64>> {
        Ok(on_db!(self, pool => {
            sqlx::query_scalar(
                "SELECT id FROM articles WHERE status = 'published' AND published_at IS NOT NULL \
                 AND (language = $1 OR ($2 AND language = '')) ORDER BY published_at DESC, id DESC LIMIT $3",
            )
            .bind(tag)
            .bind(site_language)
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?
        }))
    }

    /// How many articles are stored, whatever their status.
    pub async fn article_count(&self) -> Result<i64> {
        Ok(on_db!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM articles").fetch_one(pool).await?))
    }

    /// Where each older page of the newest-first list of published articles starts: the
    /// cursors that [`Store::published`] answers as `next`, page after page, read in one
    /// statement from the keys alone (the static export lists every page this way).
    pub async fn published_page_starts(&self, limit: u32) -> Result<Vec<Cursor>> {
        self.page_starts(Scope::All, limit).await
    }

    /// The same for the list of `author_id`'s articles ([`Store::published_by_author`]).
    pub async fn author_page_starts(&self, author_id: i64, limit: u32) -> Result<Vec<Cursor>> {
        self.page_starts(Scope::Author(author_id), limit).await
    }

    /// The same for the archive of `term_id` and the terms below it
    /// ([`Store::published_in_term`]).
    pub async fn term_page_starts(&self, term_id: i64, limit: u32) -> Result<Vec<Cursor>> {
        self.page_starts(Scope::TermTree(term_id), limit).await
    }

    /// Every published article's key, newest first, in the order of the home list: what the
    /// static export pages through in memory.
    pub async fn published_keys(&self) -> Result<Vec<Cursor>> {
        self.keys(Scope::All).await
    }

    /// The same for the list of `author_id`'s articles ([`Store::published_by_author`]).
    pub async fn author_keys(&self, author_id: i64) -> Result<Vec<Cursor>> {
        self.keys(Scope::Author(author_id)).await
    }

    /// The same for the archive of `term_id` and the terms below it
    /// ([`Store::published_in_term`]).
    pub async fn term_keys(&self, term_id: i64) -> Result<Vec<Cursor>> {
        self.keys(Scope::TermTree(term_id)).await
    }

    /// The keys of a list's articles, in its order, from its index alone.
    async fn keys(&self, scope: Scope) -> Result<Vec<Cursor>> {
        let (sql, value) = keys_statement(scope, self.is_sqlite());
        self.cursors(&sql, value).await
    }

    /// The cursors a statement reads as (published_at, id) rows, with `value` bound to `$1`
    /// when there is one.
    async fn cursors(&self, sql: &str, value: Option<i64>) -> Result<Vec<Cursor>> {
        let rows: Vec<(i64, i64)> = on_db!(self, pool => {
            let mut q = sqlx::query_as(sql);
            if let Some(v) = value {
                q = q.bind(v);
            }
            q.fetch_all(pool).await?
        });
        rows.into_iter().map(|(t, i)| Ok(Cursor { published_at: timestamp(t)?, id: i })).collect()
    }

    async fn page_starts(&self, scope: Scope, limit: u32) -> Result<Vec<Cursor>> {
        let limit = limit.clamp(1, 200);
        let ListSource { from, filter, value, time, id } = scope.keys_source(self.is_sqlite());
        // The last article of every full page that has another after it, as `listing` finds it.
        let sql = format!(
            "SELECT t, i FROM (SELECT a.published_at AS t, a.id AS i, \
             ROW_NUMBER() OVER (ORDER BY {time} DESC, {id} DESC) AS n, COUNT(*) OVER () AS total \
             FROM {from} WHERE a.status = 'published' AND a.published_at IS NOT NULL {filter}) s \
             WHERE n % {limit} = 0 AND n < total ORDER BY n"
        );
        self.cursors(&sql, value).await
    }

    /// The shared body of every list.
    async fn listing(&self, scope: Scope, page: Page) -> Result<Listing> {
        let limit = page.limit.clamp(1, 200);
        let ListSource { from, filter, value: filter_value, time, id } = scope.source();
        let first_free = if filter_value.is_some() { 2 } else { 1 };
        let (p, i) = (first_free, first_free + 1);
        let keyset = if page.after.is_some() {
            format!("AND ({time} < ${p} OR ({time} = ${p} AND {id} < ${i}))")
        } else {
            String::new()
        };
        let sql = format!(
            "{} FROM {from} LEFT JOIN media m ON m.id = a.featured_media_id \
             WHERE a.status = 'published' AND a.published_at IS NOT NULL {filter} {keyset} \
             ORDER BY {time} DESC, {id} DESC LIMIT {}",
            summary_select(self.backend() == "postgres"),
            limit + 1
        );
        let mut rows: Vec<SummaryRow> = on_db!(self, pool => {
            let mut q = sqlx::query_as(&sql);
            if let Some(v) = filter_value {
                q = q.bind(v);
            }
            if let Some(after) = page.after {
                q = q.bind(after.published_at.as_second()).bind(after.id);
            }
            q.fetch_all(pool).await?
        });
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let items = self.summaries_of(rows)?;
        let next = if more { items.last().map(ArticleSummary::cursor) } else { None };
        Ok(Listing { items, next })
    }

    /// Published articles `ids` as lists show them, in no particular order.
    pub async fn summaries(&self, ids: &[i64]) -> Result<Vec<ArticleSummary>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "{} FROM articles a LEFT JOIN media m ON m.id = a.featured_media_id \
             WHERE a.status = 'published' AND a.published_at IS NOT NULL AND a.id IN ({})",
            summary_select(self.backend() == "postgres"),
            placeholders(1, ids.len())
        );
        let rows: Vec<SummaryRow> = on_db!(self, pool => {
            let mut q = sqlx::query_as(&sql);
            for id in ids {
                q = q.bind(id);
            }
            q.fetch_all(pool).await?
        });
        self.summaries_of(rows)
    }

    /// Summaries from rows of the summary columns, each with its bylines, terms and origins as
    /// JSON arrays (no further query).
    fn summaries_of(&self, rows: Vec<SummaryRow>) -> Result<Vec<ArticleSummary>> {
        rows.into_iter()
            .map(|mut row| {
                let mut rel = relations_from_json(
                    row.id,
                    row.rel_authors.take(),
                    row.rel_terms.take(),
                    row.rel_origins.take(),
                )?;
                let featured = featured!(row);
                let original_outlet = rel
                    .origins
                    .remove(&row.id)
                    .and_then(|chain| chain.into_iter().next())
                    .map(|o| o.outlet.name);
                Ok(ArticleSummary {
                    id: row.id,
                    slug: slug(row.slug)?,
                    title: row.title,
                    dek: row.dek,
                    excerpt: row.excerpt,
                    published_at: timestamp(row.published_at)?,
                    time_zone: row.time_zone,
                    authors: rel.authors.remove(&row.id).unwrap_or_default(),
                    terms: rel.terms.remove(&row.id).unwrap_or_default(),
                    featured,
                    original_outlet,
                    comments: row.comment_count,
                })
            })
            .collect::<Result<Vec<_>>>()
    }
}

/// The relations of article `id` from the JSON arrays its statement read
/// ([`relation_columns`]), made domain values. An origin whose link is not http(s) is left out.
fn relations_from_json(
    id: i64,
    authors: Option<String>,
    terms: Option<String>,
    origins: Option<String>,
) -> Result<Relations> {
    use crate::rows::ordered_json_rows;
    let mut rel = Relations::default();
    let authors: Vec<AuthorRow> =
        ordered_json_rows(&format!("the bylines of article {id}"), authors.as_deref())?;
    rel.authors.insert(id, authors.into_iter().map(AuthorRow::into_author).collect::<Result<_>>()?);
    let terms: Vec<TermRow> = ordered_json_rows(&format!("the terms of article {id}"), terms.as_deref())?;
    rel.terms.insert(id, terms.into_iter().map(TermRow::into_term).collect::<Result<_>>()?);
    let mut chain = Vec::new();
    for origin in
        ordered_json_rows::<OriginJson>(&format!("the origins of article {id}"), origins.as_deref())?
    {
        // Saved before every address was checked at the door: a link that is not http(s)
        // is left out of the chain rather than written into a page.
        let Ok(url) = AbsoluteUrl::parse(&origin.url) else {
            tracing::warn!(article_id = id, url = %origin.url, "left out a provenance link that is not an http(s) address");
            continue;
        };
        chain.push(Origin {
            outlet: origin.outlet.into_outlet()?,
            url,
            published_at: origin.origin_published_at.map(timestamp).transpose()?,
            byline: origin.byline,
            feed: origin.outlet_feed.and_then(|f| AbsoluteUrl::parse(&f).ok()),
        });
    }
    rel.origins.insert(id, chain);
    Ok(rel)
}

/// One origin as [`relation_columns`] gathers it.
#[derive(serde::Deserialize)]
struct OriginJson {
    url: String,
    origin_published_at: Option<i64>,
    byline: String,
    outlet_feed: Option<String>,
    #[serde(flatten)]
    outlet: OutletRow,
}
