//! Site settings: who we are, and every sentence the article page prints that is the same on
//! every article (note to readers, membership call, disclaimer, fair use, media contact).

use serde::{Deserialize, Serialize};
use url::Url;

use crate::ReusePolicy;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Site {
    pub title: String,
    pub tagline: String,
    /// The public address of the site, used for canonical links, feeds and share links.
    pub base_url: Url,
    /// BCP 47 language tag of the site's content: "en", "fr-CA".
    pub language: String,
    /// IANA time zone the newsroom works in: "Europe/Belgrade".
    pub time_zone: String,
    /// The outlet's name in copyright lines: "Copyright © Author, <holder>, 2026".
    pub copyright_holder: String,
    /// The outlet's logo: an address on this site ("/media/…") or an absolute http(s) one;
    /// empty for none. Shown in the header, and named as the publisher's logo to machines.
    pub logo: String,
    /// The "note to readers" block under each article, above the share links.
    pub note_to_readers: String,
    pub membership_call: String,
    pub disclaimer: String,
    pub fair_use_notice: String,
    /// The reuse policy of articles that do not set their own.
    pub default_policy: ReusePolicy,
    /// Where press and permission requests go.
    pub media_contact: String,
    /// Feeds carry whole articles (true) or excerpts with a link (false).
    pub feed_full_content: bool,
    /// A WebSub hub that feeds name (`rel="hub"`) and that is told when articles change, so that
    /// subscribers can follow them in real time.
    pub websub_hub: Option<Url>,
    /// Republished copies under these policies get `noindex`, so that search engines send
    /// readers to the original (what they advise syndication partners to do).
    pub noindex_republished: Vec<ReusePolicy>,
    /// The site is run commercially (advertising, paywall, a company's site): partners' articles
    /// under non-commercial terms cannot be published here.
    pub commercial: bool,
    /// Newsletters count opens and clicks, per send as a whole (a first-party image and
    /// redirect; nothing is kept per reader). Off unless the outlet turns it on.
    pub newsletter_counts: bool,
    /// Members may comment on articles (imported comments are shown either way).
    pub comments: bool,
    /// Comments close by themselves this many days after an article is published (0: never).
    pub comments_close_after_days: u32,
    /// Words and phrases that hold a comment for the newsroom to read first.
    pub comments_held_words: Vec<String>,
    /// The article's authors are e-mailed each comment shown on it (if their byline is a
    /// colleague's with an address).
    pub comments_notify_authors: bool,
    /// The theme's accent colour (`#rrggbb`); empty for the theme's own.
    pub accent_color: String,
    /// The navigation menu under the masthead (before the regions and themes): pages, sections,
    /// anything; empty for none.
    pub menu: Vec<SiteLink>,
    /// Links in the footer (About, Contact, Corrections, Support us).
    pub footer_links: Vec<SiteLink>,
    /// What the home page leads with; an empty one is the newest articles, as they come.
    pub front_page: FrontPage,
    /// The outlet's name on the fediverse (`@<name>@<host>`); empty for one made from the
    /// title ([`Site::fediverse_username`]).
    pub fediverse_username: String,
    /// Servers (`social.example`) and accounts (their addresses) whose follows and replies are
    /// refused.
    pub fediverse_blocked: Vec<String>,
}

/// A link of the site's menu or footer: a label and an address on this site (`/about`) or
/// elsewhere (`https://…`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteLink {
    pub label: String,
    pub url: String,
}

/// The home page as the newsroom curates it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FrontPage {
    /// The lead story (an article's number), shown first and largest while it is published.
    pub lead: Option<i64>,
    /// Stories pinned under the lead, in order.
    pub pinned: Vec<i64>,
    /// Regions or themes (their numbers) each given a section of its newest articles.
    pub sections: Vec<i64>,
}

/// The most links a menu or the footer has, pinned stories and sections a front page has.
pub const MAX_LINKS: usize = 12;
pub const MAX_PINNED: usize = 6;
pub const MAX_SECTIONS: usize = 8;

impl SiteLink {
    /// Why this link cannot be shown, if it cannot: a label, and an address on this site or an
    /// absolute http(s) one.
    pub fn problem(&self) -> Option<String> {
        let label = self.label.trim();
        if label.is_empty() || label.chars().count() > 60 {
            return Some(format!("the link to {:?} needs a label of at most 60 characters", self.url));
        }
        let url = self.url.trim();
        let local = url.starts_with('/') && !url.starts_with("//") && !url.contains(char::is_whitespace);
        if local || crate::AbsoluteUrl::parse(url).is_ok() {
            None
        } else {
            Some(format!("{label}: {url:?} is not an address on this site (/about) or an http(s) address"))
        }
    }
}

