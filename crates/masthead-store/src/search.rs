//! Full-text search over articles: SQLite FTS5 (`article_search`, Porter stems, accents
//! removed) and PostgreSQL's tsvector with a GIN index, behind one method. An article's row is
//! written in the transaction that saves the article (`index_for_search!`), so the index never
//! lags a save; `Store::reindex_search` rebuilds it when its configuration changes.
//!
//! A query never reaches a backend as the reader typed it: [`SearchQuery`] keeps only words,
//! phrases and prefixes, and the syntax below is written here around them.

use masthead_core::body::html_to_text;
use masthead_core::{ArticleSummary, NewArticle, SearchQuery, SearchTerm};

use crate::{Db, Result, Store, StoreError, on_db};

/// Around each matched word in a snippet: private-use characters that indexed text never
/// holds ([`SearchDocument`] removes them), for the edge to turn into `<mark>`.
pub const HIGHLIGHT_START: char = '\u{E000}';
pub const HIGHLIGHT_END: char = '\u{E001}';

/// Results are read up to this far: relevance has to be worked out for every match before the
/// first page, so a deeper page would cost more than any reader needs.
pub const MAX_RESULTS: u32 = 1_000;

/// Half of a result's relevance is lost over this many days since publication: a gentle
/// preference for the recent, which strong matches in older articles still outweigh.
const HALF_LIFE_DAYS: f64 = 1_825.0;
/// How many matches are ranked: the most recent ones (the newest articles have the largest
/// ids). A query that matches more (a word in most articles) costs what one that matches this
/// many does; readers see the best of the newest matches, which the preference for recent
/// articles would put first anyway. At least [`MAX_RESULTS`].
const RANKED: u32 = 2 * MAX_RESULTS;

/// How many of a word's newest matches tell how common it is (SQLite, [`Store::weighed_words`]).
const SAMPLE: u32 = 1_000;
/// At most this many of a query's words are weighed in its score (SQLite); the others still
/// have to match.
const WEIGHED_WORDS: usize = 16;

/// What the index holds for each article (its words, and the keywords related articles are
/// found by), and of what version: a change here or in the
/// tokenizer (SQLite) or the language's configuration (PostgreSQL) means a rebuild.
const SQLITE_VERSION: &str = "fts5-porter-unicode61-2";

/// A search of published articles.
#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    pub query: SearchQuery,
    /// Each of these terms (or one below it) must be among the article's.
    pub term_ids: Vec<i64>,
    pub author_id: Option<i64>,
    /// Published at or after.
    pub from: Option<jiff::Timestamp>,
    /// Published before.
    pub until: Option<jiff::Timestamp>,
    pub offset: u32,
    pub limit: u32,
    /// For the preference for recent articles.
    pub now: jiff::Timestamp,
}

/// One result: the article as lists show it, and a passage of its text with the matched words
/// between [`HIGHLIGHT_START`] and [`HIGHLIGHT_END`].
#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    pub summary: ArticleSummary,
    pub snippet: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchResults {
    pub hits: Vec<SearchHit>,
    /// Whether a further page has results.
    pub more: bool,
}

/// An article's words as the index holds them: plain text, without the highlight marks.
pub(crate) struct SearchDocument {
    pub title: String,
    pub dek: String,
    pub body: String,
    /// What related articles are found by ([`keywords`]).
    pub keywords: Vec<String>,
}

impl SearchDocument {
    pub(crate) fn of(new: &NewArticle) -> SearchDocument {
        SearchDocument::from_parts(&new.title, &new.dek, &new.body.html)
    }

    fn from_parts(title: &str, dek: &str, body_html: &str) -> SearchDocument {
        let clean = |s: &str| s.replace([HIGHLIGHT_START, HIGHLIGHT_END], " ");
        SearchDocument {
            title: clean(title),
            dek: clean(dek),
            body: clean(&html_to_text(body_html)),
            keywords: keywords(title, dek),
        }
    }
}

