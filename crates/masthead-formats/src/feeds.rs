//! RSS 2.0, Atom and JSON Feed 1.1 for the whole site and for each archive.
//!
//! Every item carries its authors, its regions, themes and tags, the featured image, the
//! reuse terms (`rel="license"`) and, for a republished article, where it first appeared
//! (`<source>` in RSS, `<source>` in Atom, `external_url` in JSON Feed).

use std::collections::BTreeMap;

use atom_syndication as atom;
use jiff::Timestamp;
use masthead_core::{Article, Site, Term};
use serde::{Deserialize, Serialize};

use crate::{article_url, last_modified, portable_body, rfc3339, rfc3339_in, xml_document};

/// Which articles a feed carries, and what it is called.
#[derive(Debug, Clone)]
pub struct FeedScope {
    /// "The Meridian", or "The Meridian: Balkans".
    pub title: String,
    pub description: String,
    /// The path of the matching HTML page: "/" or "/region/balkans"; the feeds' addresses
    /// are below it.
    pub page_path: String,
    /// The HTML page the feed links to, when it is not `page_path` (a language's feeds live
    /// under `/language/sr` and link to the home page).
    pub home_path: Option<String>,
    /// The feed's language, when it is not the site's.
    pub language: Option<String>,
}

impl FeedScope {
    pub fn site(site: &Site) -> FeedScope {
        FeedScope {
            title: site.title.clone(),
            description: site.tagline.clone(),
            page_path: "/".into(),
            home_path: None,
            language: None,
        }
    }

    /// The articles in one language (a BCP 47 tag).
    pub fn language(site: &Site, tag: &str) -> FeedScope {
        FeedScope {
            title: format!("{} ({tag})", site.title),
            description: site.tagline.clone(),
            page_path: format!("/language/{tag}"),
            home_path: Some("/".into()),
            language: Some(tag.to_owned()),
        }
    }

    /// The HTML page the feed links to.
    fn home(&self) -> &str {
        self.home_path.as_deref().unwrap_or(&self.page_path)
    }

    fn language_in<'a>(&'a self, site: &'a Site) -> &'a str {
        self.language.as_deref().unwrap_or(&site.language)
    }

    /// An author's archive.
    pub fn author(site: &Site, author: &masthead_core::Author) -> FeedScope {
        FeedScope {
            title: format!("{}: {}", site.title, author.name),
            description: author.bio.clone(),
            page_path: author.path(),
            home_path: None,
            language: None,
        }
    }

    /// A region's, theme's or tag's archive.
    pub fn term(site: &Site, term: &Term) -> FeedScope {
        FeedScope {
            title: format!("{}: {}", site.title, term.name),
            description: if term.description.is_empty() {
                format!("{} {} from {}", term.kind.label(), term.name, site.title)
            } else {
                term.description.clone()
            },
            page_path: term.path(),
            home_path: None,
            language: None,
        }
    }

    fn base(&self) -> &str {
        self.page_path.trim_end_matches('/')
    }

    pub fn rss_path(&self) -> String {
        format!("{}/feed.xml", self.base())
    }

    pub fn atom_path(&self) -> String {
        format!("{}/atom.xml", self.base())
    }

    pub fn json_path(&self) -> String {
        format!("{}/feed.json", self.base())
    }
}

/// How many articles a feed carries.
pub const FEED_LENGTH: u32 = 20;

/// Where the article's reuse terms are written: the public licence, or the site's page of
/// the terms.
pub fn license_url(site: &Site, article: &Article) -> String {
    let policy = article.effective_policy(site);
    match policy.license_url() {
        Some(url) => url.to_owned(),
        None => site.url(&policy.terms_path()),
    }
}

/// What an item says of itself, as plain text: the standfirst, or the excerpt without one.
fn summary(a: &Article) -> &str {
    if a.dek.is_empty() { &a.excerpt } else { &a.dek }
}

