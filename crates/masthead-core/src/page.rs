//! Static pages: About, Contact, Corrections, Support us. A page has its own address at the
//! top of the site (`/about`), a title and a body in the articles' stored format, and no
//! byline, terms or provenance.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::{RenderedBody, Slug};

/// A static page as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaticPage {
    pub id: i64,
    pub slug: Slug,
    pub title: String,
    pub body: RenderedBody,
    pub updated_at: Timestamp,
}

/// A static page to save.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPage {
    pub slug: Slug,
    pub title: String,
    pub body: RenderedBody,
}

/// The first parts of the site's own addresses: a page may not take them.
pub const RESERVED: &[&str] = &[
    "admin",
    "api",
    "article",
    "articles",
    "assets",
    "author",
    "account",
    "comments",
    "feed",
    "healthz",
    "language",
    "media",
    "metrics",
    "page",
    "preview",
    "r",
    "readyz",
    "region",
    "republish",
    "reuse",
    "robots",
    "search",
    "sitemap",
    "sitemaps",
    "subscribe",
    "tag",
    "theme",
    "unsubscribe",
    "webmention",
    "websub",
    "opensearch",
    "members",
    "atom",
    "json",
    "index",
    "favicon",
];

impl StaticPage {
    /// Where the page is: `/about`.
    pub fn path(&self) -> String {
        format!("/{}", self.slug)
    }
}

/// Whether a page may have the address `slug`: not one of the site's own.
pub fn is_reserved(slug: &Slug) -> bool {
    RESERVED.contains(&slug.as_str())
}
