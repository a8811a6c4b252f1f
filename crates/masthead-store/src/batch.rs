//! New articles written many at once on PostgreSQL (an import's batch): each table gets its
//! rows for the whole batch in one statement (`UNNEST` of arrays), where the save of one
//! article writes them one article at a time. What is written is what
//! [`Store::create_imported_articles`](crate::Store::create_imported_articles) writes on SQLite,
//! where a statement costs no round trip to a server: the articles, their bylines, terms and
//! origins, listings, search rows and keywords, first revisions, changes, import keys, and
//! related articles (two statements per article, chosen once the whole batch is written, so
//! that the batch's articles find each other too).

use std::collections::HashMap;

use masthead_core::NewArticle;
use sqlx::{PgPool, Postgres, Transaction};

use crate::related::{by_keywords_sql, by_terms_sql, choose, weight_of};
use crate::search::{SearchDocument, without_accents};
use crate::{Result, Store, StoreError};

/// A new article ready to be written: as prepared for saving, its publication time (seconds),
/// its excerpt, its first revision's snapshot and changed fields.
pub(crate) struct Prepared {
    pub new: NewArticle,
    pub published_at: Option<i64>,
    pub excerpt: String,
    pub snapshot: String,
    pub changed: String,
}

/// The import keys of a batch: their source, one key per article, and what the export said of
/// each (packed).
pub(crate) struct Keys<'a> {
    pub source: &'a str,
    pub keys: &'a [String],
    pub imported: &'a [String],
}

/// Writes `prepared` in one transaction; returns their ids, in order.
pub(crate) async fn insert_articles(
    store: &Store,
    pool: &PgPool,
    prepared: &[Prepared],
    documents: &[SearchDocument],
    config: &str,
    keys: Option<Keys<'_>>,
    now: i64,
) -> Result<Vec<i64>> {
    let mut tx = pool.begin().await?;
    let ids = insert_rows(&mut tx, prepared, now).await?;
    write_relations(&mut tx, &ids, prepared).await?;
    write_listings(&mut tx, &ids).await?;
    write_search(&mut tx, &ids, documents, config).await?;
    write_history(&mut tx, &ids, prepared, now).await?;
    if let Some(keys) = keys {
        sqlx::query(
            "INSERT INTO import_keys (source, key, kind, record_id, imported) \
             SELECT $1, u.key, 'article', u.id, u.imported FROM UNNEST($2::text[], $3::bigint[], $4::text[]) \
             AS u(key, id, imported) \
             ON CONFLICT (source, key, kind) DO UPDATE SET record_id = excluded.record_id, imported = excluded.imported",
        )
        .bind(keys.source)
        .bind(keys.keys)
        .bind(&ids)
        .bind(keys.imported)
        .execute(&mut *tx)
        .await?;
    }
    choose_related(&mut tx, &ids, documents).await?;
    crate::notify::announce_in!(store, &mut *tx, &["all".to_owned()]);
    tx.commit().await?;
    Ok(ids)
}