fn updated(articles: &[Article]) -> Timestamp {
    last_modified(articles).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// What each item carries of its article's text: its body for copies, as `body` gives it, when
/// the site's feeds carry the full text.
fn contents(site: &Site, articles: &[Article], body: impl Fn(&Article) -> String) -> Vec<Option<String>> {
    articles.iter().map(|a| site.feed_full_content.then(|| body(a))).collect()
}

/// The RSS, Atom and JSON feeds of `scope` at once, as [`rss`], [`atom`] and [`json_feed`]
/// write them, each article's body for copies made once for the three (the static export).
/// `body` gives an article's [`portable_body`], which the caller may have made already: an
/// article is in several feeds.
pub fn all_formats(
    site: &Site,
    scope: &FeedScope,
    articles: &[Article],
    body: impl Fn(&Article) -> String,
) -> [String; 3] {
    let contents = contents(site, articles, body);
    [
        rss_with(site, scope, articles, &contents),
        atom_with(site, scope, articles, &contents),
        json_feed_with(site, scope, articles, &contents),
    ]
}

// ---------------------------------------------------------------- RSS 2.0

pub fn rss(site: &Site, scope: &FeedScope, articles: &[Article]) -> String {
    rss_with(site, scope, articles, &contents(site, articles, |a| portable_body(site, a)))
}

fn rss_with(site: &Site, scope: &FeedScope, articles: &[Article], contents: &[Option<String>]) -> String {
    let mut self_links = vec![rss::extension::atom::Link {
        href: site.url(&scope.rss_path()),
        rel: "self".into(),
        mime_type: Some("application/rss+xml".into()),
        ..Default::default()
    }];
    if let Some(hub) = &site.websub_hub {
        self_links.push(rss::extension::atom::Link {
            href: hub.to_string(),
            rel: "hub".into(),
            ..Default::default()
        });
    }
    let items = articles.iter().zip(contents).map(|(a, c)| rss_item(site, a, c.clone())).collect::<Vec<_>>();
    let channel = rss::Channel {
        title: scope.title.clone(),
        link: site.url(scope.home()),
        description: scope.description.clone(),
        language: Some(scope.language_in(site).to_owned()),
        copyright: Some(format!("© {}", site.copyright_holder)),
        generator: Some("Masthead".into()),
        last_build_date: Some(rfc2822(updated(articles))),
        atom_ext: Some(rss::extension::atom::AtomExtension { links: self_links }),
        items,
        ..Default::default()
    };
    xml_document(channel.to_string())
}

fn rfc2822(at: Timestamp) -> String {
    at.strftime("%a, %d %b %Y %H:%M:%S +0000").to_string()
}

fn rss_item(site: &Site, a: &Article, content: Option<String>) -> rss::Item {
    let url = article_url(site, a);
    let policy = a.effective_policy(site);
    let categories = a
        .terms
        .iter()
        .map(|t| rss::Category { name: t.name.clone(), domain: Some(site.url(&t.path())) })
        .collect();
    let enclosure = a.featured_for_copies().map(|f| rss::Enclosure {
        url: site.url(&f.media.public_path()),
        length: f.media.size_bytes.to_string(),
        mime_type: f.media.mime_type.clone(),
    });
    // `<source>` names the channel the item came from: the feed of the outlet we took it
    // from, when that is known. The original's page goes in a `via` link.
    let source = a.provenance.taken_from().and_then(|o| {
        o.feed_address().map(|feed| rss::Source { url: feed.to_string(), title: Some(o.outlet.name.clone()) })
    });
    let via = a.provenance.original().map(|o| rss::extension::atom::Link {
        href: o.url.to_string(),
        rel: "via".into(),
        title: Some(o.outlet.name.clone()),
        mime_type: Some("text/html".into()),
        ..Default::default()
    });
    let dublin_core = rss::extension::dublincore::DublinCoreExtension {
        creators: a.authors.iter().map(|p| p.name.clone()).collect(),
        rights: vec![format!("{} {}", a.copyright_line(site), policy.text())],
        ..Default::default()
    };
    rss::Item {
        title: Some(a.title.clone()),
        link: Some(url.clone()),
        // Readers show an item's description as HTML, and the `rss` crate always writes it as
        // CDATA, which keeps whatever it holds as markup. The standfirst and the excerpt are
        // plain text: escaped, a `<script>` someone typed stays the text it was.
        description: Some(quick_xml::escape::escape(summary(a)).into_owned()),
        content,
        // The first address: it still leads to the article (a 301) after a change of address,
        // and a reader that keyed the item by it does not see a new one.
        guid: Some(rss::Guid { value: a.id_url(site), permalink: true }),
        pub_date: a.published_at.map(rfc2822),
        categories,
        enclosure,
        source,
        dublin_core_ext: Some(dublin_core),
        atom_ext: Some(rss::extension::atom::AtomExtension {
            links: [
                Some(rss::extension::atom::Link {
                    href: license_url(site, a),
                    rel: "license".into(),
                    title: Some(policy.name().into()),
                    ..Default::default()
                }),
                via,
            ]
            .into_iter()
            .flatten()
            .collect(),
        }),
        ..Default::default()
    }
}

// ---------------------------------------------------------------- Atom

fn atom_time(at: Timestamp) -> atom::FixedDateTime {
    atom::FixedDateTime::parse_from_rfc3339(&rfc3339(at)).unwrap_or_default()
}

fn atom_link(href: String, rel: &str, mime_type: Option<&str>) -> atom::Link {
    atom::Link { href, rel: rel.into(), mime_type: mime_type.map(str::to_owned), ..Default::default() }
}

pub fn atom(site: &Site, scope: &FeedScope, articles: &[Article]) -> String {
    atom_with(site, scope, articles, &contents(site, articles, |a| portable_body(site, a)))
}

fn atom_with(site: &Site, scope: &FeedScope, articles: &[Article], contents: &[Option<String>]) -> String {
    let mut links = vec![
        atom_link(site.url(scope.home()), "alternate", Some("text/html")),
        atom_link(site.url(&scope.atom_path()), "self", Some("application/atom+xml")),
    ];
    if let Some(hub) = &site.websub_hub {
        links.push(atom_link(hub.to_string(), "hub", None));
    }
    let feed = atom::Feed {
        title: atom::Text::plain(scope.title.clone()),
        id: site.url(&scope.atom_path()),
        updated: atom_time(updated(articles)),
        subtitle: Some(atom::Text::plain(scope.description.clone())),
        links,
        lang: Some(scope.language_in(site).to_owned()),
        generator: Some(atom::Generator { value: "Masthead".into(), ..Default::default() }),
        rights: Some(atom::Text::plain(format!("© {}", site.copyright_holder))),
        entries: articles.iter().zip(contents).map(|(a, c)| atom_entry(site, a, c.clone())).collect(),
        ..Default::default()
    };
    xml_document(feed.to_string())
}

fn atom_entry(site: &Site, a: &Article, content: Option<String>) -> atom::Entry {
    let url = article_url(site, a);
    let policy = a.effective_policy(site);
    let mut links = vec![atom_link(url.clone(), "alternate", Some("text/html"))];
    let mut license = atom_link(license_url(site, a), "license", None);
    license.title = Some(policy.name().into());
    links.push(license);
    if let Some(f) = a.featured_for_copies() {
        let mut enclosure =
            atom_link(site.url(&f.media.public_path()), "enclosure", Some(&f.media.mime_type));
        enclosure.length = Some(f.media.size_bytes.to_string());
        links.push(enclosure);
    }
    // The original's page, beside ours.
    if let Some(o) = a.provenance.original() {
        let mut via = atom_link(o.url.to_string(), "via", Some("text/html"));
        via.title = Some(o.outlet.name.clone());
        links.push(via);
    }
    // `<source>` is the feed the entry came from (its id is that feed's), when that is known.
    let source = a.provenance.taken_from().and_then(|o| {
        let feed = o.feed_address()?;
        Some(atom::Source {
            title: atom::Text::plain(o.outlet.name.clone()),
            id: feed.to_string(),
            updated: atom_time(o.published_at.or(a.published_at).unwrap_or(a.created_at)),
            links: [
                Some(atom_link(feed.to_string(), "self", None)),
                o.outlet.homepage.as_ref().map(|h| atom_link(h.to_string(), "alternate", Some("text/html"))),
            ]
            .into_iter()
            .flatten()
            .collect(),
            ..Default::default()
        })
    });
    atom::Entry {
        title: atom::Text::plain(a.title.clone()),
        id: a.id_url(site),
        updated: atom_time(a.updated_at),
        published: a.published_at.map(atom_time),
        authors: a
            .authors
            .iter()
            .map(|p| atom::Person {
                name: p.name.clone(),
                uri: Some(site.url(&p.path())),
                ..Default::default()
            })
            .collect(),
        categories: a
            .terms
            .iter()
            .map(|t| atom::Category {
                term: t.slug.to_string(),
                scheme: Some(site.url(&format!("/{}/", t.kind.key()))),
                label: Some(t.name.clone()),
            })
            .collect(),
        links,
        rights: Some(atom::Text::plain(a.copyright_line(site))),
        summary: Some(atom::Text::plain(summary(a))),
        content: content.map(|value| atom::Content {
            value: Some(value),
            content_type: Some("html".into()),
            ..Default::default()
        }),
        source,
        ..Default::default()
    }
}

// ---------------------------------------------------------------- JSON Feed 1.1

/// A JSON Feed 1.1 document (<https://www.jsonfeed.org/version/1.1/>).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JsonFeed {
    pub version: String,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub home_page_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feed_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hubs: Vec<JsonFeedHub>,
    pub items: Vec<JsonFeedItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JsonFeedHub {
    #[serde(rename = "type")]
    pub kind: String,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JsonFeedAuthor {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JsonFeedAttachment {
    pub url: String,
    pub mime_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size_in_bytes: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JsonFeedItem {
    pub id: String,
    pub url: String,
    /// For a republished article: where it first appeared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_url: Option<String>,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_html: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_published: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_modified: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<JsonFeedAuthor>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<JsonFeedAttachment>,
    /// Masthead's extension (JSON Feed extensions begin with "_"): the reuse terms.
    #[serde(rename = "_rights", skip_serializing_if = "Option::is_none")]
    pub rights: Option<JsonFeedRights>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JsonFeedRights {
    pub license: String,
    pub policy: String,
    pub terms: String,
    pub copyright: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub original: BTreeMap<String, String>,
}

pub fn json_feed(site: &Site, scope: &FeedScope, articles: &[Article]) -> String {
    json_feed_with(site, scope, articles, &contents(site, articles, |a| portable_body(site, a)))
}

fn json_feed_with(
    site: &Site,
    scope: &FeedScope,
    articles: &[Article],
    contents: &[Option<String>],
) -> String {
    let feed = JsonFeed {
        version: "https://jsonfeed.org/version/1.1".into(),
        title: scope.title.clone(),
        home_page_url: Some(site.url(scope.home())),
        feed_url: Some(site.url(&scope.json_path())),
        description: Some(scope.description.clone()),
        language: Some(scope.language_in(site).to_owned()),
        hubs: site
            .websub_hub
            .iter()
            .map(|h| JsonFeedHub { kind: "WebSub".into(), url: h.to_string() })
            .collect(),
        items: articles.iter().zip(contents).map(|(a, c)| json_item(site, a, c.clone())).collect(),
    };
    serde_json::to_string_pretty(&feed).expect("a JSON Feed always serialises")
}

fn json_item(site: &Site, a: &Article, content_html: Option<String>) -> JsonFeedItem {
    let url = article_url(site, a);
    let policy = a.effective_policy(site);
    let image = a.featured_for_copies().map(|f| site.url(&f.media.public_path()));
    let mut original = BTreeMap::new();
    if let Some(o) = a.provenance.original() {
        original.insert("outlet".to_owned(), o.outlet.name.clone());
        original.insert("url".to_owned(), o.url.to_string());
        if let Some(at) = o.published_at {
            original.insert("date_published".to_owned(), rfc3339_in(at, &a.time_zone));
        }
    }
    JsonFeedItem {
        id: a.id_url(site),
        external_url: a.provenance.original().map(|o| o.url.to_string()),
        title: a.title.clone(),
        content_html,
        content_text: (!site.feed_full_content).then(|| a.excerpt.clone()),
        summary: Some(summary(a).to_owned()),
        image: image.clone(),
        date_published: a.published_at.map(|t| rfc3339_in(t, &a.time_zone)),
        date_modified: Some(rfc3339_in(a.updated_at, &a.time_zone)),
        authors: a
            .authors
            .iter()
            .map(|p| JsonFeedAuthor { name: p.name.clone(), url: Some(site.url(&p.path())) })
            .collect(),
        tags: a.terms.iter().map(|t| t.name.clone()).collect(),
        attachments: a
            .featured_for_copies()
            .into_iter()
            .map(|f| JsonFeedAttachment {
                url: site.url(&f.media.public_path()),
                mime_type: f.media.mime_type.clone(),
                size_in_bytes: Some(f.media.size_bytes),
            })
            .collect(),
        rights: Some(JsonFeedRights {
            license: license_url(site, a),
            policy: policy.key().into(),
            terms: policy.text().into(),
            copyright: a.copyright_line(site),
            original,
        }),
        url,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_never_reach_a_feed() {
        let site = Site { title: "The\u{0B}Meridian\u{1}".into(), ..Site::default() };
        let mut scope = FeedScope::site(&site);
        scope.description = "Floods\u{0}\u{FFFF} today".into();
        for xml in [rss(&site, &scope, &[]), atom(&site, &scope, &[])] {
            assert!(!xml.contains(['\u{0B}', '\u{1}', '\u{0}', '\u{FFFF}']), "{xml}");
            feed_rs::parser::parse(xml.as_bytes()).expect("the feed parses");
        }
    }

    #[test]
    fn the_three_feeds_at_once_are_the_three_feeds() {
        let mut article = crate::tests::article();
        article.body.html = "<p>Ships <a href=\"/article/fleet\">fleet</a></p>".into();
        article.excerpt = "Ships".into();
        for full in [true, false] {
            let site = Site { feed_full_content: full, ..Site::default() };
            let scope = FeedScope::site(&site);
            let articles = [article.clone()];
            let [rss_feed, atom_feed, json] =
                all_formats(&site, &scope, &articles, |a| portable_body(&site, a));
            assert_eq!(rss_feed, rss(&site, &scope, &articles));
            assert_eq!(atom_feed, atom(&site, &scope, &articles));
            assert_eq!(json, json_feed(&site, &scope, &articles));
            // The full text, with its links made absolute, only when the site gives it.
            assert_eq!(json.contains("/article/fleet"), full, "{json}");
        }
    }
}
