//! What Masthead hands to machines: feeds (RSS 2.0, Atom, JSON Feed 1.1), IPTC ninjs 2.2,
//! schema.org `NewsArticle` JSON-LD, sitemaps and `robots.txt`; and what it reads from partners'
//! feeds ([`ingest`]); and the signatures on requests to and from other servers
//! ([`http_signatures`]).
//!
//! Pure functions from domain types to documents. No IO, no HTTP: the web crate serves what
//! this crate writes, and a static export can write the same bytes to files. XML goes through
//! the `rss`, `atom_syndication` and `quick-xml` writers, JSON through serde types that follow
//! each format's specification.

pub mod activitypub;
pub mod copies;
pub mod email;
pub mod feeds;
pub mod http_signatures;
pub mod ingest;
pub mod json_text;
pub mod jsonld;
pub mod ninjs;
pub mod sitemap;
pub mod standing;

use jiff::Timestamp;
use masthead_core::{Article, Site};

/// A link to the article's own page on this site.
pub(crate) fn article_url(site: &Site, article: &Article) -> String {
    site.url(&article.path())
}

/// The site's base URL as a `Url`, for making relative addresses absolute.
pub(crate) fn base(site: &Site) -> url::Url {
    site.base_url.clone()
}

/// RFC 3339 in UTC with seconds: what every format here accepts.
pub(crate) fn rfc3339(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

pub(crate) use masthead_core::time::rfc3339_in;

/// The instant a feed or listing last changed: the newest of its articles' updates.
pub fn last_modified(articles: &[Article]) -> Option<Timestamp> {
    articles.iter().map(|a| a.updated_at.max(a.published_at.unwrap_or(a.updated_at))).max()
}

/// Whether any byte of `bytes` is one that `wanted` looks for, checked a block at a time
/// without stopping at each byte (a feed or a body is many kilobytes, and almost never has
/// one: stopping at each byte cost a tenth of writing a feed).
pub(crate) fn any_byte(bytes: &[u8], wanted: impl Fn(u8) -> bool) -> bool {
    bytes.chunks(64).any(|block| block.iter().fold(false, |any, &b| any | wanted(b)))
}

/// `document` without the characters XML 1.0 forbids (its `Char` production: most C0 control
/// characters, U+FFFE, U+FFFF), which no XML writer escapes and no character reference may
/// stand for. Every XML document written here goes through this. Articles are cleaned when
/// they are saved (`NewArticle::make_publishable`), but not rows saved before that, nor names
/// and settings; one such character would leave the whole document unreadable for every
/// subscriber. Markup is ASCII, so taking them out never changes the document's structure.
pub(crate) fn xml_document(document: String) -> String {
    fn is_xml_char(c: char) -> bool {
        matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
    }
    // Almost every document has none: a byte scan finds that out, and only a control byte or
    // the lead byte of U+F000–U+FFFF (where U+FFFE and U+FFFF are) calls for a look at each
    // character.
    let suspect = |b: u8| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0xEF;
    if !any_byte(document.as_bytes(), suspect) || document.chars().all(is_xml_char) {
        document
    } else {
        document.chars().filter(|c| is_xml_char(*c)).collect()
    }
}

/// The article's body for copies that leave the site, with absolute links, and its
/// corrections after it as the page prints them ([`corrections_html`]).
pub fn portable_body(site: &Site, article: &Article) -> String {
    let url = article_url(site, article);
    let base = url::Url::parse(&url).unwrap_or_else(|_| base(site));
    let withheld: Vec<(String, String)> = article
        .withheld_images
        .iter()
        .map(|w| (w.path.clone(), site.url(&withheld_image_path(w.media_id))))
        .collect();
    let mut body = masthead_core::body::absolutize_for_copies(&article.body.html, &base, &withheld);
    // The featured image and those in the text alike: a copy names them and links to them.
    let in_text: Vec<&str> = article.withheld_images.iter().map(|w| w.credit.as_str()).collect();
    if !in_text.is_empty() {
        let credits: Vec<String> = in_text
            .iter()
            .filter(|c| !c.is_empty())
            .map(|c| quick_xml::escape::escape(*c).into_owned())
            .collect();
        let credits = if credits.is_empty() { String::new() } else { format!(" ({})", credits.join("; ")) };
        let url = quick_xml::escape::escape(url.as_str());
        body.push_str(&format!(
            "\n<p class=\"withheld-images\">Some images of this article{credits} may not be republished; \
             see them in the original: <a href=\"{url}\">{url}</a></p>"
        ));
    }
    body.push_str(&corrections_html(article));
    body
}

/// The placeholder that copies show for an image that may not travel with them.
pub fn withheld_image_path(media_id: i64) -> String {
    format!("/r/image/{media_id}.svg")
}

/// "Correction, 2 December 2026: …", a paragraph for each of the article's corrections, oldest
/// first, for every copy that carries the body (feeds, ninjs, the republish snippet,
/// newsletters); empty when there is none.
pub fn corrections_html(article: &Article) -> String {
    article
        .corrections
        .iter()
        .map(|c| {
            let day = masthead_core::time::in_zone(c.made_at, &article.time_zone).strftime("%-d %B %Y");
            format!(
                "\n<p class=\"correction\"><strong>Correction, {day}:</strong> {}</p>",
                quick_xml::escape::escape(c.text.as_str())
            )
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::xml_document;

    /// A published article of the site's own, with a one-paragraph body, for the formats' tests.
    pub(crate) fn article() -> masthead_core::Article {
        serde_json::from_value(serde_json::json!({
            "id": 7, "slug": "port-volumes", "title": "Port volumes", "dek": "",
            "body": { "format": "html", "source": "<p>x</p>", "html": "<p>x</p>" },
            "excerpt": "", "status": "published",
            "created_at": "2026-11-01T08:00:00Z", "updated_at": "2026-11-01T08:00:00Z",
            "published_at": "2026-11-01T08:00:00Z", "time_zone": "Europe/Belgrade",
            "authors": [], "terms": [], "featured": null, "reuse_policy": null,
            "provenance": { "kind": "own" }, "revision": 1, "first_slug": "port-volumes",
            "corrections": [], "withdrawal": null, "withheld_images": [], "language": "", "translations": [], "revised_at": null
        }))
        .unwrap()
    }

    #[test]
    fn an_xml_document_loses_only_the_characters_xml_forbids() {
        let fine = "<a>tab\there, line\nand return\r; ÿ é ！ \u{F000} \u{FFFD} 𝄞</a>".to_owned();
        assert_eq!(xml_document(fine.clone()), fine, "nothing forbidden, nothing changed");
        assert_eq!(xml_document("<a>bell\u{7} nul\u{0}</a>".into()), "<a>bell nul</a>");
        assert_eq!(xml_document("<a>！\u{FFFE}\u{FFFF}ｚ</a>".into()), "<a>！ｚ</a>");
        assert_eq!(xml_document("<a>\u{1F}\u{7F}</a>".into()), "<a>\u{7F}</a>");
    }
}