async fn insert_rows(
    tx: &mut Transaction<'_, Postgres>,
    prepared: &[Prepared],
    now: i64,
) -> Result<Vec<i64>> {
    let column = |f: &dyn Fn(&Prepared) -> String| prepared.iter().map(f).collect::<Vec<String>>();
    let slugs = column(&|p| p.new.slug.to_string());
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "INSERT INTO articles (slug, title, dek, body_format, body_source, body_html, excerpt, status, \
         created_at, updated_at, published_at, time_zone, featured_media_id, featured_alt, featured_credit, \
         reuse_policy, word_count, revision, first_slug) \
         SELECT u.slug, u.title, u.dek, u.body_format, u.body_source, u.body_html, u.excerpt, u.status, \
         $16, $16, u.published_at, u.time_zone, u.featured_media_id, u.featured_alt, u.featured_credit, \
         u.reuse_policy, u.word_count, 1, CASE WHEN u.status = 'published' THEN u.slug END \
         FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], \
         $8::text[], $9::bigint[], $10::text[], $11::bigint[], $12::text[], $13::text[], $14::text[], \
         $15::bigint[], $17::bigint[]) AS u(slug, title, dek, body_format, body_source, body_html, excerpt, \
         status, published_at, time_zone, featured_media_id, featured_alt, featured_credit, reuse_policy, n, \
         word_count) \
         ORDER BY u.n RETURNING id, slug",
    )
    .bind(&slugs)
    .bind(column(&|p| p.new.title.clone()))
    .bind(column(&|p| p.new.dek.clone()))
    .bind(column(&|p| p.new.body.format.key().to_owned()))
    .bind(column(&|p| p.new.body.source.clone()))
    .bind(column(&|p| p.new.body.html.clone()))
    .bind(column(&|p| p.excerpt.clone()))
    .bind(column(&|p| p.new.status.key().to_owned()))
    .bind(prepared.iter().map(|p| p.published_at).collect::<Vec<Option<i64>>>())
    .bind(column(&|p| p.new.time_zone.clone()))
    .bind(prepared.iter().map(|p| p.new.featured_media_id).collect::<Vec<Option<i64>>>())
    .bind(column(&|p| p.new.featured_alt.clone()))
    .bind(column(&|p| p.new.featured_credit.clone()))
    .bind(
        prepared
            .iter()
            .map(|p| p.new.reuse_policy.map(|r| r.key().to_owned()))
            .collect::<Vec<Option<String>>>(),
    )
    .bind((0..prepared.len() as i64).collect::<Vec<i64>>())
    .bind(now)
    .bind(
        prepared
            .iter()
            .map(|p| masthead_core::body::word_count(&p.new.body.html) as i64)
            .collect::<Vec<i64>>(),
    )
    .fetch_all(&mut **tx)
    .await?;
    // Slugs are unique: each id is found by its article's slug, whatever order rows come back in.
    let by_slug: HashMap<String, i64> = rows.into_iter().map(|(id, slug)| (slug, id)).collect();
    let ids = slugs
        .iter()
        .map(|slug| {
            by_slug
                .get(slug)
                .copied()
                .ok_or_else(|| StoreError::Corrupt(format!("article {slug} was not saved")))
        })
        .collect::<Result<Vec<i64>>>()?;
    let languages: Vec<(i64, &NewArticle)> = ids
        .iter()
        .zip(prepared)
        .filter(|(_, p)| !p.new.language.is_empty() || p.new.translation_of.is_some())
        .map(|(id, p)| (*id, &p.new))
        .collect();
    if !languages.is_empty() {
        sqlx::query(
            "UPDATE articles SET language = u.language, translation_of = u.translation_of \
             FROM UNNEST($1::bigint[], $2::text[], $3::bigint[]) AS u(id, language, translation_of) WHERE articles.id = u.id",
        )
        .bind(languages.iter().map(|(id, _)| *id).collect::<Vec<i64>>())
        .bind(languages.iter().map(|(_, n)| n.language.clone()).collect::<Vec<String>>())
        .bind(languages.iter().map(|(_, n)| n.translation_of).collect::<Vec<Option<i64>>>())
        .execute(&mut **tx)
        .await?;
    }
    Ok(ids)
}

