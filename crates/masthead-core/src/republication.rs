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

/// The host of a republishing page, from a Referer or a `site` parameter: a bare host name
/// ("news.example.org") or a URL. `None` when it names no host.
pub fn republishing_host(s: &str) -> Option<String> {
    let s = s.trim();
    if s.is_empty() || s.len() > 2048 {
        return None;
    }
    let parsed = url::Url::parse(s).or_else(|_| url::Url::parse(&format!("https://{s}"))).ok()?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return None;
    }
    let host = parsed.host_str()?.trim_end_matches('.').to_ascii_lowercase();
    (!host.is_empty() && host.contains('.') || host == "localhost").then_some(host)
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
    }
}
