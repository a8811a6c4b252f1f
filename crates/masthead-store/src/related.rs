//! Related articles: a few published articles to read next, chosen when an article is saved
//! (inside the save's transaction, never per request) by the regions, themes and tags they
//! share with it and by the rarer words of their headlines and standfirsts (their keywords),
//! and read back as summaries.

use jiff::Timestamp;
use masthead_core::Slug;

use crate::{Result, Store, on_db, timestamp};

/// How many related articles an article keeps.
pub const RELATED_COUNT: usize = 4;
/// How many candidates each way of looking gives.
pub(crate) const CANDIDATES: i64 = 40;
/// How many of the most recent articles filed under each of an article's terms are candidates.
pub(crate) const RECENT_PER_TERM: i64 = 50;
/// A keyword shared by this many articles or more says too little to relate two of them
/// (counting stops there); rarer ones weigh more the fewer articles share them.
pub(crate) const RARE_WORD_ARTICLES: i64 = 200;

/// What sharing a term of `kind` weighs.
pub(crate) fn weight_of(kind: &str) -> i64 {
    match kind {
        "tag" => 3,
        "theme" => 2,
        _ => 1,
    }
}

/// The condition that the article `alias.article_id` is published, looked up by its key for each
/// candidate (a few hundred at most): never a join the planner could turn into a scan of every
/// article when its statistics are stale. SQLite reads the status from the index
/// `articles_ranked` rather than the row, whose texts come first.
fn published(alias: &str, sqlite: bool) -> String {
    let indexed = if sqlite { "INDEXED BY articles_ranked" } else { "" };
    format!("(SELECT a.status FROM articles a {indexed} WHERE a.id = {alias}.article_id) = 'published'")
}

/// The statement that weighs the candidates found by an article's terms: `$1` the article,
/// then one term id per entry of `weights` (each term's weight). Each term offers its
/// [`RECENT_PER_TERM`] most recent published articles (an index range); the heaviest
/// candidates come first, then the newest.
pub(crate) fn by_terms_sql(weights: &[i64], sqlite: bool) -> String {
    let published = published("at", sqlite);
    let parts: Vec<String> = weights
        .iter()
        .enumerate()
        .map(|(i, weight)| {
            format!(
                "SELECT * FROM (SELECT at.article_id, {weight} AS weight FROM article_terms at \
                 WHERE at.term_id = ${} AND at.article_id <> $1 AND {published} \
                 ORDER BY at.article_id DESC LIMIT {RECENT_PER_TERM}) t{i}",
                i + 2
            )
        })
        .collect();
    format!(
        "SELECT article_id, SUM(weight) AS weight FROM ({}) c GROUP BY article_id \
         ORDER BY SUM(weight) DESC, article_id DESC LIMIT {CANDIDATES}",
        parts.join(" UNION ALL ")
    )
}

/// The statement that finds the articles sharing the rarer of an article's keywords: `$1` the
/// article, `$2`… its keywords. How many articles share each keyword is counted up to
/// [`RARE_WORD_ARTICLES`] (an index range that stops there); those shared by fewer weigh
/// what is left of that bound, so that a name in three articles outweighs a word in a
/// hundred. The best candidates come first, then the newest.
pub(crate) fn by_keywords_sql(keywords: usize, sqlite: bool) -> String {
    let published = published("k", sqlite);
    let counted: Vec<String> = (0..keywords)
        .map(|i| {
            format!(
                "SELECT CAST(${p} AS TEXT) AS word, (SELECT COUNT(*) FROM (SELECT 1 FROM article_keywords \
                 WHERE word = ${p} LIMIT {RARE_WORD_ARTICLES}) c{i}) AS shared",
                p = i + 2
            )
        })
        .collect();
    format!(
        "WITH counted AS ({}) \
         SELECT k.article_id FROM counted r JOIN article_keywords k ON k.word = r.word \
         WHERE r.shared < {RARE_WORD_ARTICLES} AND k.article_id <> $1 AND {published} \
         GROUP BY k.article_id ORDER BY SUM({RARE_WORD_ARTICLES} - r.shared) DESC, k.article_id DESC \
         LIMIT {CANDIDATES}",
        counted.join(" UNION ALL ")
    )
}

/// Orders candidates: shared terms weigh by kind (tag 3, theme 2, region 1 each), a keyword
/// match adds up to 4 by its rank; `by_terms` and `by_text` come best first.
pub(crate) fn choose(id: i64, by_terms: &[(i64, i64)], by_text: &[i64]) -> Vec<i64> {
    let mut scores: Vec<(i64, f64, usize)> = Vec::new();
    for (order, (candidate, weight)) in by_terms.iter().enumerate() {
        scores.push((*candidate, *weight as f64, order));
    }
    for (rank, candidate) in by_text.iter().enumerate() {
        let bonus = 4.0 * (1.0 - rank as f64 / by_text.len().max(1) as f64);
        match scores.iter_mut().find(|(c, ..)| c == candidate) {
            Some(entry) => entry.1 += bonus,
            None => scores.push((*candidate, bonus, by_terms.len() + rank)),
        }
    }
    scores.retain(|(c, ..)| *c != id);
    scores.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.2.cmp(&b.2)));
    scores.into_iter().take(RELATED_COUNT).map(|(c, ..)| c).collect()
}

