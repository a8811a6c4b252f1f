//! Related articles: a few published articles to read next, chosen when an article is saved
//! (inside the save's transaction, never per request) by the regions, themes and tags they
//! share with it and by the words of its headline, and read back as summaries.

use masthead_core::ArticleSummary;

use crate::search::without_accents;
use crate::{Result, Store, on_db};

/// How many related articles an article keeps.
pub const RELATED_COUNT: usize = 4;
/// How many words of the headline look for articles about the same thing (the longest ones,
/// which say most and match fewest).
const HEADLINE_WORDS: usize = 6;
/// How many candidates each way of looking gives.
pub(crate) const CANDIDATES: i64 = 40;

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
macro_rules! choose_related {
    ($tx:ident, $id:expr, $title:expr, $config:expr) => {{
        let by_terms: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT o.article_id, SUM(CASE t.kind WHEN 'tag' THEN 3 WHEN 'theme' THEN 2 ELSE 1 END) AS weight \
             FROM article_terms m JOIN terms t ON t.id = m.term_id \
             JOIN article_terms o ON o.term_id = m.term_id AND o.article_id <> m.article_id \
             JOIN articles a ON a.id = o.article_id AND a.status = 'published' \
             WHERE m.article_id = $1 GROUP BY o.article_id ORDER BY weight DESC, MAX(a.published_at) DESC LIMIT $2",
        )
        .bind($id)
        .bind($crate::related::CANDIDATES)
        .fetch_all(&mut *$tx)
        .await?;
        let words = $crate::related::headline_words($title);
        let by_text: Vec<i64> = if words.is_empty() {
            Vec::new()
        } else {
            match $config {
                None => sqlx::query_scalar(
                    "SELECT article_search.rowid FROM article_search JOIN articles a ON a.id = article_search.rowid \
                     WHERE article_search MATCH $1 AND article_search.rowid <> $2 AND a.status = 'published' \
                     ORDER BY bm25(article_search, 8.0, 3.0, 1.0) LIMIT $3",
                )
                .bind($crate::related::any_of(&words, false))
                .bind($id)
                .bind($crate::related::CANDIDATES)
                .fetch_all(&mut *$tx)
                .await?,
                Some(config) => sqlx::query_scalar(
                    "SELECT s.article_id FROM article_search s JOIN articles a ON a.id = s.article_id, \
                     to_tsquery($1::regconfig, $2) q \
                     WHERE s.document @@ q AND s.article_id <> $3 AND a.status = 'published' \
                     ORDER BY ts_rank(s.document, q) DESC LIMIT $4",
                )
                .bind(config)
                .bind($crate::related::any_of(&words, true))
                .bind($id)
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

impl Store {
    /// The articles to read after `article_id`, in order: those still published.
    pub async fn related(&self, article_id: i64) -> Result<Vec<ArticleSummary>> {
        let ids: Vec<i64> = on_db!(self, pool => {
            sqlx::query_scalar("SELECT related_id FROM related_articles WHERE article_id = $1 ORDER BY position")
                .bind(article_id)
                .fetch_all(pool)
                .await?
        });
        let mut summaries = self.summaries(&ids).await?;
        Ok(ids
            .iter()
            .filter_map(|id| summaries.iter().position(|s| s.id == *id).map(|at| summaries.swap_remove(at)))
            .collect())
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