/// Bylines, terms and origins, each table in one statement.
async fn write_relations(
    tx: &mut Transaction<'_, Postgres>,
    ids: &[i64],
    prepared: &[Prepared],
) -> Result<()> {
    for (table, column) in [("article_authors", "author_id"), ("article_terms", "term_id")] {
        let (mut articles, mut related, mut positions) = (Vec::new(), Vec::new(), Vec::new());
        for (id, p) in ids.iter().zip(prepared) {
            let list = if table == "article_authors" { &p.new.author_ids } else { &p.new.term_ids };
            for (position, related_id) in list.iter().enumerate() {
                articles.push(*id);
                related.push(*related_id);
                positions.push(position as i64);
            }
        }
        if articles.is_empty() {
            continue;
        }
        sqlx::query(&format!(
            "INSERT INTO {table} (article_id, {column}, position) \
             SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::bigint[])"
        ))
        .bind(&articles)
        .bind(&related)
        .bind(&positions)
        .execute(&mut **tx)
        .await?;
    }
    let origins: Vec<(i64, i64, &masthead_core::article::NewOrigin)> = ids
        .iter()
        .zip(prepared)
        .flat_map(|(id, p)| p.new.origins.iter().enumerate().map(move |(i, o)| (*id, i as i64, o)))
        .collect();
    if !origins.is_empty() {
        sqlx::query(
            "INSERT INTO article_origins (article_id, position, outlet_id, url, published_at, byline) \
             SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::bigint[], $6::text[])",
        )
        .bind(origins.iter().map(|o| o.0).collect::<Vec<i64>>())
        .bind(origins.iter().map(|o| o.1).collect::<Vec<i64>>())
        .bind(origins.iter().map(|o| o.2.outlet_id).collect::<Vec<i64>>())
        .bind(origins.iter().map(|o| o.2.url.as_str().to_owned()).collect::<Vec<String>>())
        .bind(origins.iter().map(|o| o.2.published_at.map(|t| t.as_second())).collect::<Vec<Option<i64>>>())
        .bind(origins.iter().map(|o| o.2.byline.clone()).collect::<Vec<String>>())
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The listing rows of the batch's published articles, as `list_published!` writes one's.
async fn write_listings(tx: &mut Transaction<'_, Postgres>, ids: &[i64]) -> Result<()> {
    sqlx::query(
        "WITH RECURSIVE up (article_id, term_id, depth) AS ( \
         SELECT at.article_id, at.term_id, 0 FROM article_terms at JOIN articles a ON a.id = at.article_id \
         WHERE at.article_id = ANY($1) AND a.status = 'published' AND a.published_at IS NOT NULL \
         UNION ALL \
         SELECT up.article_id, t.parent_id, up.depth + 1 FROM up JOIN terms t ON t.id = up.term_id \
         WHERE t.parent_id IS NOT NULL AND up.depth < 32) \
         INSERT INTO term_listings (term_id, published_at, article_id) \
         SELECT DISTINCT up.term_id, a.published_at, up.article_id FROM up JOIN articles a ON a.id = up.article_id",
    )
    .bind(ids)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO author_listings (author_id, published_at, article_id) \
         SELECT DISTINCT aa.author_id, a.published_at, a.id FROM article_authors aa JOIN articles a ON a.id = aa.article_id \
         WHERE a.id = ANY($1) AND a.status = 'published' AND a.published_at IS NOT NULL",
    )
    .bind(ids)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Search rows and keywords, as `index_for_search!` writes one article's.
async fn write_search(
    tx: &mut Transaction<'_, Postgres>,
    ids: &[i64],
    documents: &[SearchDocument],
    config: &str,
) -> Result<()> {
    let texts = |f: &dyn Fn(&SearchDocument) -> String| documents.iter().map(f).collect::<Vec<String>>();
    sqlx::query(
        "INSERT INTO article_search (article_id, title, dek, body, document) \
         SELECT u.id, u.title, u.dek, u.body, setweight(to_tsvector($5::regconfig, u.plain_title), 'A') \
         || setweight(to_tsvector($5::regconfig, u.plain_dek), 'B') || setweight(to_tsvector($5::regconfig, u.plain_body), 'D') \
         FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::text[], $6::text[], $7::text[], $8::text[]) \
         AS u(id, title, dek, body, plain_title, plain_dek, plain_body) \
         ON CONFLICT (article_id) DO UPDATE SET title = excluded.title, dek = excluded.dek, \
         body = excluded.body, document = excluded.document",
    )
    .bind(ids)
    .bind(texts(&|d| d.title.clone()))
    .bind(texts(&|d| d.dek.clone()))
    .bind(texts(&|d| d.body.clone()))
    .bind(config)
    .bind(texts(&|d| without_accents(&d.title)))
    .bind(texts(&|d| without_accents(&d.dek)))
    .bind(texts(&|d| without_accents(&d.body)))
    .execute(&mut **tx)
    .await?;
    let (mut words, mut articles) = (Vec::new(), Vec::new());
    for (id, document) in ids.iter().zip(documents) {
        for word in &document.keywords {
            words.push(word.clone());
            articles.push(*id);
        }
    }
    if !words.is_empty() {
        sqlx::query(
            "INSERT INTO article_keywords (word, article_id) SELECT * FROM UNNEST($1::text[], $2::bigint[])",
        )
        .bind(&words)
        .bind(&articles)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// First revisions and the changes for whatever follows, as `record_save!` writes one's.
async fn write_history(
    tx: &mut Transaction<'_, Postgres>,
    ids: &[i64],
    prepared: &[Prepared],
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO article_revisions (article_id, revision, user_id, saved_at, changed, snapshot) \
         SELECT u.id, 1, NULL, $2, u.changed, u.snapshot FROM UNNEST($1::bigint[], $3::text[], $4::text[]) \
         AS u(id, changed, snapshot)",
    )
    .bind(ids)
    .bind(now)
    .bind(prepared.iter().map(|p| p.changed.clone()).collect::<Vec<String>>())
    .bind(prepared.iter().map(|p| crate::revisions::pack(&p.snapshot)).collect::<Vec<String>>())
    .execute(&mut **tx)
    .await?;
    sqlx::query("INSERT INTO article_changes (article_id, changed_at) SELECT u.id, $2 FROM UNNEST($1::bigint[]) AS u(id)")
        .bind(ids)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Related articles of the batch, chosen as `choose_related!` chooses one article's: the
/// candidates by terms and by keywords (two statements per article), then every choice written
/// in one statement.
async fn choose_related(
    tx: &mut Transaction<'_, Postgres>,
    ids: &[i64],
    documents: &[SearchDocument],
) -> Result<()> {
    // See `choose_related!`: index ranges, not bitmaps of every entry of a term or word.
    sqlx::query("SET LOCAL enable_bitmapscan = off").execute(&mut **tx).await?;
    let terms: Vec<(i64, i64, String)> = sqlx::query_as(
        "SELECT m.article_id, t.id, t.kind FROM article_terms m JOIN terms t ON t.id = m.term_id \
         WHERE m.article_id = ANY($1) ORDER BY m.article_id, m.position",
    )
    .bind(ids)
    .fetch_all(&mut **tx)
    .await?;
    let mut terms_of: HashMap<i64, Vec<(i64, String)>> = HashMap::new();
    for (article, term, kind) in terms {
        terms_of.entry(article).or_default().push((term, kind));
    }
    let (mut articles, mut positions, mut chosen_ids) = (Vec::new(), Vec::new(), Vec::new());
    for (id, document) in ids.iter().zip(documents) {
        let terms = terms_of.remove(id).unwrap_or_default();
        let by_terms: Vec<(i64, i64)> = if terms.is_empty() {
            Vec::new()
        } else {
            let weights: Vec<i64> = terms.iter().map(|(_, kind)| weight_of(kind)).collect();
            let sql = by_terms_sql(&weights, false);
            let mut query = sqlx::query_as(&sql).bind(id);
            for (term, _) in &terms {
                query = query.bind(term);
            }
            query.fetch_all(&mut **tx).await?
        };
        let by_text: Vec<i64> = if document.keywords.is_empty() {
            Vec::new()
        } else {
            let sql = by_keywords_sql(document.keywords.len(), false);
            let mut query = sqlx::query_scalar(&sql).bind(id);
            for word in &document.keywords {
                query = query.bind(word);
            }
            query.fetch_all(&mut **tx).await?
        };
        for (position, related) in choose(*id, &by_terms, &by_text).into_iter().enumerate() {
            articles.push(*id);
            positions.push(position as i64);
            chosen_ids.push(related);
        }
    }
    if !articles.is_empty() {
        sqlx::query(
            "INSERT INTO related_articles (article_id, position, related_id) \
             SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::bigint[])",
        )
        .bind(&articles)
        .bind(&positions)
        .bind(&chosen_ids)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
