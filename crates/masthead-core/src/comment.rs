//! Readers' comments: what a member may write (a small Markdown subset, rendered and sanitised
//! here), how long it may be, when its writer may still edit it, and what holds a comment for
//! the newsroom to read before readers do.

use std::sync::LazyLock;

use jiff::Timestamp;
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use serde::{Deserialize, Serialize};

/// The longest comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 5_000;
/// How long after posting a member may still edit their comment.
pub const EDIT_WINDOW_SECONDS: i64 = 600;

/// Where a comment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CommentStatus {
    /// Shown under the article.
    Approved,
    /// Waiting for the newsroom (`Comment::held_for` says why).
    Held,
    /// Judged spam: never shown.
    Spam,
    /// Deleted by its writer while others had answered it: shown as a placeholder.
    Deleted,
}

impl CommentStatus {
    pub const ALL: [CommentStatus; 4] =
        [CommentStatus::Approved, CommentStatus::Held, CommentStatus::Spam, CommentStatus::Deleted];

    pub fn key(self) -> &'static str {
        match self {
            CommentStatus::Approved => "approved",
            CommentStatus::Held => "held",
            CommentStatus::Spam => "spam",
            CommentStatus::Deleted => "deleted",
        }
    }

    pub fn parse(key: &str) -> Option<CommentStatus> {
        CommentStatus::ALL.into_iter().find(|s| s.key() == key)
    }
}

/// A reader's comment on an article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comment {
    pub id: i64,
    pub article_id: i64,
    /// The comment this one answers (one level: never itself a reply).
    pub parent_id: Option<i64>,
    /// The member who wrote it; none for imported comments.
    pub member_id: Option<i64>,
    pub author_name: String,
    pub author_email: String,
    pub author_url: String,
    /// Sanitised HTML.
    pub body_html: String,
    /// The Markdown its writer typed (empty for imported comments).
    pub body_source: String,
    pub created_at: Timestamp,
    pub edited_at: Option<Timestamp>,
    pub status: CommentStatus,
    /// Why it was held, in the newsroom's words ("first comment", "links", "the word …").
    pub held_for: String,
    /// Its writer wants an e-mail when someone answers it.
    pub notify_replies: bool,
    pub source_key: Option<String>,
}

impl Comment {
    /// Whether its writer may still edit it at `now`.
    pub fn editable_at(&self, now: Timestamp) -> bool {
        self.status != CommentStatus::Deleted
            && now.as_second() - self.created_at.as_second() <= EDIT_WINDOW_SECONDS
    }
}

/// Why a comment cannot be saved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommentRefusal {
    #[error("the comment is empty")]
    Empty,
    #[error("the comment is {chars} characters long; at most {limit} are allowed")]
    TooLong { chars: usize, limit: usize },
    #[error("the comment nests quotes or lists too deeply")]
    TooDeep,
}

/// A comment rendered: its HTML, and whether it carries links (which hold it for moderation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedComment {
    pub html: String,
    pub has_links: bool,
}

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::empty();
    b.add_tags(["p", "br", "em", "strong", "del", "code", "pre", "blockquote", "ul", "ol", "li", "a"])
        .add_tag_attributes("a", ["href"])
        .add_url_schemes(["http", "https", "mailto"])
        .url_relative(ammonia::UrlRelative::Deny)
        // Readers' links are not the outlet's endorsement (and are worth nothing to spammers).
        .link_rel(Some("nofollow ugc noopener"));
    b
});

/// A reply written on another server (HTML), kept as members' comments are: the same few
/// elements, links `nofollow ugc`, at most [`MAX_COMMENT_CHARS`] characters of text. Mentions
/// and hashtags stay as the links they are.
pub fn sanitize_remote_comment(html: &str) -> Result<String, CommentRefusal> {
    if html.len() > MAX_COMMENT_CHARS * 8 {
        return Err(CommentRefusal::TooLong { chars: html.chars().count(), limit: MAX_COMMENT_CHARS });
    }
    let clean = SANITIZER.clean(html).to_string();
    let text: String = ammonia::Builder::empty().clean(&clean).to_string();
    let chars = text.trim().chars().count();
    if chars == 0 {
        return Err(CommentRefusal::Empty);
    }
    if chars > MAX_COMMENT_CHARS {
        return Err(CommentRefusal::TooLong { chars, limit: MAX_COMMENT_CHARS });
    }
    Ok(clean)
}

