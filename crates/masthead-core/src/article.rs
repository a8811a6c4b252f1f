//! Articles: the unit of publishing and of syndication.

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

pub use crate::body::BodyFormat;
use crate::{AbsoluteUrl, Author, Media, Provenance, RenderedBody, ReusePolicy, Site, Slug, Term, TermKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ArticleStatus {
    Draft,
    /// Waiting for its `published_at` to arrive.
    Scheduled,
    Published,
    /// Was public once, taken down; its URL answers "gone" rather than "never existed".
    Unpublished,
}

impl ArticleStatus {
    pub const ALL: [ArticleStatus; 4] = [
        ArticleStatus::Draft,
        ArticleStatus::Scheduled,
        ArticleStatus::Published,
        ArticleStatus::Unpublished,
    ];

    pub fn key(self) -> &'static str {
        match self {
            ArticleStatus::Draft => "draft",
            ArticleStatus::Scheduled => "scheduled",
            ArticleStatus::Published => "published",
            ArticleStatus::Unpublished => "unpublished",
        }
    }
}

impl fmt::Display for ArticleStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown article status {found:?}; expected draft, scheduled, published or unpublished")]
pub struct UnknownStatus {
    pub found: String,
}

impl FromStr for ArticleStatus {
    type Err = UnknownStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ArticleStatus::ALL
            .into_iter()
            .find(|k| k.key() == s)
            .ok_or_else(|| UnknownStatus { found: s.to_owned() })
    }
}

/// The image at the top of an article, with the words that go with it on this article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeaturedImage {
    pub media: Media,
    pub alt: String,
    /// "Photo: Ana Petrović / Danube Dispatch"
    pub credit: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Article {
    pub id: i64,
    pub slug: Slug,
    pub title: String,
    /// The standfirst under the headline.
    pub dek: String,
    pub body: RenderedBody,
    pub excerpt: String,
    pub status: ArticleStatus,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub published_at: Option<Timestamp>,
    /// IANA zone the article's dates are shown in.
    pub time_zone: String,
    /// In byline order.
    pub authors: Vec<Author>,
    /// Regions, themes and tags, each kind in the order the newsroom gave them.
    pub terms: Vec<Term>,
    pub featured: Option<FeaturedImage>,
    /// `None` follows the site's default policy.
    pub reuse_policy: Option<ReusePolicy>,
    pub provenance: Provenance,
    /// Grows by one with every save; a save names the revision it started from, so that two
    /// people editing at once cannot overwrite each other.
    pub revision: i64,
    /// The slug it was first published under (`None` until then): its identity in feeds and
    /// ninjs, which a later change of address keeps.
    pub first_slug: Option<Slug>,
    /// What the newsroom corrected after publication, oldest first.
    pub corrections: Vec<Correction>,
    /// Set when the article was withdrawn (its status is then unpublished).
    pub withdrawal: Option<Withdrawal>,
    /// Its images (featured or in the text) that may not travel with republished copies.
    #[serde(default)]
    pub withheld_images: Vec<WithheldImage>,
    /// Its language as a BCP 47 tag; empty: the site's ([`Article::language_in`]).
    #[serde(default)]
    pub language: String,
    /// The article this one translates.
    #[serde(default)]
    pub translation_of: Option<i64>,
    /// When its words last changed after it was first published.
    #[serde(default)]
    pub revised_at: Option<Timestamp>,
    /// The other published articles of its group of translations (the original and every
    /// translation of it), by language.
    #[serde(default)]
    pub translations: Vec<Translation>,
    /// The number of words of its text as counted when the text was saved; `None` when it was
    /// not (then [`Article::words`] counts them).
    #[serde(default)]
    pub word_count: Option<usize>,
}

/// Another language's version of an article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Translation {
    pub id: i64,
    pub slug: Slug,
    pub title: String,
    /// Empty: the site's language.
    pub language: String,
}

/// An image of an article whose rights do not let it travel with copies: copies carry its
/// credit and a link to the original instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WithheldImage {
    pub media_id: i64,
    /// Below `/media/`, as `Media::path`.
    pub path: String,
    pub credit: String,
}

