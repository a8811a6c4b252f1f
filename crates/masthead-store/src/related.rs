//! Related articles: a few published articles to read next, chosen when an article is saved
//! (inside the save's transaction, never per request) by the regions, themes and tags they
//! share with it and by the words of its headline, and read back as summaries.

use jiff::Timestamp;
use masthead_core::Slug;

use crate::search::without_accents;
use crate::{Result, Store, on_db, timestamp};

/// How many related articles an article keeps.
pub const RELATED_COUNT: usize = 4;
/// How many words of the headline look for articles about the same thing (the longest ones,
/// which say most and match fewest).
const HEADLINE_WORDS: usize = 6;
/// How many candidates each way of looking gives.
pub(crate) const CANDIDATES: i64 = 40;
/// How many of the most recent articles filed under each of an article's terms are candidates.
pub(crate) const RECENT_PER_TERM: i64 = 50;
/// How many of the most recent articles that share a headline word are ranked.
pub(crate) const RECENT_MATCHES: i64 = 400;
/// A headline word in this many articles or more says too little to relate two of them.
pub(crate) const RARE_WORD_ARTICLES: i64 = 200;

/// What sharing a term of `kind` weighs.
pub(crate) fn weight_of(kind: &str) -> i64 {
    match kind {
        "tag" => 3,
        "theme" => 2,
        _ => 1,
    }
}

/// The longest distinct words of `title` (four letters or more), lower case.
pub(crate) fn headline_words(title: &str) -> Vec<String> {
    let mut words: Vec<String> = title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 4)
        .map(str::to_lowercase)
        .collect();
    words.sort_by(|a, b| b.chars().count().cmp(&a.chars().count()).then_with(|| a.cmp(b)));
    words.dedup();
    words.truncate(HEADLINE_WORDS);
    words
}

/// The text query for `words` on each backend: any of them.
pub(crate) fn any_of(words: &[String], postgres: bool) -> String {
    if postgres {
        words
            .iter()
            .map(|w| format!("'{}'", without_accents(w).replace(['\'', '\\'], "")))
            .collect::<Vec<_>>()
            .join(" | ")
    } else {
        words.iter().map(|w| format!("\"{}\"", w.replace('"', ""))).collect::<Vec<_>>().join(" OR ")
    }
}

/// Orders candidates: shared terms weigh by kind (tag 3, theme 2, region 1 each), a headline
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

