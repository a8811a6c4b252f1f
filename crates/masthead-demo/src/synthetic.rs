//! A synthetic outlet for benchmarks: any number of articles of about a thousand words, by 50
//! authors, filed under regions (with sub-regions), themes and tags, one every half hour back
//! from `now`. Deterministic: the same `seed` gives the same outlet.

use jiff::{SignedDuration, Timestamp};
use masthead_core::{ArticleStatus, BodyFormat, NewArticle, NewAuthor, NewTerm, Slug, TermKind, render_body};
use masthead_store::Store;

use crate::DemoError;

/// Articles saved per transaction.
const BATCH: usize = 500;
pub const AUTHORS: usize = 50;

const WORDS: &[&str] = &[
    "river",
    "border",
    "harbour",
    "grain",
    "council",
    "election",
    "pipeline",
    "drought",
    "ministry",
    "village",
    "market",
    "railway",
    "currency",
    "treaty",
    "winter",
    "refinery",
    "coalition",
    "archive",
    "valley",
    "port",
    "reform",
    "strike",
    "budget",
    "farmers",
    "court",
    "mayor",
    "bridge",
    "customs",
    "water",
    "energy",
    "trade",
    "migration",
    "school",
    "hospital",
    "newspaper",
    "editor",
    "union",
    "factory",
    "mine",
    "forest",
    "coast",
    "capital",
    "province",
    "summit",
    "sanctions",
    "harvest",
    "tariff",
    "convoy",
    "corridor",
    "network",
    "the",
    "of",
    "and",
    "in",
    "to",
    "a",
    "on",
    "with",
    "for",
    "as",
    "by",
    "from",
    "after",
    "before",
    "while",
    "where",
    "local",
    "national",
    "regional",
    "new",
    "old",
    "quiet",
    "long",
    "early",
    "late",
    "small",
    "large",
    "public",
    "says",
    "said",
    "waits",
    "builds",
    "opens",
    "closes",
    "rises",
    "falls",
    "grows",
    "moves",
    "signs",
    "asks",
];

/// Syllables of the names (places, people, companies) that make a text's rarer words.
const SYLLABLES: &[&str] =
    &["ka", "lo", "mi", "ra", "ne", "vo", "du", "si", "ta", "po", "ze", "gri", "bra", "sto", "vel", "mar"];
/// How many different names the texts use.
pub const NAMES: u64 = 50_000;

/// The name of rank `rank` (1 is the most frequent): four syllables that spell the rank.
pub fn name_of(rank: u64) -> String {
    let mut n = rank % NAMES;
    let mut name = String::new();
    for _ in 0..4 {
        name.push_str(SYLLABLES[(n % 16) as usize]);
        n /= 16;
    }
    name
}

/// A small, fast generator of repeatable choices (xorshift); not for anything secret.
struct Choices(u64);

impl Choices {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn word(&mut self) -> &'static str {
        WORDS[self.below(WORDS.len())]
    }

    /// A name drawn as words are in real text (Zipf's law): rank `r` about as often as `1/r`,
    /// so that a few names are in most articles and most names in a few.
    fn name(&mut self) -> String {
        let u = (self.next() % 1_000_000) as f64 / 1_000_000.0;
        name_of((NAMES as f64).powf(u) as u64)
    }

    fn sentence(&mut self, words: usize) -> String {
        let name = self.name();
        let mut s: Vec<&str> = (0..words).map(|_| self.word()).collect();
        let at = 1 + self.below(words - 1);
        s[at] = &name;
        let first = s[0];
        let mut out = String::new();
        out.push_str(&first[..1].to_uppercase());
        out.push_str(&first[1..]);
        s.remove(0);
        for w in s {
            out.push(' ');
            out.push_str(w);
        }
        out.push('.');
        out
    }
}

/// What [`generate`] made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    pub articles: usize,
    pub authors: usize,
    pub terms: usize,
}

async fn term(store: &Store, kind: TermKind, name: &str, parent: Option<i64>) -> Result<i64, DemoError> {
    let new = NewTerm {
        kind,
        slug: Slug::from_title(name).map_err(|e| DemoError::Content(e.to_string()))?,
        name: name.to_owned(),
        description: format!("Reporting filed under {name}."),
        parent_id: parent,
    };
    Ok(store.create_term(&new).await?.id)
}