/// Renders a member's comment: Markdown with emphasis, code, quotes, lists and links; any HTML
/// typed is shown as text, images as their description, headings and tables as paragraphs.
pub fn render_comment(source: &str) -> Result<RenderedComment, CommentRefusal> {
    let text = source.trim();
    if text.is_empty() {
        return Err(CommentRefusal::Empty);
    }
    let chars = text.chars().count();
    if chars > MAX_COMMENT_CHARS {
        return Err(CommentRefusal::TooLong { chars, limit: MAX_COMMENT_CHARS });
    }
    let options = Options::ENABLE_STRIKETHROUGH;
    crate::body::check_markdown_nesting(Parser::new_ext(text, options).into_offset_iter(), text)
        .map_err(|_| CommentRefusal::TooDeep)?;
    let mut has_links = false;
    let events = Parser::new_ext(text, options).filter_map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Some(Event::Text(raw)),
        Event::Start(Tag::Link { .. }) | Event::Start(Tag::Image { .. }) => {
            has_links = true;
            match event {
                Event::Start(Tag::Image { .. }) => None,
                other => Some(other),
            }
        }
        Event::End(TagEnd::Image) => None,
        Event::Start(Tag::Heading { .. }) | Event::Start(Tag::Table(_)) => Some(Event::Start(Tag::Paragraph)),
        Event::End(TagEnd::Heading(_)) | Event::End(TagEnd::Table) => Some(Event::End(TagEnd::Paragraph)),
        other => Some(other),
    });
    let mut html = String::with_capacity(text.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events);
    let has_links = has_links || looks_like_link(text);
    Ok(RenderedComment { html: SANITIZER.clean(&html).to_string(), has_links })
}

/// Whether plain text names a web address that a reader could copy ("www.…", "http…").
fn looks_like_link(text: &str) -> bool {
    let lower = text.to_lowercase();
    lower.contains("http://") || lower.contains("https://") || lower.contains("www.")
}

/// The first word of `words` that `text` contains as a whole word (letters case-folded), for
/// the settings' list of words that hold a comment. Entries may be phrases.
pub fn held_word<'w>(text: &str, words: &'w [String]) -> Option<&'w str> {
    let folded: String =
        text.to_lowercase().chars().map(|c| if c.is_alphanumeric() { c } else { ' ' }).collect();
    let padded = format!(" {} ", folded.split_whitespace().collect::<Vec<_>>().join(" "));
    words.iter().map(|w| w.trim()).filter(|w| !w.is_empty()).find(|w| {
        let needle: String =
            w.to_lowercase().chars().map(|c| if c.is_alphanumeric() { c } else { ' ' }).collect();
        let needle = needle.split_whitespace().collect::<Vec<_>>().join(" ");
        !needle.is_empty() && padded.contains(&format!(" {needle} "))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_from_another_server_keeps_only_what_comments_may_hold() {
        let clean = sanitize_remote_comment(
            r#"<p><span class="h-card"><a href="https://news.example/ap/outlet" class="u-url mention">@<span>meridian</span></a></span> Good piece<script>alert(1)</script><img src=x onerror=y></p>"#,
        )
        .unwrap();
        assert!(
            clean.contains(
                r#"<a href="https://news.example/ap/outlet" rel="nofollow ugc noopener">@meridian</a>"#
            ),
            "{clean}"
        );
        assert!(!clean.contains("script") && !clean.contains("img") && !clean.contains("class"));
        assert_eq!(sanitize_remote_comment("<p> </p>"), Err(CommentRefusal::Empty));
    }

    #[test]
    fn markdown_subset_renders_and_everything_else_is_text() {
        let r = render_comment("**Yes**, see <script>alert(1)</script> and _this_.\n\n> quoted").unwrap();
        assert!(r.html.contains("<strong>Yes</strong>"), "{}", r.html);
        assert!(r.html.contains("&lt;script&gt;"), "{}", r.html);
        assert!(r.html.contains("<blockquote>"), "{}", r.html);
        assert!(!r.has_links);
        let r = render_comment("# Big\n\n![x](https://evil.example/p.png)").unwrap();
        assert!(!r.html.contains("<h1") && !r.html.contains("<img"), "{}", r.html);
        assert!(r.has_links);
    }

    #[test]
    fn links_are_marked_and_held() {
        let r = render_comment("[site](https://shop.example) and [x](javascript:alert(1))").unwrap();
        assert!(r.has_links);
        assert!(r.html.contains(r#"rel="nofollow ugc noopener""#), "{}", r.html);
        assert!(!r.html.contains("javascript"), "{}", r.html);
        assert!(render_comment("visit www.shop.example today").unwrap().has_links);
        assert!(!render_comment("plain words").unwrap().has_links);
    }

    #[test]
    fn limits_are_stated() {
        assert_eq!(render_comment("  \n "), Err(CommentRefusal::Empty));
        let long = "a".repeat(MAX_COMMENT_CHARS + 1);
        assert_eq!(
            render_comment(&long),
            Err(CommentRefusal::TooLong { chars: MAX_COMMENT_CHARS + 1, limit: MAX_COMMENT_CHARS })
        );
        assert!(render_comment(&"é".repeat(MAX_COMMENT_CHARS)).is_ok());
        assert_eq!(render_comment(&">".repeat(2000)), Err(CommentRefusal::TooDeep));
    }

    #[test]
    fn held_words_match_whole_words() {
        let words = vec!["casino".to_owned(), "cheap pills".to_owned()];
        assert_eq!(held_word("Best CASINO bonus", &words), Some("casino"));
        assert_eq!(held_word("cheap   pills!", &words), Some("cheap pills"));
        assert_eq!(held_word("casinos nearby", &words), None);
        assert_eq!(held_word("anything", &[String::new()]), None);
    }
}