/// Chooses and writes article `$id`'s related articles inside the transaction `$tx`, after its
/// terms and keywords (`$doc`, a [`crate::search::SearchDocument`]) are written; `$sqlite`
/// says which backend.
///
/// Four statements whatever the size of the site (and on PostgreSQL one setting): the
/// article's terms; the candidates its
/// terms offer ([`by_terms_sql`]); those that share its rarer keywords ([`by_keywords_sql`]);
/// and the writing of the chosen. Every part is an index range with a bound, so an article
/// saved among a million costs what it costs among a thousand.
macro_rules! choose_related {
    ($tx:ident, $id:expr, $doc:expr, $sqlite:expr) => {{
        if !$sqlite {
            // Each bound above is an index range read in order until it is reached.
            // PostgreSQL would rather gather every entry of a term or word into a bitmap and
            // sort it (whatever their number, when its statistics are stale): not for the
            // rest of this transaction.
            sqlx::query("SET LOCAL enable_bitmapscan = off").execute(&mut *$tx).await?;
        }
        let terms: Vec<(i64, String)> = sqlx::query_as(
            "SELECT t.id, t.kind FROM article_terms m JOIN terms t ON t.id = m.term_id WHERE m.article_id = $1",
        )
        .bind($id)
        .fetch_all(&mut *$tx)
        .await?;
        let by_terms: Vec<(i64, i64)> = if terms.is_empty() {
            Vec::new()
        } else {
            let weights: Vec<i64> = terms.iter().map(|(_, kind)| $crate::related::weight_of(kind)).collect();
            let sql = $crate::related::by_terms_sql(&weights, $sqlite);
            let mut query = sqlx::query_as(&sql).bind($id);
            for (term, _) in &terms {
                query = query.bind(term);
            }
            query.fetch_all(&mut *$tx).await?
        };
        let by_text: Vec<i64> = if $doc.keywords.is_empty() {
            Vec::new()
        } else {
            let sql = $crate::related::by_keywords_sql($doc.keywords.len(), $sqlite);
            let mut query = sqlx::query_scalar(&sql).bind($id);
            for word in &$doc.keywords {
                query = query.bind(word);
            }
            query.fetch_all(&mut *$tx).await?
        };
        sqlx::query("DELETE FROM related_articles WHERE article_id = $1").bind($id).execute(&mut *$tx).await?;
        let chosen = $crate::related::choose($id, &by_terms, &by_text);
        if !chosen.is_empty() {
            let sql = $crate::insert_rows(
                "related_articles (article_id, position, related_id)",
                chosen.len(),
                |i, p| format!("($1, {i}, {p})"),
            );
            let mut insert = sqlx::query(&sql).bind($id);
            for related in &chosen {
                insert = insert.bind(related);
            }
            insert.execute(&mut *$tx).await?;
        }
    }};
}
pub(crate) use choose_related;

/// An article to read next, as the foot of an article names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    pub id: i64,
    pub slug: Slug,
    pub title: String,
    pub published_at: Timestamp,
    pub time_zone: String,
}

impl Store {
    /// The articles to read after `article_id`, in order: those still published (one query).
    pub async fn related(&self, article_id: i64) -> Result<Vec<Related>> {
        let rows: Vec<(i64, String, String, i64, String)> = on_db!(self, pool => {
            sqlx::query_as(
                "SELECT a.id, a.slug, a.title, a.published_at, a.time_zone FROM related_articles r \
                 JOIN articles a ON a.id = r.related_id \
                 WHERE r.article_id = $1 AND a.status = 'published' AND a.published_at IS NOT NULL \
                 ORDER BY r.position",
            )
            .bind(article_id)
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|(id, slug, title, published_at, time_zone)| {
                Ok(Related {
                    id,
                    slug: crate::rows::slug(slug)?,
                    title,
                    published_at: timestamp(published_at)?,
                    time_zone,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_terms_and_headline_words_add_up() {
        // 7 shares a tag (3); 8 shares a region (1) and tops the headline search (+4).
        assert_eq!(choose(1, &[(7, 3), (8, 1)], &[8, 9, 1]), vec![8, 7, 9]);
        assert_eq!(choose(1, &[], &[]), Vec::<i64>::new());
        assert_eq!(choose(1, &[(2, 1), (3, 1), (4, 1), (5, 1), (6, 1)], &[]).len(), RELATED_COUNT);
    }
}