/// Fills `store` (an empty site) with `articles` synthetic articles; `progress` hears
/// (saved, total) after each batch.
pub async fn generate(
    store: &Store,
    articles: usize,
    seed: u64,
    now: Timestamp,
    progress: &(dyn Fn(usize, usize) + Send + Sync),
) -> Result<Generated, DemoError> {
    if store.article_count().await? > 0 {
        return Err(DemoError::Content(
            "the site already has articles; generate into an empty data folder".into(),
        ));
    }
    let mut pick = Choices(seed.max(1));
    let mut authors = Vec::new();
    for i in 0..AUTHORS {
        let name = format!("Writer {} {}", (b'A' + (i % 26) as u8) as char, i + 1);
        let new = NewAuthor {
            slug: Slug::from_title(&name).map_err(|e| DemoError::Content(e.to_string()))?,
            name: name.clone(),
            bio: format!("{name} reports on {} and {}.", pick.word(), pick.word()),
            links: vec![],
            avatar_media_id: None,
            outlet_id: None,
        };
        authors.push(store.create_author(&new).await?.id);
    }
    let mut regions = Vec::new();
    for r in 0..8 {
        let top = term(store, TermKind::Region, &format!("Region {}", r + 1), None).await?;
        regions.push(top);
        for s in 0..4 {
            regions.push(
                term(store, TermKind::Region, &format!("Region {} area {}", r + 1, s + 1), Some(top)).await?,
            );
        }
    }
    let mut themes = Vec::new();
    for t in 0..12 {
        themes.push(term(store, TermKind::Theme, &format!("Theme {}", t + 1), None).await?);
    }
    let mut tags = Vec::new();
    for t in 0..60 {
        tags.push(term(store, TermKind::Tag, &format!("Tag {}", t + 1), None).await?);
    }

    let mut batch = Vec::with_capacity(BATCH);
    let mut saved = 0;
    // The oldest first, as a newsroom writes them: a larger id is a more recent article.
    for i in (0..articles).rev() {
        let title = format!("{} {}", pick.sentence(6).trim_end_matches('.'), i + 1);
        let mut body = String::new();
        for p in 0..12 {
            if p == 4 {
                body.push_str(&format!("## {}\n\n", pick.sentence(4).trim_end_matches('.')));
            }
            let sentences: Vec<String> = (0..5).map(|_| pick.sentence(14)).collect();
            body.push_str(&sentences.join(" "));
            body.push_str("\n\n");
        }
        body.push_str(&format!("> {}\n", pick.sentence(12)));
        let mut author_ids = vec![authors[pick.below(authors.len())]];
        if pick.below(5) == 0 {
            let second = authors[pick.below(authors.len())];
            if second != author_ids[0] {
                author_ids.push(second);
            }
        }
        let mut term_ids = vec![regions[pick.below(regions.len())], themes[pick.below(themes.len())]];
        for _ in 0..3 {
            let tag = tags[pick.below(tags.len())];
            if !term_ids.contains(&tag) {
                term_ids.push(tag);
            }
        }
        batch.push(NewArticle {
            slug: Slug::parse(&format!("article-{}", i + 1))
                .map_err(|e| DemoError::Content(e.to_string()))?,
            title,
            dek: pick.sentence(16),
            body: render_body(BodyFormat::Markdown, &body).expect("synthetic bodies are small"),
            excerpt: String::new(),
            status: ArticleStatus::Published,
            published_at: Some(now - SignedDuration::from_mins(30 * i as i64)),
            time_zone: "Europe/Belgrade".into(),
            author_ids,
            term_ids,
            featured_media_id: None,
            featured_alt: String::new(),
            featured_credit: String::new(),
            reuse_policy: None,
            origins: vec![],
            language: String::new(),
            translation_of: None,
        });
        if batch.len() == BATCH || i == 0 {
            store.create_articles(&batch).await?;
            saved += batch.len();
            batch.clear();
            progress(saved, articles);
        }
    }
    Ok(Generated {
        articles: saved,
        authors: authors.len(),
        terms: regions.len() + themes.len() + tags.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_generated_outlet_has_what_it_says() {
        let db = masthead_store::testing::TestDb::sqlite().await;
        let now: Timestamp = "2026-11-29T08:00:00Z".parse().unwrap();
        let made = generate(&db.store, 120, 7, now, &|_, _| {}).await.unwrap();
        assert_eq!(made, Generated { articles: 120, authors: 50, terms: 40 + 12 + 60 });
        let page = db.store.published(masthead_store::Page::first(5)).await.unwrap();
        assert_eq!(page.items[0].slug.as_str(), "article-1");
        let article = db.store.article(page.items[0].id).await.unwrap();
        let words = masthead_core::body::word_count(&article.body.html);
        assert!((800..1300).contains(&words), "{words} words");
        assert!(generate(&db.store, 1, 7, now, &|_, _| {}).await.is_err(), "only into an empty site");
        db.finish().await;
    }
}