/// Whether `color` is a colour the theme can take: `#rrggbb`, or empty for its own.
pub fn is_accent_color(color: &str) -> bool {
    color.is_empty()
        || (color.len() == 7 && color.starts_with('#') && color[1..].bytes().all(|b| b.is_ascii_hexdigit()))
}

impl Site {
    /// The outlet's name on the fediverse: the one set, or the title's slug without a leading
    /// "the" ("The Meridian" → "meridian").
    pub fn fediverse_username(&self) -> String {
        if !self.fediverse_username.is_empty() {
            return self.fediverse_username.clone();
        }
        let slug = crate::Slug::from_title(&self.title).map(|s| s.to_string()).unwrap_or_default();
        let name = slug.strip_prefix("the-").unwrap_or(&slug);
        if name.is_empty() { "news".into() } else { name.to_string() }
    }

    /// Whether the account `actor` (an address) or its server is blocked.
    pub fn fediverse_blocks(&self, actor: &str) -> bool {
        let host = url::Url::parse(actor).ok().and_then(|u| u.host_str().map(str::to_ascii_lowercase));
        self.fediverse_blocked.iter().any(|b| {
            let b = b.trim();
            b == actor
                || host.as_deref().is_some_and(|h| {
                    h.eq_ignore_ascii_case(b) || h.ends_with(&format!(".{}", b.to_ascii_lowercase()))
                })
        })
    }

    /// The logo's absolute address, if there is one.
    pub fn logo_url(&self) -> Option<String> {
        match self.logo.trim() {
            "" => None,
            path if path.starts_with('/') && !path.starts_with("//") => Some(self.url(path)),
            url => Some(url.to_owned()),
        }
    }
}

impl Default for Site {
    fn default() -> Self {
        Site {
            title: "Masthead".into(),
            tagline: "Independent journalism".into(),
            base_url: Url::parse("http://127.0.0.1:8080/").expect("a valid literal URL"),
            language: "en".into(),
            time_zone: "UTC".into(),
            copyright_holder: "Masthead".into(),
            logo: String::new(),
            note_to_readers: "Please share this article: use the buttons below, or forward it to your e-mail lists. Republishing is welcome under the terms stated at the end of the article.".into(),
            membership_call: "Independent journalism depends on its readers. Become a member and keep this site free for everyone.".into(),
            disclaimer: "The views expressed in this article are the sole responsibility of the author(s) and do not necessarily reflect those of this outlet.".into(),
            fair_use_notice: "This site may contain copyrighted material whose use has not always been specifically authorised by the copyright owner. We make it available to advance understanding of political, economic and social issues, which we believe is a fair use of such material.".into(),
            default_policy: ReusePolicy::CommunityCrossPost,
            media_contact: "media@example.org".into(),
            feed_full_content: true,
            websub_hub: None,
            noindex_republished: Vec::new(),
            commercial: false,
            newsletter_counts: false,
            comments: true,
            comments_close_after_days: 0,
            comments_held_words: Vec::new(),
            comments_notify_authors: false,
            accent_color: String::new(),
            menu: Vec::new(),
            footer_links: Vec::new(),
            front_page: FrontPage::default(),
            fediverse_username: String::new(),
            fediverse_blocked: Vec::new(),
        }
    }
}

impl Site {
    /// An absolute URL on this site for `path` ("/article/x"), keeping any path prefix of the
    /// base URL (a site served at "https://example.org/news/").
    pub fn url(&self, path: &str) -> String {
        // Already an address (an image that stays on the site it was imported from).
        if crate::media::is_remote_path(path) {
            return path.to_owned();
        }
        let base = self.base_url.as_str().trim_end_matches('/');
        format!("{base}{path}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_urls_keep_the_base_path() {
        let site = Site { base_url: "https://example.org/news/".parse().unwrap(), ..Site::default() };
        assert_eq!(site.url("/article/a"), "https://example.org/news/article/a");
        // An image left at the address it was imported from stays there.
        assert_eq!(site.url("https://old.example/a.jpg"), "https://old.example/a.jpg");
    }

    #[test]
    fn settings_saved_by_an_older_version_still_load() {
        let site: Site = serde_json::from_str(r#"{"title":"The Meridian"}"#).unwrap();
        assert_eq!(site.title, "The Meridian");
        assert_eq!(site.default_policy, ReusePolicy::CommunityCrossPost);
    }
}
