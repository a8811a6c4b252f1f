//! Republications: another site showing one of our articles, as counted by the tracking image
//! in the republish snippet. Known by the republishing host only; never by reader.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Republication {
    pub article_id: i64,
    /// "news.example.org": lower case, without port or "www." left as the site sends it.
    pub host: String,
    pub first_seen: Timestamp,
    pub last_seen: Timestamp,
    pub total_views: i64,
    /// (UTC day "2026-11-29", views that day), oldest first.
    pub days: Vec<(String, i64)>,
    /// The copies on that host whose address we know (registered on the republish page, or
    /// verified Webmentions), with what their last check found.
    #[serde(default)]
    pub copies: Vec<CopyState>,
}

/// A known copy and what its last check found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CopyState {
    pub url: String,
    /// '' until checked; then `compliant`, `gone`, `text-changed`, `attribution-missing`,
    /// `canonical-missing`, `tracking-removed`, or `unchecked` (with why in `detail`).
    pub verdict: String,
    pub detail: String,
}

/// What a verified Webmention turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MentionKind {
    /// The source carries the article itself (our tracking image or a canonical link to us).
    Republication,
    /// The source links to the article.
    Mention,
}

impl MentionKind {
    pub fn key(self) -> &'static str {
        match self {
            MentionKind::Republication => "republication",
            MentionKind::Mention => "mention",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MentionStatus {
    Pending,
    Verified,
    Rejected,
}

/// A Webmention: `source` says that it links to `target`, one of our articles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Webmention {
    pub id: i64,
    pub article_id: i64,
    pub source: String,
    pub target: String,
    pub status: MentionStatus,
    pub kind: Option<MentionKind>,
    /// Why it was rejected.
    pub error: String,
    pub received_at: Timestamp,
    pub checked_at: Option<Timestamp>,
}

/// The longest host name DNS allows.
pub const MAX_HOST_LEN: usize = 253;
/// The longest label (the part between dots) DNS allows.
pub const MAX_LABEL_LEN: usize = 63;
/// Where views are counted once an article has had [`MAX_HOSTS_PER_DAY`] sites in one day.
/// Not a host name (it has no dot), so no site can be counted under it by name.
pub const OTHER_HOSTS: &str = "other";
/// Distinct republishing sites counted by name for one article on one day; views from any
/// further site that day count under [`OTHER_HOSTS`], so that made-up sites cannot grow the
/// records without end.
pub const MAX_HOSTS_PER_DAY: usize = 100;

/// A republishing site as the tracking image counts it: a DNS host name, lower case, ASCII
/// (an international name in its `xn--` form), at most [`MAX_HOST_LEN`] characters in labels
/// of at most [`MAX_LABEL_LEN`] letters, digits and inner hyphens, with at least one dot, no
/// port, and no IP address. One final dot is dropped. `None` for anything else, which is
/// then not counted.
pub fn site_host(s: &str) -> Option<String> {
    let host = s.strip_suffix('.').unwrap_or(s);
    if host.is_empty() || host.len() > MAX_HOST_LEN || !host.contains('.') {
        return None;
    }
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= MAX_LABEL_LEN
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    if !host.split('.').all(label_ok) {
        return None;
    }
    // The last label of a name is never all digits: "10.0.0.1" is an address, not a site.
    if host.rsplit('.').next()?.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(host.to_ascii_lowercase())
}

/// The host of a republishing page, from a Referer or a republisher's `site`: a URL or a bare
/// host name, whose host must pass [`site_host`]. `None` when it names no such host.
pub fn republishing_host(s: &str) -> Option<String> {
    let s = s.trim();
    if s.is_empty() || s.len() > 2048 {
        return None;
    }
    let parsed = url::Url::parse(s).or_else(|_| url::Url::parse(&format!("https://{s}"))).ok()?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return None;
    }
    match parsed.host()? {
        url::Host::Domain(d) => site_host(d),
        url::Host::Ipv4(_) | url::Host::Ipv6(_) => None,
    }
}

/// The host of a Webmention's source, as the republication records name it: lower case,
/// without port. Unlike [`republishing_host`] an address is kept, because the source was
/// fetched and seen to carry the article.
pub fn mention_host(source: &url::Url) -> Option<String> {
    let host = source.host_str()?.trim_end_matches('.').to_ascii_lowercase();
    (!host.is_empty()).then_some(host)
}