/// A correction made to a published article, printed on its page and carried by every copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Correction {
    pub made_at: Timestamp,
    /// "An earlier version gave the port's volume for 2023 as 41m tonnes; it was 14m."
    pub text: String,
}

/// A withdrawal (a legal takedown, for example): the page answers 410 Gone with the notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Withdrawal {
    pub at: Timestamp,
    pub notice: String,
}

/// What a copy of an article should tell its readers about the original.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// As published (or only edited without a correction).
    Current,
    /// Corrected, last at this moment.
    Corrected(Timestamp),
    Withdrawn(Timestamp),
}

impl Standing {
    /// `current`, `corrected` or `withdrawn`, as the republish JSON writes it.
    pub fn key(self) -> &'static str {
        match self {
            Standing::Current => "current",
            Standing::Corrected(_) => "corrected",
            Standing::Withdrawn(_) => "withdrawn",
        }
    }
}

impl Article {
    pub fn terms_of(&self, kind: TermKind) -> impl Iterator<Item = &Term> {
        self.terms.iter().filter(move |t| t.kind == kind)
    }

    /// The article's language: its own, or the site's.
    pub fn language_in<'a>(&'a self, site: &'a Site) -> &'a str {
        if self.language.is_empty() { &site.language } else { &self.language }
    }

    /// The number of words of its text: as counted when it was saved, or counted now.
    pub fn words(&self) -> usize {
        self.word_count.unwrap_or_else(|| crate::body::word_count(&self.body.html))
    }

    /// The featured image, if it may travel with republished copies.
    pub fn featured_for_copies(&self) -> Option<&FeaturedImage> {
        self.featured.as_ref().filter(|f| f.media.travels)
    }

    /// Whether the article stands as published, was corrected, or was withdrawn.
    pub fn standing(&self) -> Standing {
        if let Some(w) = &self.withdrawal {
            return Standing::Withdrawn(w.at);
        }
        match self.corrections.last() {
            Some(c) => Standing::Corrected(c.made_at),
            None => Standing::Current,
        }
    }

    /// The terms that apply: the article's own, or the site's default.
    pub fn effective_policy(&self, site: &Site) -> ReusePolicy {
        self.reuse_policy.unwrap_or(site.default_policy)
    }

    /// The URL search engines should treat as the original: the first publication for a
    /// republished article, ours otherwise.
    ///
    /// A republished article points at the original; when all that is known of the original is
    /// its outlet's feed (RSS `<source>` names a feed), at the earliest copy that is a page.
    pub fn canonical_url(&self, site: &Site) -> String {
        match &self.provenance {
            crate::Provenance::Republished { chain } => chain
                .iter()
                .find(|o| !o.is_feed_address())
                .or(chain.last())
                .map(|o| o.url.to_string())
                .unwrap_or_else(|| site.url(&self.path())),
            crate::Provenance::Own => site.url(&self.path()),
        }
    }

    /// The path of the article's page on this site.
    pub fn path(&self) -> String {
        article_path(&self.slug)
    }

    /// The URL that names the article in feeds and ninjs (RSS guid, Atom and JSON Feed id,
    /// ninjs uri): its page's address when it was first published, which still leads to it
    /// after its address changes, and never changes itself.
    pub fn id_url(&self, site: &Site) -> String {
        site.url(&article_path(self.first_slug.as_ref().unwrap_or(&self.slug)))
    }

    /// Who holds the copyright: the original outlet for a republished article, us otherwise.
    pub fn copyright_outlet<'a>(&'a self, site: &'a Site) -> &'a str {
        match self.provenance.original() {
            Some(origin) => &origin.outlet.name,
            None => &site.copyright_holder,
        }
    }

    /// "Copyright © Drago Bosnic, InfoBrics, 2026": the authors, the outlet that first
    /// published the article, and the year it first appeared.
    pub fn copyright_line(&self, site: &Site) -> String {
        let first = self
            .provenance
            .original()
            .and_then(|o| o.published_at)
            .or(self.published_at)
            .unwrap_or(self.created_at);
        let year = crate::time::in_zone(first, &self.time_zone).year();
        let names: Vec<&str> = self.authors.iter().map(|a| a.name.as_str()).collect();
        let mut holders = Vec::new();
        if !names.is_empty() {
            holders.push(names.join(", "));
        }
        holders.push(self.copyright_outlet(site).to_owned());
        format!("Copyright © {}, {year}", holders.join(", "))
    }
}