/// How many keywords an article keeps (the longest words of its headline and standfirst, which
/// say most and match fewest).
pub(crate) const KEYWORDS: usize = 16;
/// The keywords of an article with this headline and standfirst: their distinct words of four
/// letters or more, lower case and without accents, the longest first.
pub(crate) fn keywords(title: &str, dek: &str) -> Vec<String> {
    let mut words: Vec<String> = title
        .split(|c: char| !c.is_alphanumeric())
        .chain(dek.split(|c: char| !c.is_alphanumeric()))
        .filter(|w| w.chars().count() >= 4)
        .map(|w| without_accents(&w.to_lowercase()))
        .collect();
    words.sort_by(|a, b| b.chars().count().cmp(&a.chars().count()).then_with(|| a.cmp(b)));
    words.dedup();
    words.truncate(KEYWORDS);
    words
}

/// The statement that writes an article's `keywords`: the article is `$1`, the words follow.
pub(crate) fn insert_keywords(keywords: &[String]) -> String {
    crate::insert_rows("article_keywords (word, article_id)", keywords.len(), |_, p| format!("({p}, $1)"))
}

/// PostgreSQL's text search configuration for a site language (BCP 47): the built-in
/// configurations with a stemmer, and `simple` (words as they are) for every other language.
fn pg_config(language: &str) -> &'static str {
    let primary = language.split(['-', '_']).next().unwrap_or("").to_ascii_lowercase();
    match primary.as_str() {
        "ar" => "arabic",
        "da" => "danish",
        "nl" => "dutch",
        "en" => "english",
        "fi" => "finnish",
        "fr" => "french",
        "de" => "german",
        "el" => "greek",
        "hu" => "hungarian",
        "id" => "indonesian",
        "ga" => "irish",
        "it" => "italian",
        "lt" => "lithuanian",
        "ne" => "nepali",
        "no" | "nb" | "nn" => "norwegian",
        "pt" => "portuguese",
        "ro" => "romanian",
        "ru" => "russian",
        "es" => "spanish",
        "sv" => "swedish",
        "ta" => "tamil",
        "tr" => "turkish",
        _ => "simple",
    }
}

/// `text` without its accents ("Dunărea" becomes "Dunarea"): what FTS5's `remove_diacritics`
/// does on SQLite, done here for PostgreSQL, whose configurations keep them.
pub(crate) fn without_accents(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    use unicode_normalization::char::is_combining_mark;
    if text.is_ascii() {
        return text.to_owned();
    }
    text.nfd().filter(|c| !is_combining_mark(*c)).nfc().collect()
}