/// Views of one article on one republishing site on one UTC day, as counted in memory and
/// added to the records in one go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewTally {
    pub article_id: i64,
    pub host: String,
    /// "2026-11-29", UTC.
    pub day: String,
    pub views: i64,
    pub first_seen: Timestamp,
    pub last_seen: Timestamp,
}

/// The UTC day a view counts for.
pub fn view_day(at: Timestamp) -> String {
    at.strftime("%Y-%m-%d").to_string()
}

/// A position in the list of republications, newest first by first sighting: the last row
/// of a page (`<seconds>-<article id>-<host>`), for the next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepublicationCursor {
    pub first_seen: Timestamp,
    pub article_id: i64,
    pub host: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{found:?} is not a position in the republications; expected <seconds>-<article>-<host>, as in the list's own next link"
)]
pub struct BadRepublicationCursor {
    pub found: String,
}

impl std::str::FromStr for RepublicationCursor {
    type Err = BadRepublicationCursor;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadRepublicationCursor { found: s.chars().take(64).collect() };
        let mut parts = s.splitn(3, '-');
        let secs: i64 = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
        let article_id: i64 = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
        let host = parts.next().filter(|h| !h.is_empty() && h.len() <= 2048).ok_or_else(bad)?;
        let first_seen = Timestamp::from_second(secs).map_err(|_| bad())?;
        Ok(RepublicationCursor { first_seen, article_id, host: host.to_owned() })
    }
}

impl std::fmt::Display for RepublicationCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}-{}", self.first_seen.as_second(), self.article_id, self.host)
    }
}

impl Republication {
    /// Where the page after one ending with this republication starts.
    pub fn cursor(&self) -> RepublicationCursor {
        RepublicationCursor {
            first_seen: self.first_seen,
            article_id: self.article_id,
            host: self.host.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_come_from_urls_or_bare_names() {
        assert_eq!(
            republishing_host("https://News.Example.org/2026/a?x=1").as_deref(),
            Some("news.example.org")
        );
        assert_eq!(republishing_host("news.example.org").as_deref(), Some("news.example.org"));
        assert_eq!(republishing_host("http://blog.example:8080/p").as_deref(), Some("blog.example"));
        assert_eq!(republishing_host(""), None);
        assert_eq!(republishing_host("javascript:alert(1)"), None);
        assert_eq!(republishing_host("not a host"), None);
        assert_eq!(republishing_host("intranet"), None);
        assert_eq!(republishing_host("http://10.0.0.1/p"), None, "no addresses");
        assert_eq!(republishing_host("http://[::1]/p"), None);
        assert_eq!(republishing_host("https://bücher.example/"), Some("xn--bcher-kva.example".into()));
    }

    #[test]
    fn counted_sites_are_dns_names() {
        assert_eq!(site_host("news.example.org").as_deref(), Some("news.example.org"));
        assert_eq!(site_host("News.Example.ORG.").as_deref(), Some("news.example.org"));
        assert_eq!(site_host("xn--bcher-kva.example").as_deref(), Some("xn--bcher-kva.example"));
        let longest = format!("{}.{}.{}.{}", "a".repeat(63), "b".repeat(63), "c".repeat(63), "d".repeat(61));
        assert_eq!(longest.len(), MAX_HOST_LEN);
        assert!(site_host(&longest).is_some());
        for bad in [
            "",
            "localhost",
            "news.example.org:8080",
            "https://news.example.org",
            "10.0.0.1",
            "[::1]",
            "::1",
            "bücher.example",
            "-news.example",
            "news-.example",
            "news..example",
            ".example",
            "news example.org",
            "news.example.org/path",
            "news.example.org?x",
            OTHER_HOSTS,
            &format!("{}.example", "a".repeat(64)),
            &format!("{longest}x"),
        ] {
            assert_eq!(site_host(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn cursors_read_back_what_they_write() {
        let c = RepublicationCursor {
            first_seen: Timestamp::from_second(1_800_000_000).unwrap(),
            article_id: 42,
            host: "my-news.example".into(),
        };
        assert_eq!(c.to_string().parse::<RepublicationCursor>(), Ok(c));
        for bad in ["", "1-2", "x-2-a.example", "1-y-a.example", "1-2-"] {
            assert!(bad.parse::<RepublicationCursor>().is_err(), "{bad:?}");
        }
    }
}
