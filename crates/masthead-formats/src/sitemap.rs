//! Sitemaps (<https://www.sitemaps.org/protocol.html>), the Google News sitemap and
//! `robots.txt`. A sitemap holds at most 50,000 addresses; the site publishes a sitemap index
//! pointing at sitemaps of a bounded size.

use jiff::Timestamp;
use masthead_core::Site;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

/// The most addresses one sitemap may list.
pub const SITEMAP_LIMIT: usize = 50_000;
/// A news sitemap lists at most this many articles, of the last two days.
pub const NEWS_LIMIT: usize = 1_000;

/// One address in a sitemap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// A path on the site: "/article/x".
    pub path: String,
    pub last_modified: Option<Timestamp>,
}

/// One article in a news sitemap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewsEntry {
    pub path: String,
    pub title: String,
    pub published_at: Timestamp,
}

type W = Writer<Vec<u8>>;

fn element(w: &mut W, name: &str, text: &str) {
    let _ = w.write_event(Event::Start(BytesStart::new(name)));
    let _ = w.write_event(Event::Text(BytesText::new(text)));
    let _ = w.write_event(Event::End(BytesEnd::new(name)));
}

fn document(root: BytesStart<'_>, body: impl FnOnce(&mut W)) -> String {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 1);
    let _ = w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
    let name = String::from_utf8_lossy(root.name().as_ref()).into_owned();
    let _ = w.write_event(Event::Start(root));
    body(&mut w);
    let _ = w.write_event(Event::End(BytesEnd::new(name)));
    crate::xml_document(String::from_utf8(w.into_inner()).expect("the writer writes UTF-8"))
}

fn date(at: Timestamp) -> String {
    crate::rfc3339(at)
}

/// A sitemap of `entries` (at most [`SITEMAP_LIMIT`]; the caller splits).
pub fn urlset(site: &Site, entries: &[Entry]) -> String {
    let mut root = BytesStart::new("urlset");
    root.push_attribute(("xmlns", "http://www.sitemaps.org/schemas/sitemap/0.9"));
    document(root, |w| {
        for e in entries.iter().take(SITEMAP_LIMIT) {
            let _ = w.write_event(Event::Start(BytesStart::new("url")));
            element(w, "loc", &site.url(&e.path));
            if let Some(at) = e.last_modified {
                element(w, "lastmod", &date(at));
            }
            let _ = w.write_event(Event::End(BytesEnd::new("url")));
        }
    })
}

/// A sitemap index naming the sitemaps at `paths`.
pub fn index(site: &Site, paths: &[String]) -> String {
    let mut root = BytesStart::new("sitemapindex");
    root.push_attribute(("xmlns", "http://www.sitemaps.org/schemas/sitemap/0.9"));
    document(root, |w| {
        for path in paths {
            let _ = w.write_event(Event::Start(BytesStart::new("sitemap")));
            element(w, "loc", &site.url(path));
            let _ = w.write_event(Event::End(BytesEnd::new("sitemap")));
        }
    })
}

/// A Google News sitemap: articles of the last two days before `now`, newest first, at most
/// [`NEWS_LIMIT`].
pub fn news(site: &Site, entries: &[NewsEntry], now: Timestamp) -> String {
    let since = now - jiff::SignedDuration::from_hours(48);
    let mut root = BytesStart::new("urlset");
    root.push_attribute(("xmlns", "http://www.sitemaps.org/schemas/sitemap/0.9"));
    root.push_attribute(("xmlns:news", "http://www.google.com/schemas/sitemap-news/0.9"));
    let language = site.language.split('-').next().unwrap_or("en").to_owned();
    document(root, |w| {
        for e in entries.iter().filter(|e| e.published_at >= since && e.published_at <= now).take(NEWS_LIMIT)
        {
            let _ = w.write_event(Event::Start(BytesStart::new("url")));
            element(w, "loc", &site.url(&e.path));
            let _ = w.write_event(Event::Start(BytesStart::new("news:news")));
            let _ = w.write_event(Event::Start(BytesStart::new("news:publication")));
            element(w, "news:name", &site.title);
            element(w, "news:language", &language);
            let _ = w.write_event(Event::End(BytesEnd::new("news:publication")));
            element(w, "news:publication_date", &date(e.published_at));
            element(w, "news:title", &e.title);
            let _ = w.write_event(Event::End(BytesEnd::new("news:news")));
            let _ = w.write_event(Event::End(BytesEnd::new("url")));
        }
    })
}

