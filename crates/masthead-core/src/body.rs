//! An article's body: Markdown or HTML in, sanitised HTML out, once, when the article is saved.
//!
//! Every body that reaches a page passes through [`sanitize_html`]: scripts, event handlers,
//! `javascript:` URLs, inline styles and embedded objects never survive, whatever the source
//! (an editor, a partner's feed, a WordPress export). Readers never pay for rendering: pages
//! show the stored HTML.

use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::LazyLock;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer};
use pulldown_cmark::{Options, Parser};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BodyFormat {
    #[default]
    Markdown,
    Html,
}

impl BodyFormat {
    pub fn key(self) -> &'static str {
        match self {
            BodyFormat::Markdown => "markdown",
            BodyFormat::Html => "html",
        }
    }

    pub fn from_key(s: &str) -> Option<Self> {
        match s {
            "markdown" => Some(BodyFormat::Markdown),
            "html" => Some(BodyFormat::Html),
            _ => None,
        }
    }
}

/// A body as written and as it will be shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenderedBody {
    pub format: BodyFormat,
    pub source: String,
    /// Sanitised HTML, safe to put on a page as it is.
    pub html: String,
}

/// Renders and sanitises a body.
/// Characters no document may carry ([`crate::text`]) are replaced in the source first, so
/// that the source kept for editing and the HTML shown agree.
pub fn render_body(format: BodyFormat, source: &str) -> RenderedBody {
    let source = crate::text::publishable(source);
    let raw = match format {
        BodyFormat::Markdown => markdown_to_html(&source),
        BodyFormat::Html => source.to_string(),
    };
    RenderedBody { format, source: source.into_owned(), html: sanitize_html(&raw) }
}

fn markdown_to_html(source: &str) -> String {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_SMART_PUNCTUATION;
    let mut html = String::with_capacity(source.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, Parser::new_ext(source, options));
    html
}

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(sanitizer);

/// The one sanitiser configuration: what an article may contain.
fn sanitizer() -> ammonia::Builder<'static> {
    let mut b = ammonia::Builder::default();
    b.add_tags(["figure", "figcaption", "picture", "source"])
        .add_tag_attributes("img", ["loading", "srcset", "sizes", "decoding"])
        .add_tag_attributes("source", ["srcset", "sizes", "type", "media"])
        .add_tag_attributes("blockquote", ["cite"])
        .add_tag_attributes("time", ["datetime"])
        .add_tag_attributes("td", ["colspan", "rowspan"])
        .add_tag_attributes("th", ["colspan", "rowspan", "scope"])
        .add_tag_attributes("a", ["title"])
        .link_rel(Some("noopener"));
    b
}

/// Removes everything from `html` that could run code or restyle the page, and keeps what an
/// article needs: paragraphs, headings, quotes, lists, links, emphasis, images, figures, tables.
pub fn sanitize_html(html: &str) -> String {
    SANITIZER.clean(html).to_string()
}

/// `html` (already sanitised) with every relative link and image address made absolute
/// against `base`, for copies that leave the site: feeds, ninjs, the republish snippet.
pub fn absolutize(html: &str, base: &url::Url) -> String {
    let mut b = sanitizer();
    b.url_relative(ammonia::UrlRelative::RewriteWithBase(base.clone()));
    b.clean(html).to_string()
}

/// The first `max_words` words of the text of `html`, with an ellipsis when cut. Used as the
/// excerpt when the newsroom wrote none.
pub fn excerpt_from_html(html: &str, max_words: usize) -> String {
    let text = html_to_text(html);
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.len() <= max_words {
        return words.join(" ");
    }
    let mut out = words[..max_words].join(" ");
    out.truncate(out.trim_end_matches(|c: char| c.is_ascii_punctuation()).len());
    out.push('…');
    out
}

