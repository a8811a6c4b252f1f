//! What an article page shows around the article: the articles to read next, the readers'
//! comments, whether the newsroom closed them, and the Webmentions. One statement, each part a
//! JSON array of the rows [`Store::related`], [`Store::shown_comments`],
//! [`Store::comments_closed`] and [`Store::webmentions`] read one by one: on SQLite every
//! statement is a hand-off to the connection's thread and back, and an uncached article page
//! is two statements (the article, then this) instead of five.

use masthead_core::{Comment, Webmention};

use crate::comments::CommentRow;
use crate::related::Related;
use crate::rows::{ordered_array, ordered_json_rows};
use crate::webmentions::WebmentionRow;
use crate::{Result, Store, on_db, timestamp};

/// What an article page shows around an article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Surroundings {
    /// As [`Store::related`]: those still published, in order.
    pub related: Vec<Related>,
    /// As [`Store::shown_comments`]: approved ones and placeholders, oldest first.
    pub comments: Vec<Comment>,
    /// As [`Store::comments_closed`].
    pub comments_closed: bool,
    /// As [`Store::webmentions`]: newest first.
    pub mentions: Vec<Webmention>,
    /// Likes and boosts from other servers, as [`Store::reaction_counts`].
    pub likes: i64,
    pub boosts: i64,
}

#[derive(serde::Deserialize)]
struct RelatedJson {
    id: i64,
    slug: String,
    title: String,
    published_at: i64,
    time_zone: String,
}

/// The four columns, for the backend (JSON arrays ordered as they are read:
/// [`ordered_array`]; PostgreSQL's empty aggregate is NULL, read as none), around the article whose id is `id` (`$1`, or
/// `a.id` beside the article's own row).
pub(crate) fn columns(postgres: bool, id: &str) -> String {
    let array = |pairs: &str, order: &[&str], from: &str| ordered_array(postgres, pairs, order, from);
    // SQLite keeps booleans as 0 and 1; the JSON must say true or false.
    let notify = if postgres {
        "c.notify_replies"
    } else {
        "json(CASE WHEN c.notify_replies THEN 'true' ELSE 'false' END)"
    };
    // SQLite reads what a related article shows from `articles_sitemap`, not from its row,
    // whose texts come first (the planner takes the row by its id otherwise).
    let indexed = if postgres { "" } else { "INDEXED BY articles_sitemap" };
    let related = array(
        "'id', b.id, 'slug', b.slug, 'title', b.title, 'published_at', b.published_at, 'time_zone', b.time_zone",
        &["r.position"],
        &format!(
            "related_articles r JOIN articles b {indexed} ON b.id = r.related_id \
             WHERE r.article_id = {id} AND b.status = 'published' AND b.published_at IS NOT NULL"
        ),
    );
    let comments = array(
        &format!(
            "'id', c.id, 'article_id', c.article_id, 'parent_id', c.parent_id, 'member_id', c.member_id, \
             'author_name', c.author_name, 'author_email', c.author_email, 'author_url', c.author_url, \
             'body_html', c.body_html, 'body_source', c.body_source, 'created_at', c.created_at, \
             'edited_at', c.edited_at, 'status', c.status, 'held_for', c.held_for, \
             'notify_replies', {notify}, 'source_key', c.source_key"
        ),
        &["c.created_at", "c.id"],
        &format!("comments c WHERE c.article_id = {id} AND c.status IN ('approved', 'deleted')"),
    );
    let mentions = array(
        "'id', w.id, 'article_id', w.article_id, 'source', w.source, 'target', w.target, 'status', w.status, \
         'kind', w.kind, 'error', w.error, 'received_at', w.received_at, 'checked_at', w.checked_at",
        // Newest first.
        &["-w.received_at", "-w.id"],
        &format!("webmentions w WHERE w.article_id = {id}"),
    );
    format!(
        "{related} AS around_related, {comments} AS around_comments, \
         (SELECT COUNT(*) FROM comments_closed cc WHERE cc.article_id = {id}) AS around_closed, \
         {mentions} AS around_mentions, \
         (SELECT COUNT(*) FROM federation_reactions fr WHERE fr.article_id = {id} AND fr.kind = 'like') AS around_likes, \
         (SELECT COUNT(*) FROM federation_reactions fr WHERE fr.article_id = {id} AND fr.kind = 'announce') AS around_boosts"
    )
}

static SQLITE: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| format!("SELECT {}", columns(false, "$1")));
static POSTGRES: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| format!("SELECT {}", columns(true, "$1")));

/// The columns as read: JSON arrays and counts.
pub(crate) type Around = (Option<String>, Option<String>, i64, Option<String>, i64, i64);

/// The four columns of a row read with [`columns`].
pub(crate) fn around<'r, R: sqlx::Row>(row: &'r R) -> std::result::Result<Around, sqlx::Error>
where
    Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    &'static str: sqlx::ColumnIndex<R>,
{
    Ok((
        row.try_get("around_related")?,
        row.try_get("around_comments")?,
        row.try_get("around_closed")?,
        row.try_get("around_mentions")?,
        row.try_get("around_likes")?,
        row.try_get("around_boosts")?,
    ))
}

impl Store {
    /// What an article page shows around article `article_id`, in one statement.
    pub async fn article_surroundings(&self, article_id: i64) -> Result<Surroundings> {
        let read: Around = on_db!(self, pool => {
            let sql: &str = match &self.db {
                crate::Db::Sqlite(_) => &SQLITE,
                crate::Db::Postgres(_) => &POSTGRES,
            };
            around(&sqlx::query(sql).bind(article_id).fetch_one(pool).await?)?
        });
        surroundings(article_id, read)
    }
}

/// What the four columns read for article `article_id` say.
pub(crate) fn surroundings(
    article_id: i64,
    (related, comments, closed, mentions, likes, boosts): Around,
) -> Result<Surroundings> {
    let related = ordered_json_rows::<RelatedJson>(
        &format!("the related articles of article {article_id}"),
        related.as_deref(),
    )?
    .into_iter()
    .map(|r| {
        Ok(Related {
            id: r.id,
            slug: crate::rows::slug(r.slug)?,
            title: r.title,
            published_at: timestamp(r.published_at)?,
            time_zone: r.time_zone,
        })
    })
    .collect::<Result<_>>()?;
    let comments = ordered_json_rows::<CommentRow>(
        &format!("the comments of article {article_id}"),
        comments.as_deref(),
    )?
    .into_iter()
    .map(CommentRow::into_comment)
    .collect::<Result<_>>()?;
    let mentions = ordered_json_rows::<WebmentionRow>(
        &format!("the Webmentions of article {article_id}"),
        mentions.as_deref(),
    )?
    .into_iter()
    .map(WebmentionRow::into_webmention)
    .collect::<Result<_>>()?;
    Ok(Surroundings { related, comments, comments_closed: closed > 0, mentions, likes, boosts })
}