/// Chooses and writes article `$id`'s related articles inside the transaction `$tx`; `$title`
/// is its headline and `$config` what `index_for_search!` takes.
///
/// Bounded whatever the size of the site: each of the article's terms offers its
/// [`RECENT_PER_TERM`] most recent articles (an index range each), and the headline's rarer
/// words (in fewer than [`RARE_WORD_ARTICLES`]: counting stops there) their
/// [`RECENT_MATCHES`] most recent matches, ranked among themselves. An article saved
/// among a million costs what it costs among a thousand.
macro_rules! choose_related {
    ($tx:ident, $id:expr, $title:expr, $config:expr) => {{
        if $config.is_some() {
            // PostgreSQL plans these statements for their values (a word in three articles
            // and one in all of them want different plans) and reads the text index rather
            // than every row's words, for the rest of this transaction.
            sqlx::query("SET LOCAL plan_cache_mode = force_custom_plan").execute(&mut *$tx).await?;
            sqlx::query("SET LOCAL enable_seqscan = off").execute(&mut *$tx).await?;
        }
        let terms: Vec<(i64, String)> = sqlx::query_as(
            "SELECT t.id, t.kind FROM article_terms m JOIN terms t ON t.id = m.term_id WHERE m.article_id = $1",
        )
        .bind($id)
        .fetch_all(&mut *$tx)
        .await?;
        // The most recent published articles filed under a term (SQLite reads their status
        // from the index, not the rows, whose texts come first).
        let recent_in_term = format!(
            "SELECT at.article_id FROM article_terms at JOIN articles a {} ON a.id = at.article_id \
             WHERE at.term_id = $1 AND at.article_id <> $2 AND a.status = 'published' \
             ORDER BY at.article_id DESC LIMIT $3",
            if $config.is_none() { "INDEXED BY articles_ranked" } else { "" },
        );
        let mut weights: std::collections::HashMap<i64, i64> = std::collections::HashMap::new();
        for (term, kind) in &terms {
            let weight = $crate::related::weight_of(kind);
            let near: Vec<i64> = sqlx::query_scalar(&recent_in_term)
                .bind(term)
                .bind($id)
                .bind($crate::related::RECENT_PER_TERM)
                .fetch_all(&mut *$tx)
                .await?;
            for candidate in near {
                *weights.entry(candidate).or_default() += weight;
            }
        }
        let mut by_terms: Vec<(i64, i64)> = weights.into_iter().collect();
        // Heavier first, then newer (a larger id).
        by_terms.sort_by(|a, b| b.1.cmp(&a.1).then(b.0.cmp(&a.0)));
        by_terms.truncate($crate::related::CANDIDATES as usize);
        // The headline's words that say something: those in fewer than RARE_WORD_ARTICLES
        // articles (counting stops there), so that "government" finds nothing but a name does.
        let mut words = Vec::new();
        for word in $crate::related::headline_words($title) {
            let found: i64 = match $config {
                None => sqlx::query_scalar(
                    "SELECT COUNT(*) FROM (SELECT rowid FROM article_search WHERE article_search MATCH $1 LIMIT $2)",
                )
                .bind($crate::related::any_of(std::slice::from_ref(&word), false))
                .bind($crate::related::RARE_WORD_ARTICLES)
                .fetch_one(&mut *$tx)
                .await?,
                Some(config) => sqlx::query_scalar(
                    "SELECT COUNT(*) FROM (SELECT 1 FROM article_search \
                     WHERE document @@ to_tsquery($1::regconfig, $2) LIMIT $3) c",
                )
                .bind(config)
                .bind($crate::related::any_of(std::slice::from_ref(&word), true))
                .bind($crate::related::RARE_WORD_ARTICLES)
                .fetch_one(&mut *$tx)
                .await?,
            };
            if found < $crate::related::RARE_WORD_ARTICLES {
                words.push(word);
            }
        }
        let by_text: Vec<i64> = if words.is_empty() {
            Vec::new()
        } else {
            match $config {
                None => sqlx::query_scalar(
                    "SELECT id FROM (SELECT article_search.rowid AS id, bm25(article_search, 8.0, 3.0, 1.0) AS score \
                     FROM article_search JOIN articles a INDEXED BY articles_ranked ON a.id = article_search.rowid \
                     WHERE article_search MATCH $1 AND article_search.rowid <> $2 AND a.status = 'published' \
                     ORDER BY article_search.rowid DESC LIMIT $3) ORDER BY score LIMIT $4",
                )
                .bind($crate::related::any_of(&words, false))
                .bind($id)
                .bind($crate::related::RECENT_MATCHES)
                .bind($crate::related::CANDIDATES)
                .fetch_all(&mut *$tx)
                .await?,
                Some(config) => sqlx::query_scalar(
                    "SELECT id FROM (SELECT s.article_id AS id, ts_rank(s.document, q) AS score \
                     FROM article_search s JOIN articles a ON a.id = s.article_id, to_tsquery($1::regconfig, $2) q \
                     WHERE s.document @@ q AND s.article_id <> $3 AND a.status = 'published' \
                     ORDER BY s.article_id DESC LIMIT $4) c ORDER BY score DESC LIMIT $5",
                )
                .bind(config)
                .bind($crate::related::any_of(&words, true))
                .bind($id)
                .bind($crate::related::RECENT_MATCHES)
                .bind($crate::related::CANDIDATES)
                .fetch_all(&mut *$tx)
                .await?,
            }
        };
        sqlx::query("DELETE FROM related_articles WHERE article_id = $1").bind($id).execute(&mut *$tx).await?;
        for (position, related) in $crate::related::choose($id, &by_terms, &by_text).into_iter().enumerate() {
            sqlx::query("INSERT INTO related_articles (article_id, position, related_id) VALUES ($1, $2, $3)")
                .bind($id)
                .bind(position as i64)
                .bind(related)
                .execute(&mut *$tx)
                .await?;
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
    fn headline_words_are_the_longest() {
        assert_eq!(
            headline_words("Freight volumes fell by a fifth on the Danube, freight says"),
            vec!["freight", "volumes", "danube", "fifth", "fell", "says"]
        );
        assert_eq!(any_of(&["dunărea".into(), "it's".into()], true), "'dunarea' | 'its'");
        assert_eq!(any_of(&["a\"b".into()], false), "\"ab\"");
    }

    #[test]
    fn shared_terms_and_headline_words_add_up() {
        // 7 shares a tag (3); 8 shares a region (1) and tops the headline search (+4).
        assert_eq!(choose(1, &[(7, 3), (8, 1)], &[8, 9, 1]), vec![8, 7, 9]);
        assert_eq!(choose(1, &[], &[]), Vec::<i64>::new());
        assert_eq!(choose(1, &[(2, 1), (3, 1), (4, 1), (5, 1), (6, 1)], &[]).len(), RELATED_COUNT);
    }
}