/// The readable text of an HTML fragment: character data only, with a space where a block
/// ends, and nothing from `<script>` or `<style>`.
pub fn html_to_text(html: &str) -> String {
    struct TextSink {
        out: RefCell<String>,
        skip_depth: RefCell<u32>,
    }
    impl TokenSink for TextSink {
        type Handle = ();
        fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
            match token {
                Token::CharacterTokens(t) if *self.skip_depth.borrow() == 0 => {
                    self.out.borrow_mut().push_str(&t)
                }
                Token::TagToken(tag) => {
                    let name: &str = &tag.name;
                    let raw = matches!(name, "script" | "style");
                    if raw {
                        let mut d = self.skip_depth.borrow_mut();
                        match tag.kind {
                            TagKind::StartTag => *d += 1,
                            TagKind::EndTag => *d = d.saturating_sub(1),
                        }
                        if tag.kind == TagKind::StartTag {
                            return TokenSinkResult::RawData(html5ever::tokenizer::states::RawKind::Rawtext);
                        }
                    } else if !INLINE.contains(name) {
                        self.out.borrow_mut().push(' ');
                    }
                }
                _ => {}
            }
            TokenSinkResult::Continue
        }
    }
    static INLINE: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
        [
            "a", "abbr", "b", "cite", "code", "em", "i", "kbd", "mark", "q", "s", "small", "span", "strong",
            "sub", "sup", "time", "u", "del", "ins",
        ]
        .into_iter()
        .collect()
    });

    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    let tokenizer = Tokenizer::new(
        TextSink { out: RefCell::new(String::new()), skip_depth: RefCell::new(0) },
        Default::default(),
    );
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    let text = tokenizer.sink.out.take();
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The addresses a web page points at, as written (relative ones unresolved).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageLinks {
    /// `<a href>` and `<area href>`.
    pub anchors: Vec<String>,
    /// `<img src>`.
    pub images: Vec<String>,
    /// `<link rel="canonical" href>`.
    pub canonical: Option<String>,
}