/// `robots.txt`: everything but the newsroom's admin, the Admin API and the tracking images of
/// republished copies (`/r/`), which crawlers would only count as views.
pub fn robots_txt(site: &Site) -> String {
    format!(
        "User-agent: *\nDisallow: /admin/\nDisallow: /api/\nDisallow: /r/\nAllow: /\n\nSitemap: {}\nSitemap: {}\n",
        site.url("/sitemap.xml"),
        site.url("/news-sitemap.xml")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> Site {
        Site {
            base_url: "https://meridian.example/".parse().unwrap(),
            title: "The Meridian".into(),
            ..Site::default()
        }
    }

    #[test]
    fn a_sitemap_holds_fifty_thousand_addresses_and_an_index_names_sitemaps() {
        let entries: Vec<Entry> =
            (0..50_010).map(|i| Entry { path: format!("/article/a{i}"), last_modified: None }).collect();
        let xml = urlset(&site(), &entries);
        assert_eq!(xml.matches("<loc>").count(), SITEMAP_LIMIT);
        let paths: Vec<String> = ["/sitemap/pages.xml", "/sitemap/articles-0.xml", "/sitemap/articles-3.xml"]
            .map(str::to_owned)
            .to_vec();
        let idx = index(&site(), &paths);
        assert!(idx.contains("<loc>https://meridian.example/sitemap/articles-3.xml</loc>"), "{idx}");
        assert_eq!(idx.matches("<sitemap>").count(), 3);
    }

    #[test]
    fn news_sitemap_keeps_two_days_and_at_most_a_thousand() {
        let now: Timestamp = "2026-11-29T12:00:00Z".parse().unwrap();
        let mut entries: Vec<NewsEntry> = (0..1_200)
            .map(|i| NewsEntry {
                path: format!("/article/n{i}"),
                title: format!("T & {i}"),
                published_at: now - jiff::SignedDuration::from_secs(60 * i),
            })
            .collect();
        entries.push(NewsEntry {
            path: "/article/old".into(),
            title: "Old".into(),
            published_at: now - jiff::SignedDuration::from_hours(49),
        });
        let xml = news(&site(), &entries, now);
        assert_eq!(xml.matches("<news:news>").count(), NEWS_LIMIT);
        assert!(!xml.contains("/article/old"));
        assert!(xml.contains("<news:title>T &amp; 0</news:title>"), "titles are escaped");
        assert!(xml.contains("<news:name>The Meridian</news:name>"));
    }

    #[test]
    fn control_characters_never_reach_a_sitemap() {
        let now: Timestamp = "2026-11-29T12:00:00Z".parse().unwrap();
        let entry = NewsEntry {
            path: "/article/a".into(),
            title: "Vertical\u{0B}tab\u{0}\u{1} and \u{FFFE}".into(),
            published_at: now,
        };
        let xml = news(&site(), &[entry], now);
        assert!(xml.contains("<news:title>Verticaltab and </news:title>"), "{xml}");
        let mut reader = quick_xml::Reader::from_str(&xml);
        while !matches!(reader.read_event().expect("the sitemap is XML"), Event::Eof) {}
    }

    #[test]
    fn robots_names_both_sitemaps() {
        let txt = robots_txt(&site());
        assert!(txt.contains("Sitemap: https://meridian.example/sitemap.xml"));
        assert!(txt.contains("Sitemap: https://meridian.example/news-sitemap.xml"));
    }
}