/// The FTS5 query for `query`: each word or phrase in double quotes (so that nothing in it is
/// syntax), `*` after a prefix, all of them required.
fn fts5_query(query: &SearchQuery) -> String {
    let quote = |words: &[String]| format!("\"{}\"", words.join(" ").replace('"', ""));
    query
        .terms
        .iter()
        .map(|t| match t {
            SearchTerm::Word { word, prefix } => {
                format!("{}{}", quote(std::slice::from_ref(word)), if *prefix { "*" } else { "" })
            }
            SearchTerm::Phrase(words) => quote(words),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The words of `query`, each phrase's one by one, without repeats: what bm25 weighs on SQLite
/// (a phrase's own count of articles costs a pass over every article holding its words).
fn score_words(query: &SearchQuery) -> Vec<SearchTerm> {
    let mut words = Vec::new();
    for term in &query.terms {
        let parts = match term {
            SearchTerm::Word { .. } => vec![term.clone()],
            SearchTerm::Phrase(phrase) => {
                phrase.iter().map(|w| SearchTerm::Word { word: w.clone(), prefix: false }).collect()
            }
        };
        for part in parts {
            if !words.contains(&part) {
                words.push(part);
            }
        }
    }
    words
}

/// Whether a word is in more than half of the articles and in more than [`SAMPLE`] of them,
/// from its newest [`SAMPLE`] matches: `found` of them, the oldest `oldest`, the newest article
/// `newest`. A word with fewer matches is cheap to count, and weighed as bm25 would.
fn in_most_articles(found: i64, oldest: Option<i64>, newest: i64) -> bool {
    match oldest {
        Some(oldest) if found >= i64::from(SAMPLE) => 2 * found > newest - oldest + 1,
        _ => false,
    }
}

/// `WITH RECURSIVE` and the common table expressions, or nothing when there are none.
fn with_clause(ctes: &[String]) -> String {
    if ctes.is_empty() { String::new() } else { format!("WITH RECURSIVE {} ", ctes.join(", ")) }
}

/// The tsquery text for `query`: each word a quoted lexeme (normalised by the configuration
/// when parsed), `:*` after a prefix, phrases with `<->`, all joined by `&`.
fn tsquery(query: &SearchQuery) -> String {
    let lexeme = |w: &str| format!("'{}'", without_accents(w).replace(['\'', '\\'], ""));
    query
        .terms
        .iter()
        .map(|t| match t {
            SearchTerm::Word { word, prefix } => {
                format!("{}{}", lexeme(word), if *prefix { ":*" } else { "" })
            }
            SearchTerm::Phrase(words) => {
                format!("({})", words.iter().map(|w| lexeme(w)).collect::<Vec<_>>().join(" <-> "))
            }
        })
        .collect::<Vec<_>>()
        .join(" & ")
}

/// Writes article `$id`'s row of the search index and its keywords inside the transaction
/// `$tx`, from the [`SearchDocument`] `$doc`; `$config` is `None` on SQLite and the text search configuration on
/// PostgreSQL ([`Store::search_config`]).
macro_rules! index_for_search {
    ($tx:ident, $id:expr, $doc:expr, $config:expr) => {
        match $config {
            None => {
                sqlx::query("DELETE FROM article_search WHERE rowid = $1").bind($id).execute(&mut *$tx).await?;
                sqlx::query("INSERT INTO article_search (rowid, title, dek, body) VALUES ($1, $2, $3, $4)")
                    .bind($id)
                    .bind(&$doc.title)
                    .bind(&$doc.dek)
                    .bind(&$doc.body)
                    .execute(&mut *$tx)
                    .await?;
            }
            Some(config) => {
                // The words without their accents make the document, as FTS5 does on SQLite;
                // the text keeps them, for the passages shown.
                sqlx::query(
                    "INSERT INTO article_search (article_id, title, dek, body, document) VALUES ($1, $2, $3, $4, \
                     setweight(to_tsvector($5::regconfig, $6), 'A') || setweight(to_tsvector($5::regconfig, $7), 'B') \
                     || setweight(to_tsvector($5::regconfig, $8), 'D')) \
                     ON CONFLICT (article_id) DO UPDATE SET title = excluded.title, dek = excluded.dek, \
                     body = excluded.body, document = excluded.document",
                )
                .bind($id)
                .bind(&$doc.title)
                .bind(&$doc.dek)
                .bind(&$doc.body)
                .bind(config)
                .bind($crate::search::without_accents(&$doc.title))
                .bind($crate::search::without_accents(&$doc.dek))
                .bind($crate::search::without_accents(&$doc.body))
                .execute(&mut *$tx)
                .await?;
            }
        }
        sqlx::query("DELETE FROM article_keywords WHERE article_id = $1").bind($id).execute(&mut *$tx).await?;
        if !$doc.keywords.is_empty() {
            let sql = $crate::search::insert_keywords(&$doc.keywords);
            let mut insert = sqlx::query(&sql).bind($id);
            for word in &$doc.keywords {
                insert = insert.bind(word);
            }
            insert.execute(&mut *$tx).await?;
        }
    };
}
pub(crate) use index_for_search;

impl Store {
    /// `None` on SQLite; on PostgreSQL, the text search configuration of the site's language.
    pub(crate) async fn search_config(&self) -> Result<Option<&'static str>> {
        Ok(match self.db {
            Db::Sqlite(_) => None,
            Db::Postgres(_) => Some(pg_config(&self.site().await?.language)),
        })
    }

    /// What the index would be built as now.
    async fn search_version(&self) -> Result<String> {
        Ok(match self.search_config().await? {
            None => SQLITE_VERSION.to_owned(),
            Some(config) => format!("tsvector-{config}-2"),
        })
    }

    /// A new database's index: every save keeps it current from the first article on, so a
    /// database without articles whose index was never built is marked built as this version
    /// builds it. Otherwise a site filled by `generate` or an import would rebuild its whole
    /// index at its first start (minutes at 100,000 articles) for nothing.
    pub(crate) async fn stamp_new_search_index(&self) -> Result<()> {
        let version = self.search_version().await?;
        on_db!(self, pool => {
            sqlx::query(
                "UPDATE search_index SET version = $1 WHERE id = 1 AND version = '' \
                 AND NOT EXISTS (SELECT 1 FROM articles)",
            )
            .bind(&version)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Whether the index must be rebuilt ([`Store::reindex_search`]): it never was, or it was
    /// built another way (the site's language changed, or this version indexes differently).
    pub async fn search_index_stale(&self) -> Result<bool> {
        let built: Option<String> = on_db!(self, pool => {
            sqlx::query_scalar("SELECT version FROM search_index WHERE id = 1").fetch_optional(pool).await?
        });
        Ok(built.as_deref() != Some(self.search_version().await?.as_str()))
    }

    /// Rebuilds the search index, a batch of articles per transaction, calling `progress` with
    /// (done, total) after each, and on SQLite merges it into one segment at the end. Searches
    /// keep working meanwhile. Returns the articles indexed.
    pub async fn reindex_search(&self, mut progress: impl FnMut(u64, u64)) -> Result<u64> {
        const BATCH: i64 = 200;
        let version = self.search_version().await?;
        let config = self.search_config().await?;
        let total: i64 = on_db!(self, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM articles").fetch_one(pool).await?
        });
        let total = u64::try_from(total).unwrap_or(0);
        let mut done = 0u64;
        let mut after = 0i64;
        loop {
            let rows: Vec<(i64, String, String, String)> = on_db!(self, pool => {
                sqlx::query_as("SELECT id, title, dek, body_html FROM articles WHERE id > $1 ORDER BY id LIMIT $2")
                    .bind(after)
                    .bind(BATCH)
                    .fetch_all(pool)
                    .await?
            });
            let Some(last) = rows.last() else { break };
            after = last.0;
            // Reading HTML is CPU work: off the async workers.
            let docs = tokio::task::spawn_blocking(move || {
                rows.into_iter()
                    .map(|(id, title, dek, html)| (id, SearchDocument::from_parts(&title, &dek, &html)))
                    .collect::<Vec<_>>()
            })
            .await
            .map_err(|e| {
                StoreError::Invalid(format!("reading articles for the search index stopped: {e}"))
            })?;
            on_db!(self, pool => {
                let mut tx = pool.begin().await?;
                for (id, doc) in &docs {
                    index_for_search!(tx, *id, doc, config);
                }
                tx.commit().await?;
            });
            done += docs.len() as u64;
            progress(done, total.max(done));
        }
        if let Db::Sqlite(pool) = &self.db {
            // Built in batches, the index is many segments that every query reads side by
            // side; merged into one, searches at 100,000 articles take half the time.
            sqlx::query("INSERT INTO article_search (article_search) VALUES ('optimize')")
                .execute(pool)
                .await?;
        }
        on_db!(self, pool => {
            sqlx::query("UPDATE search_index SET version = $1 WHERE id = 1").bind(&version).execute(pool).await?;
        });
        Ok(done)
    }

    /// Published articles matching `request`, the most relevant first (with a gentle
    /// preference for recent ones), each with a highlighted passage.
    ///
    /// Relevance is bm25 on SQLite and `ts_rank_cd` on PostgreSQL, over the newest
    /// [`RANKED`] matches. On SQLite it weighs a phrase by its words, and leaves out a word in
    /// more than half of a large site's articles ([`Store::weighed_words`]); when every word is
    /// such a word, the newest matches come first.
    pub async fn search(&self, request: &SearchRequest) -> Result<SearchResults> {
        if request.query.is_empty() {
            return Ok(SearchResults::default());
        }
        let limit = request.limit.clamp(1, 100);
        if request.offset >= MAX_RESULTS {
            return Ok(SearchResults::default());
        }
        let config = self.search_config().await?;
        let query_text = match config {
            None => fts5_query(&request.query),
            Some(_) => tsquery(&request.query),
        };
        // $1 the query, $2 now, $3 the configuration (NULL on SQLite); filters from $4.
        let mut n = 3;
        let mut next = || {
            n += 1;
            n
        };
        let mut ctes = Vec::new();
        let mut conditions = Vec::new();
        for (i, _) in request.term_ids.iter().enumerate() {
            let p = next();
            ctes.push(format!(
                "subtree{i} (id, depth) AS (SELECT id, 0 FROM terms WHERE id = ${p} UNION ALL \
                 SELECT t.id, s.depth + 1 FROM terms t JOIN subtree{i} s ON t.parent_id = s.id WHERE s.depth < 32)"
            ));
            // Asked of each match in turn, by reading its few terms (the `+` keeps SQLite from
            // seeking each term of the tree instead): the term's articles gathered first would
            // be a list as long as the term's share of the site.
            conditions.push(format!(
                "AND EXISTS (SELECT 1 FROM article_terms x WHERE x.article_id = a.id \
                 AND +x.term_id IN (SELECT id FROM subtree{i}))"
            ));
        }
        if request.author_id.is_some() {
            conditions.push(format!(
                "AND EXISTS (SELECT 1 FROM article_authors x WHERE x.article_id = a.id AND x.author_id = ${})",
                next()
            ));
        }
        if request.from.is_some() {
            conditions.push(format!("AND a.published_at >= ${}", next()));
        }
        if request.until.is_some() {
            conditions.push(format!("AND a.published_at < ${}", next()));
        }
        let conditions = conditions.join(" ");
        let age_factor = format!(
            "(1.0 + CAST((CASE WHEN a.published_at < $2 THEN $2 - a.published_at ELSE 0 END) AS DOUBLE PRECISION) \
             / 86400.0 / {HALF_LIFE_DAYS:.1})"
        );
        // On SQLite, what the score weighs when that is not the query itself: its words in at
        // most half of the articles (bound last).
        let mut weighed_query = None;
        let sql = match config {
            // bm25 is negative, lower is better: dividing by the age factor draws older
            // articles towards zero.
            None => {
                // The RANKED newest matches, each with `score` when one is given.
                let matches = |score: &str| {
                    format!(
                        "SELECT article_search.rowid AS id{score} \
                         FROM article_search JOIN articles a INDEXED BY articles_ranked ON a.id = article_search.rowid \
                         WHERE article_search MATCH $1 AND $3 IS NULL \
                         AND a.status = 'published' AND a.published_at IS NOT NULL {conditions} \
                         ORDER BY article_search.rowid DESC LIMIT {RANKED}"
                    )
                };
                let words = score_words(&request.query);
                let weighed = self.weighed_words(&words).await?;
                let page = format!("ORDER BY score, id DESC LIMIT {} OFFSET {}", limit + 1, request.offset);
                if weighed.is_empty() {
                    // Every word is in most articles, where bm25 tells them apart by nothing
                    // but rounding: the newest matches first.
                    let newest = matches(&format!(", -1.0 / {age_factor} AS score"));
                    format!("{}SELECT id, score FROM ({newest}) {page}", with_clause(&ctes))
                } else if weighed == request.query.terms {
                    // The query is its own score: matched and scored in one pass.
                    let scored =
                        matches(&format!(", bm25(article_search, 8.0, 3.0, 1.0) / {age_factor} AS score"));
                    format!("{}SELECT id, score FROM ({scored}) {page}", with_clause(&ctes))
                } else {
                    // The matches first, then a second pass scores them by the weighed words
                    // alone over the same range of ids (the `+` keeps the list from being
                    // read as ids to look up one at a time, each a new scoring).
                    let p = next();
                    weighed_query = Some(fts5_query(&SearchQuery { terms: weighed }));
                    ctes.push(format!("c AS MATERIALIZED ({})", matches("")));
                    format!(
                        "{}SELECT article_search.rowid AS id, bm25(article_search, 8.0, 3.0, 1.0) / {age_factor} AS score \
                         FROM article_search JOIN articles a INDEXED BY articles_ranked ON a.id = article_search.rowid \
                         WHERE article_search MATCH ${p} AND article_search.rowid >= (SELECT min(id) FROM c) \
                         AND +article_search.rowid IN (SELECT id FROM c) {page}",
                        with_clause(&ctes)
                    )
                }
            }
            // The query is written out in the condition (not a joined function) so that the
            // planner, planning for its words, sees how many articles match: a word in most of
            // them is found by walking the newest articles, a rare one through the text index.
            // Only the RANKED newest matches are scored (each score reads the article's whole
            // tsvector).
            Some(_) => format!(
                "{}SELECT c.id, CAST(ts_rank_cd(s.document, to_tsquery($3::regconfig, $1)) AS DOUBLE PRECISION) \
                 / {age_factor} AS score \
                 FROM (SELECT s.article_id AS id FROM article_search s JOIN articles a ON a.id = s.article_id \
                 WHERE s.document @@ to_tsquery($3::regconfig, $1) AND a.status = 'published' \
                 AND a.published_at IS NOT NULL {conditions} \
                 ORDER BY s.article_id DESC LIMIT {RANKED}) c \
                 JOIN article_search s ON s.article_id = c.id JOIN articles a ON a.id = c.id \
                 ORDER BY score DESC, c.id DESC LIMIT {} OFFSET {}",
                with_clause(&ctes),
                limit + 1,
                request.offset
            ),
        };
        let now = request.now.as_second();
        let ranked: Vec<(i64, f64)> = on_db!(self, pool => {
            // Planned for its words each time (an unnamed statement): a plan made once, for
            // any words, cannot tell a word in every article (walk the newest articles) from a
            // rare one (read the text index).
            let mut q = sqlx::query_as(&sql).persistent(false).bind(&query_text).bind(now).bind(config);
            for term in &request.term_ids {
                q = q.bind(term);
            }
            if let Some(author) = request.author_id {
                q = q.bind(author);
            }
            if let Some(from) = request.from {
                q = q.bind(from.as_second());
            }
            if let Some(until) = request.until {
                q = q.bind(until.as_second());
            }
            if let Some(weighed) = &weighed_query {
                q = q.bind(weighed);
            }
            q.fetch_all(pool).await?
        });
        let more = ranked.len() > limit as usize && request.offset + limit < MAX_RESULTS;
        let ids: Vec<i64> = ranked.iter().take(limit as usize).map(|(id, _)| *id).collect();
        if ids.is_empty() {
            return Ok(SearchResults::default());
        }
        let snippets = self.snippets(&ids, &query_text, config).await?;
        let mut summaries = self.summaries(&ids).await?;
        let hits = ids
            .iter()
            .filter_map(|id| {
                let at = summaries.iter().position(|s| s.id == *id)?;
                let summary = summaries.swap_remove(at);
                let snippet =
                    snippets.iter().find(|(i, _)| i == id).map(|(_, s)| s.clone()).unwrap_or_default();
                Some(SearchHit { summary, snippet })
            })
            .collect();
        Ok(SearchResults { hits, more })
    }

    /// Of `words`, the first [`WEIGHED_WORDS`], without those in more than half of a large
    /// site's articles (SQLite). bm25 gives such a word no weight, yet counting the articles
    /// that hold it, which bm25 does at every search, is what would make a search's cost grow
    /// with the site. How common a word is comes from its newest matches, read for every word
    /// in one statement through the index.
    async fn weighed_words(&self, words: &[SearchTerm]) -> Result<Vec<SearchTerm>> {
        let words = &words[..words.len().min(WEIGHED_WORDS)];
        let samples = (1..=words.len())
            .map(|i| {
                format!(
                    "SELECT {i} AS word, count(*) AS found, min(id) AS oldest FROM (SELECT rowid AS id FROM article_search \
                     WHERE article_search MATCH ${i} ORDER BY rowid DESC LIMIT {SAMPLE})"
                )
            })
            .collect::<Vec<_>>()
            .join(" UNION ALL ");
        let sql = format!(
            "SELECT s.word, s.found, s.oldest, (SELECT max(id) FROM articles) \
             FROM ({samples}) s ORDER BY s.word"
        );
        let rows: Vec<(i64, i64, Option<i64>, Option<i64>)> = on_db!(self, pool => {
            let mut q = sqlx::query_as(&sql);
            for word in words {
                q = q.bind(fts5_query(&SearchQuery { terms: vec![word.clone()] }));
            }
            q.fetch_all(pool).await?
        });
        Ok(words
            .iter()
            .zip(rows)
            .filter(|(_, (_, found, oldest, newest))| !in_most_articles(*found, *oldest, newest.unwrap_or(0)))
            .map(|(word, _)| word.clone())
            .collect())
    }

    /// A passage of each article's text around what matched (only for one page of results:
    /// making them costs a pass over each text).
    async fn snippets(
        &self,
        ids: &[i64],
        query_text: &str,
        config: Option<&str>,
    ) -> Result<Vec<(i64, String)>> {
        let list = crate::placeholders(4, ids.len());
        let (start, end) = (HIGHLIGHT_START.to_string(), HIGHLIGHT_END.to_string());
        let sql = match config {
            None => format!(
                "SELECT rowid, snippet(article_search, 2, $2, $3, '…', 32) FROM article_search \
                 WHERE article_search MATCH $1 AND rowid IN ({list})"
            ),
            Some(_) => format!(
                "SELECT article_id, ts_headline($2::regconfig, body, to_tsquery($2::regconfig, $1), $3) \
                 FROM article_search WHERE article_id IN ({list})"
            ),
        };
        let rows: Vec<(i64, String)> = on_db!(self, pool => {
            let mut q = sqlx::query_as(&sql).bind(query_text);
            q = match config {
                None => q.bind(start.clone()).bind(end.clone()),
                Some(config) => q.bind(config).bind(format!(
                    "StartSel={start}, StopSel={end}, MaxWords=35, MinWords=15, MaxFragments=2, FragmentDelimiter=\" … \""
                )),
            };
            for id in ids {
                q = q.bind(id);
            }
            q.fetch_all(pool).await?
        });
        Ok(rows)
    }

    /// The condition on `a.id` that keeps articles matching `query` (for the newsroom's own
    /// lists), with the two values to bind from `$first`: the query in the backend's syntax and
    /// the configuration (NULL on SQLite).
    pub(crate) async fn text_filter(
        &self,
        query: &SearchQuery,
        first: usize,
    ) -> Result<(String, (String, Option<&'static str>))> {
        let second = first + 1;
        Ok(match self.search_config().await? {
            None => (
                format!(
                    "a.id IN (SELECT rowid FROM article_search WHERE article_search MATCH ${first} AND ${second} IS NULL)"
                ),
                (fts5_query(query), None),
            ),
            Some(config) => (
                format!(
                    "a.id IN (SELECT article_id FROM article_search WHERE document @@ to_tsquery(${second}::regconfig, ${first}))"
                ),
                (tsquery(query), Some(config)),
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_are_the_longest_words_of_headline_and_standfirst() {
        assert_eq!(
            keywords("Freight volumes fell by a fifth on the Dunărea", "Freight says: it's late"),
            vec!["dunarea", "freight", "volumes", "fifth", "fell", "late", "says"]
        );
        let long = "word ".repeat(3) + &(0..40).map(|i| format!("name{i:02}")).collect::<Vec<_>>().join(" ");
        assert_eq!(keywords(&long, "").len(), KEYWORDS);
        assert_eq!(
            insert_keywords(&["a".into(), "b".into()]),
            "INSERT INTO article_keywords (word, article_id) VALUES ($2, $1), ($3, $1)"
        );
    }

    #[test]
    fn only_a_word_in_most_of_a_large_site_is_left_out_of_the_score() {
        let sample = i64::from(SAMPLE);
        // Fewer matches than the sample: counted exactly by bm25, whatever their share.
        assert!(!in_most_articles(sample - 1, Some(2), sample));
        assert!(!in_most_articles(0, None, 100_000));
        // The newest matches fill the newest ids: in nearly every article.
        assert!(in_most_articles(sample, Some(100_000 - sample + 1), 100_000));
        assert!(in_most_articles(sample, Some(100_000 - 2 * sample + 2), 100_000));
        // One article in three: weighed.
        assert!(!in_most_articles(sample, Some(100_000 - 3 * sample), 100_000));
    }

    #[test]
    fn a_phrase_is_scored_by_its_words_once_each() {
        let query = SearchQuery::parse(r#""river border" river town*"#);
        let word = |w: &str, prefix| SearchTerm::Word { word: w.into(), prefix };
        assert_eq!(score_words(&query), [word("river", false), word("border", false), word("town", true)]);
    }

    #[test]
    fn queries_are_written_in_each_backend_s_syntax() {
        let q = SearchQuery::parse(r#"Danube "low water" freigh*"#);
        assert_eq!(fts5_query(&q), r#""danube" "low water" "freigh"*"#);
        assert_eq!(tsquery(&q), "'danube' & ('low' <-> 'water') & 'freigh':*");
    }

    #[test]
    fn site_languages_find_their_configuration() {
        assert_eq!(pg_config("en"), "english");
        assert_eq!(pg_config("fr-CA"), "french");
        assert_eq!(pg_config("sr-Latn"), "simple");
        assert_eq!(pg_config(""), "simple");
    }
}