/// The path of an article's page.
pub fn article_path(slug: &Slug) -> String {
    format!("/article/{slug}")
}

/// What archive pages show of each article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleSummary {
    pub id: i64,
    pub slug: Slug,
    pub title: String,
    pub dek: String,
    pub excerpt: String,
    pub published_at: Timestamp,
    pub time_zone: String,
    pub authors: Vec<Author>,
    pub terms: Vec<Term>,
    pub featured: Option<FeaturedImage>,
    /// The outlet that first published it, for "Originally published on …" in lists.
    pub original_outlet: Option<String>,
    /// Comments shown under it.
    pub comments: i64,
}

impl ArticleSummary {
    pub fn cursor(&self) -> Cursor {
        Cursor { published_at: self.published_at, id: self.id }
    }
}

/// One link in a republication chain, as given by an editor or an importer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewOrigin {
    pub outlet_id: i64,
    pub url: AbsoluteUrl,
    pub published_at: Option<Timestamp>,
    pub byline: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewArticle {
    pub slug: Slug,
    pub title: String,
    pub dek: String,
    pub body: RenderedBody,
    /// Empty means "make one from the body".
    pub excerpt: String,
    pub status: ArticleStatus,
    pub published_at: Option<Timestamp>,
    pub time_zone: String,
    pub author_ids: Vec<i64>,
    pub term_ids: Vec<i64>,
    pub featured_media_id: Option<i64>,
    pub featured_alt: String,
    pub featured_credit: String,
    pub reuse_policy: Option<ReusePolicy>,
    /// Empty for our own work; oldest first otherwise.
    pub origins: Vec<NewOrigin>,
    /// Its language as a BCP 47 tag ("sr", "pt-BR"); empty: the site's.
    #[serde(default)]
    pub language: String,
    /// The article this one translates (the original of every translation of it).
    #[serde(default)]
    pub translation_of: Option<i64>,
}

/// Whether `tag` has the form of a BCP 47 language tag as pages and feeds use them: a primary
/// language of two or three letters, then subtags of two to eight letters or digits ("sr",
/// "sr-Latn", "pt-BR", "zh-Hant-TW").
pub fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let primary = parts.next().unwrap_or_default();
    (2..=3).contains(&primary.len())
        && primary.chars().all(|c| c.is_ascii_lowercase())
        && parts.all(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

impl NewArticle {
    /// Replaces, in every text of the article, the characters no published document may carry
    /// ([`crate::text`]).
    ///
    /// This is the domain's rule, and the store applies it in the one function every save of an
    /// article passes through (the editor and the API through the `articles` use case, but
    /// also partners' feeds, WordPress and Ghost imports, restored revisions, the demo and
    /// scheduled publication, which do not pass through that use case). A rule kept in one edge
    /// or one use case is forgotten by the others; one control character that gets through
    /// makes every feed that carries the article unreadable.
    pub fn make_publishable(&mut self) {
        use crate::text::make_publishable as clean;
        for text in [
            &mut self.title,
            &mut self.dek,
            &mut self.body.source,
            &mut self.body.html,
            &mut self.excerpt,
            &mut self.featured_alt,
            &mut self.featured_credit,
        ] {
            clean(text);
        }
        for origin in &mut self.origins {
            clean(&mut origin.byline);
        }
    }

    /// The excerpt to store: the newsroom's own, or the body's first words.
    pub fn excerpt_or_generated(&self) -> String {
        if self.excerpt.trim().is_empty() {
            crate::body::article_excerpt(&self.body.html, crate::body::EXCERPT_WORDS)
        } else {
            self.excerpt.trim().to_owned()
        }
    }
}

/// One save of an article: who, when, and which fields changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revision {
    pub revision: i64,
    pub user_id: Option<i64>,
    pub saved_at: Timestamp,
    /// Names of the fields of [`NewArticle`] that differ from the revision before.
    pub changed: Vec<String>,
}