/// Collects the links of an HTML page (a Webmention source, say) with the HTML tokenizer.
pub fn page_links(html: &str) -> PageLinks {
    struct LinkSink(RefCell<PageLinks>);
    impl TokenSink for LinkSink {
        type Handle = ();
        fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
            if let Token::TagToken(tag) = token
                && tag.kind == TagKind::StartTag
            {
                let attr = |name: &str| {
                    tag.attrs.iter().find(|a| &*a.name.local == name).map(|a| a.value.to_string())
                };
                let mut links = self.0.borrow_mut();
                match &*tag.name {
                    "a" | "area" => links.anchors.extend(attr("href")),
                    "img" => links.images.extend(attr("src")),
                    "link"
                        if attr("rel").is_some_and(|r| {
                            r.split_whitespace().any(|r| r.eq_ignore_ascii_case("canonical"))
                        }) =>
                    {
                        links.canonical = attr("href").or(links.canonical.take());
                    }
                    "script" | "style" => {
                        return TokenSinkResult::RawData(html5ever::tokenizer::states::RawKind::Rawtext);
                    }
                    _ => {}
                }
            }
            TokenSinkResult::Continue
        }
    }
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    let tokenizer = Tokenizer::new(LinkSink(RefCell::new(PageLinks::default())), Default::default());
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    tokenizer.sink.0.take()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn md(s: &str) -> String {
        render_body(BodyFormat::Markdown, s).html
    }

    fn html(s: &str) -> String {
        render_body(BodyFormat::Html, s).html
    }

    #[test]
    fn script_tags_are_removed_with_their_content() {
        let out = html("<p>Before</p><script>alert('x')</script><p>After</p>");
        assert!(!out.contains("<script"), "{out}");
        assert!(!out.contains("alert"), "{out}");
        assert!(out.contains("<p>Before</p>") && out.contains("<p>After</p>"));
        let out = md("Text\n\n<script>steal()</script>\n");
        assert!(!out.contains("script") && !out.contains("steal"), "{out}");
    }

    #[test]
    fn event_handlers_are_removed() {
        let out = html(r#"<img src="/a.png" alt="A" onerror="alert(1)"><p onclick="x()">Hi</p>"#);
        assert!(!out.contains("onerror") && !out.contains("onclick"), "{out}");
        assert!(out.contains(r#"alt="A""#), "{out}");
    }

    #[test]
    fn javascript_urls_are_removed() {
        let out = html(r#"<a href="javascript:alert(1)">click</a><a href="JaVaScRiPt:alert(2)">b</a>"#);
        assert!(!out.to_lowercase().contains("javascript"), "{out}");
        assert!(out.contains("click"));
        let out = md("[click](javascript:alert(1))");
        assert!(!out.contains("javascript"), "{out}");
    }

    #[test]
    fn style_injection_is_removed() {
        let out = html(
            r#"<style>body{display:none}</style><p style="position:fixed">Text</p><link rel="stylesheet" href="x.css">"#,
        );
        assert!(!out.contains("style") && !out.contains("display") && !out.contains("<link"), "{out}");
        assert!(out.contains("<p>Text</p>"), "{out}");
        let out = html(
            r#"<iframe src="https://evil.example"></iframe><object data="x"></object><form><input></form>"#,
        );
        assert!(
            !out.contains("iframe")
                && !out.contains("object")
                && !out.contains("<form")
                && !out.contains("<input"),
            "{out}"
        );
    }

    #[test]
    fn journalism_markup_is_kept() {
        let out = md(
            "> A quote from the minister.\n\nA [link](https://example.org/report) with *emphasis* and **strength**.\n\n- one\n- two\n\n1. first\n\n![Bridge over the Danube](/media/bridge.svg \"Bridge\")\n",
        );
        assert!(out.contains("<blockquote>"), "{out}");
        assert!(out.contains(r#"<a href="https://example.org/report" rel="noopener">link</a>"#), "{out}");
        assert!(out.contains("<em>emphasis</em>") && out.contains("<strong>strength</strong>"), "{out}");
        assert!(out.contains("<ul>") && out.contains("<ol>") && out.contains("<li>one</li>"), "{out}");
        assert!(
            out.contains(r#"<img src="/media/bridge.svg" alt="Bridge over the Danube" title="Bridge">"#),
            "{out}"
        );
        let out = html(r#"<figure><img src="/m/a.jpg" alt="A"><figcaption>Photo: Ana</figcaption></figure>"#);
        assert!(out.contains("<figure>") && out.contains("<figcaption>Photo: Ana</figcaption>"), "{out}");
    }

    #[test]
    fn relative_addresses_become_absolute_for_copies_that_leave_the_site() {
        let base: url::Url = "https://meridian.example/article/x".parse().unwrap();
        let out = absolutize(
            r#"<p><a href="/author/ana">Ana</a> <img src="/media/a.svg" alt="A"> <a href="https://other.example/">o</a></p>"#,
            &base,
        );
        assert!(out.contains(r#"href="https://meridian.example/author/ana""#), "{out}");
        assert!(out.contains(r#"src="https://meridian.example/media/a.svg""#), "{out}");
        assert!(out.contains(r#"href="https://other.example/""#), "{out}");
    }

    #[test]
    fn page_links_are_found_outside_scripts() {
        let links = page_links(
            r#"<html><head><link rel="Canonical" href="https://a.example/x"></head><body>
            <a href="/rel">r</a><A HREF="https://b.example/">b</A><img src="https://c.example/r/1.gif">
            <script>var s = '<a href="https://evil.example/">';</script><a>no href</a></body></html>"#,
        );
        assert_eq!(links.anchors, ["/rel", "https://b.example/"]);
        assert_eq!(links.images, ["https://c.example/r/1.gif"]);
        assert_eq!(links.canonical.as_deref(), Some("https://a.example/x"));
    }

    #[test]
    fn smart_punctuation_turns_quotes_typographic() {
        assert!(md("\"Quoted\" text").contains("“Quoted”"));
    }

    #[test]
    fn excerpts_are_plain_text_cut_at_a_word() {
        let h = md("# Title\n\nThe first paragraph has <em>several</em> words.\n\nThe second one too.");
        assert_eq!(
            excerpt_from_html(&h, 100),
            "Title The first paragraph has several words. The second one too."
        );
        assert_eq!(excerpt_from_html(&h, 4), "Title The first paragraph…");
        assert_eq!(html_to_text("<p>a &amp; b</p><script>x()</script><p>c</p>"), "a & b c");
    }
}