/// A position in a newest-first list, for keyset pagination: "the articles published before
/// this one". Written in URLs as `<unix seconds>-<id>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub published_at: Timestamp,
    pub id: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{found:?} is not a page position; expected <seconds>-<id>, as in the site's own links")]
pub struct BadCursor {
    pub found: String,
}

impl FromStr for Cursor {
    type Err = BadCursor;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadCursor { found: s.chars().take(64).collect() };
        let (secs, id) = s.split_once('-').ok_or_else(bad)?;
        let secs: i64 = secs.parse().map_err(|_| bad())?;
        let id: i64 = id.parse().map_err(|_| bad())?;
        let published_at = Timestamp::from_second(secs).map_err(|_| bad())?;
        Ok(Cursor { published_at, id })
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.published_at.as_second(), self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Origin, Outlet, body::render_body};

    fn author(name: &str) -> Author {
        Author {
            id: 1,
            slug: Slug::from_title(name).unwrap(),
            name: name.into(),
            bio: String::new(),
            links: vec![],
            avatar_media_id: None,
            outlet_id: None,
        }
    }

    fn article(provenance: Provenance) -> Article {
        let at: Timestamp = "2025-12-31T23:30:00Z".parse().unwrap();
        Article {
            id: 7,
            slug: Slug::parse("a-story").unwrap(),
            title: "A story".into(),
            dek: String::new(),
            body: render_body(BodyFormat::Markdown, "Text").unwrap(),
            excerpt: "Text".into(),
            status: ArticleStatus::Published,
            created_at: at,
            updated_at: at,
            published_at: Some(at),
            time_zone: "Europe/Belgrade".into(),
            authors: vec![author("Drago Bosnic"), author("Ana Petrović")],
            terms: vec![],
            featured: None,
            reuse_policy: None,
            provenance,
            revision: 1,
            first_slug: None,
            corrections: vec![],
            withdrawal: None,
            withheld_images: vec![],
            language: String::new(),
            translation_of: None,
            translations: vec![],
            revised_at: None,
            word_count: None,
        }
    }

    #[test]
    fn own_article_is_canonical_here_and_ours_to_copyright() {
        let site = Site { copyright_holder: "The Meridian".into(), ..Site::default() };
        let a = article(Provenance::Own);
        assert_eq!(a.canonical_url(&site), "http://127.0.0.1:8080/article/a-story");
        // 23:30 UTC on 31 December is already New Year in Belgrade.
        assert_eq!(a.copyright_line(&site), "Copyright © Drago Bosnic, Ana Petrović, The Meridian, 2026");
        assert_eq!(a.effective_policy(&site), site.default_policy);
    }

    #[test]
    fn republished_article_points_to_its_original() {
        let site = Site::default();
        let outlet = Outlet {
            id: 3,
            slug: Slug::parse("infobrics").unwrap(),
            name: "InfoBrics".into(),
            homepage: None,
        };
        let a = article(Provenance::Republished {
            chain: vec![Origin {
                outlet,
                url: "https://infobrics.example/post/1".parse().unwrap(),
                published_at: Some("2024-05-01T08:00:00Z".parse().unwrap()),
                byline: "Drago Bosnic".into(),
                feed: None,
            }],
        });
        assert_eq!(a.canonical_url(&site), "https://infobrics.example/post/1");
        assert_eq!(a.copyright_line(&site), "Copyright © Drago Bosnic, Ana Petrović, InfoBrics, 2024");
    }

    #[test]
    fn an_article_s_words_are_those_counted_at_its_save_or_counted_now() {
        let mut a = article(Provenance::Own);
        assert_eq!(a.words(), 1, "\"Text\", counted from the text");
        a.word_count = Some(7);
        assert_eq!(a.words(), 7, "as counted when it was saved");
    }

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let c = Cursor { published_at: Timestamp::from_second(1_700_000_000).unwrap(), id: 42 };
        assert_eq!(c.to_string().parse::<Cursor>().unwrap(), c);
        for bad in ["", "x", "1-", "-1", "1-x", "99999999999999999999-1", "1.5-2"] {
            assert!(bad.parse::<Cursor>().is_err(), "{bad:?}");
        }
    }
}
