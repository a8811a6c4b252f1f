//! An article's body: Markdown or HTML in, sanitised HTML out, once, when the article is saved.
//!
//! Every body that reaches a page passes through [`sanitize_html`]: scripts, event handlers,
//! `javascript:` URLs, inline styles and embedded objects never survive, whatever the source
//! (an editor, a partner's feed, a WordPress export). Readers never pay for rendering: pages
//! show the stored HTML.
//!
//! The sanitiser builds a tree, and the work of building one grows with the square of its
//! depth: 100,000 nested `<div>` held a thread for a minute and a half. So a body is measured
//! before that work, by streams that cost one pass and stop at the limit (pulldown-cmark's
//! events, html5ever's tokenizer), and refused with [`BodyRefusal`], saying what and where,
//! when it is larger or deeper than an article can be.

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

/// The largest body, in bytes of its source, that is rendered: a long report is a tenth of it.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// The deepest nesting of elements (quotes, lists, their items, emphasis, HTML elements) that
/// a body may have. Real articles stay under a dozen.
pub const MAX_NESTING: usize = 100;

/// Why a body was not rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyRefusal {
    #[error("the text is {size} bytes; at most {limit} bytes are allowed")]
    TooLarge { size: usize, limit: usize },
    #[error(
        "the text nests {what} more than {limit} levels deep (line {line}); at most {limit} levels are allowed"
    )]
    TooDeep {
        /// What nests too deep, in the writer's words: "quotes", "lists", "`<div>` elements".
        what: String,
        limit: usize,
        /// 1-based line of the source where the limit was passed.
        line: u64,
    },
}

/// Renders and sanitises a body, or refuses one too large or too deeply nested to render
/// (before the expensive work).
/// Characters no document may carry ([`crate::text`]) are replaced in the source first, so
/// that the source kept for editing and the HTML shown agree.
pub fn render_body(format: BodyFormat, source: &str) -> Result<RenderedBody, BodyRefusal> {
    check_size(source)?;
    let source = crate::text::publishable(source);
    let raw = match format {
        BodyFormat::Markdown => markdown_to_html(&source)?,
        BodyFormat::Html => source.to_string(),
    };
    Ok(RenderedBody { format, source: source.into_owned(), html: sanitize_html(&raw)? })
}

fn check_size(source: &str) -> Result<(), BodyRefusal> {
    match source.len() {
        size if size > MAX_BODY_BYTES => Err(BodyRefusal::TooLarge { size, limit: MAX_BODY_BYTES }),
        _ => Ok(()),
    }
}

fn markdown_to_html(source: &str) -> Result<String, BodyRefusal> {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_SMART_PUNCTUATION;
    check_markdown_nesting(Parser::new_ext(source, options).into_offset_iter(), source)?;
    let mut html = String::with_capacity(source.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, with_embeds(Parser::new_ext(source, options)).into_iter());
    // Raw HTML inside the Markdown is measured by `sanitize_html`, on the whole output.
    Ok(html)
}

/// A paragraph that is nothing but an address the embed allowlist knows becomes that embed's
/// figure ([`crate::embed`]), as a link pasted on its own line does in WordPress and Ghost.
fn with_embeds<'a>(
    events: impl Iterator<Item = pulldown_cmark::Event<'a>>,
) -> Vec<pulldown_cmark::Event<'a>> {
    use pulldown_cmark::{Event, Tag, TagEnd};
    let events: Vec<Event<'a>> = events.collect();
    let mut out = Vec::with_capacity(events.len());
    let mut i = 0;
    while i < events.len() {
        if matches!(events[i], Event::Start(Tag::Paragraph))
            && let Some(len) = events[i + 1..].iter().position(|e| matches!(e, Event::End(TagEnd::Paragraph)))
        {
            let inner = &events[i + 1..i + 1 + len];
            let plain = inner.iter().all(|e| {
                matches!(e, Event::Text(_) | Event::Start(Tag::Link { .. }) | Event::End(TagEnd::Link))
            });
            let text: String = inner
                .iter()
                .filter_map(|e| match e {
                    Event::Text(t) => Some(t.as_ref()),
                    _ => None,
                })
                .collect();
            let text = text.trim();
            if plain
                && text.starts_with("http")
                && !text.contains(char::is_whitespace)
                && let Ok(embed) = crate::embed::recognise(text)
            {
                out.push(Event::Html(crate::embed::figure_html(&embed, "").into()));
                i += len + 2;
                continue;
            }
        }
        out.push(events[i].clone());
        i += 1;
    }
    out
}

/// Follows the Markdown's events with a depth counter and stops at the first one past
/// [`MAX_NESTING`]. Parsing is linear in pulldown-cmark; only the sanitiser's tree is not.
pub(crate) fn check_markdown_nesting<'a>(
    events: impl Iterator<Item = (pulldown_cmark::Event<'a>, std::ops::Range<usize>)>,
    source: &str,
) -> Result<(), BodyRefusal> {
    use pulldown_cmark::{Event, Tag};
    let mut depth = 0usize;
    for (event, range) in events {
        match event {
            Event::Start(tag) => {
                depth += 1;
                if depth > MAX_NESTING {
                    let what = match tag {
                        Tag::BlockQuote(_) => "quotes",
                        Tag::List(_) | Tag::Item => "lists",
                        Tag::Emphasis | Tag::Strong | Tag::Strikethrough => "emphasis",
                        Tag::Link { .. } | Tag::Image { .. } => "links",
                        _ => "blocks",
                    };
                    return Err(BodyRefusal::TooDeep {
                        what: what.into(),
                        limit: MAX_NESTING,
                        line: line_of(source, range.start),
                    });
                }
            }
            Event::End(_) => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

fn line_of(source: &str, offset: usize) -> u64 {
    let before = source.get(..offset).unwrap_or(source);
    before.bytes().filter(|b| *b == b'\n').count() as u64 + 1
}

/// How many times one body may make the tree builder move children under a new parent (HTML's
/// "adoption agency", for misnested tags such as `<b><p></b>`); each move may deepen a subtree
/// by one level that [`check_html_nesting`] does not see, so their number is bounded too.
const MAX_MISNESTED: usize = 1_000;

/// Measures how deep the elements of `html` nest with html5ever's own tree builder, as the
/// sanitiser will parse it (a fragment in a `<div>`), but keeping only each node's depth, and
/// stops reading within a few kilobytes of the first element past [`MAX_NESTING`].
///
/// Why the tree builder and not a count of tags: HTML closes elements nobody closed (`<p>`,
/// `<li>`), ignores end tags of elements that are not open, and reopens unclosed formatting
/// elements (`<b>`) in every following block; only the builder knows the depth that results.
fn check_html_nesting(html: &str) -> Result<(), BodyRefusal> {
    use std::cell::Cell;
    use std::rc::Rc;

    use html5ever::interface::{ElementFlags, NodeOrText, QuirksMode, TreeSink};
    use html5ever::tendril::TendrilSink;
    use html5ever::{Attribute, ExpandedName, QualName, local_name, ns};

    #[derive(Debug)]
    struct Node {
        name: QualName,
        depth: Cell<usize>,
    }
    #[derive(Default)]
    struct Depth {
        line: Cell<u64>,
        misnested: Cell<usize>,
        /// What went past a limit, and on which line.
        too_deep: RefCell<Option<(String, u64)>>,
    }
    impl Depth {
        fn node(&self, name: QualName) -> Rc<Node> {
            Rc::new(Node { name, depth: Cell::new(0) })
        }
        fn place(&self, child: NodeOrText<Rc<Node>>, depth: usize) {
            let NodeOrText::AppendNode(child) = child else { return };
            child.depth.set(depth);
            // The fragment's own `<html>` element is at depth 1, the body's elements below it.
            if depth > MAX_NESTING + 1 && self.too_deep.borrow().is_none() {
                let what = format!("`<{}>` elements", child.name.local);
                *self.too_deep.borrow_mut() = Some((what, self.line.get().max(1)));
            }
        }
    }
    impl TreeSink for Depth {
        type Handle = Rc<Node>;
        type Output = ();
        type ElemName<'a> = ExpandedName<'a>;
        fn finish(self) {}
        fn parse_error(&self, _msg: std::borrow::Cow<'static, str>) {}
        fn get_document(&self) -> Rc<Node> {
            self.node(QualName::new(None, ns!(), local_name!("")))
        }
        fn elem_name<'a>(&'a self, target: &'a Rc<Node>) -> ExpandedName<'a> {
            target.name.expanded()
        }
        fn create_element(&self, name: QualName, _: Vec<Attribute>, _: ElementFlags) -> Rc<Node> {
            self.node(name)
        }
        fn create_comment(&self, _: StrTendril) -> Rc<Node> {
            self.get_document()
        }
        fn create_pi(&self, _: StrTendril, _: StrTendril) -> Rc<Node> {
            self.get_document()
        }
        fn append(&self, parent: &Rc<Node>, child: NodeOrText<Rc<Node>>) {
            self.place(child, parent.depth.get() + 1);
        }
        fn append_based_on_parent_node(
            &self,
            element: &Rc<Node>,
            _prev: &Rc<Node>,
            child: NodeOrText<Rc<Node>>,
        ) {
            // Foster parenting puts the child beside the table, or in the element before it.
            self.place(child, element.depth.get() + 1);
        }
        fn append_doctype_to_document(&self, _: StrTendril, _: StrTendril, _: StrTendril) {}
        fn get_template_contents(&self, target: &Rc<Node>) -> Rc<Node> {
            target.clone()
        }
        fn same_node(&self, x: &Rc<Node>, y: &Rc<Node>) -> bool {
            Rc::ptr_eq(x, y)
        }
        fn set_quirks_mode(&self, _: QuirksMode) {}
        fn append_before_sibling(&self, sibling: &Rc<Node>, new_node: NodeOrText<Rc<Node>>) {
            self.place(new_node, sibling.depth.get());
        }
        fn add_attrs_if_missing(&self, _: &Rc<Node>, _: Vec<Attribute>) {}
        fn remove_from_parent(&self, _: &Rc<Node>) {}
        fn reparent_children(&self, _node: &Rc<Node>, _new_parent: &Rc<Node>) {
            let n = self.misnested.get() + 1;
            self.misnested.set(n);
            if n > MAX_MISNESTED && self.too_deep.borrow().is_none() {
                let what = format!("misnested elements (more than {MAX_MISNESTED} of them)");
                *self.too_deep.borrow_mut() = Some((what, self.line.get().max(1)));
            }
        }
        fn set_current_line(&self, line: u64) {
            self.line.set(line);
        }
    }

    let mut parser = html5ever::parse_fragment(
        Depth::default(),
        Default::default(),
        QualName::new(None, ns!(html), local_name!("div")),
        Vec::new(),
        false,
    );
    // Fed in slices so that parsing stops soon after the limit is passed: the builder's own
    // work per tag grows with the depth.
    const SLICE: usize = 4096;
    let mut rest = html;
    while !rest.is_empty() {
        let mut cut = rest.len().min(SLICE);
        while !rest.is_char_boundary(cut) {
            cut += 1;
        }
        let (slice, tail) = rest.split_at(cut);
        parser.process(StrTendril::from_slice(slice));
        rest = tail;
        if let Some((what, line)) = parser.tokenizer.sink.sink.too_deep.take() {
            return Err(BodyRefusal::TooDeep { what, limit: MAX_NESTING, line });
        }
    }
    Ok(())
}

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(sanitizer);

/// The one sanitiser configuration: what an article may contain, and how the values of the
/// attributes kept are checked.
fn sanitizer() -> ammonia::Builder<'static> {
    let mut b = allowed();
    b.attribute_filter(kept_attribute);
    b
}

/// What an article may contain, without the attribute filter (which ammonia takes once: the
/// copies' sanitisers set their own, which ends in [`kept_attribute`]).
fn allowed() -> ammonia::Builder<'static> {
    let mut b = ammonia::Builder::default();
    b.add_tags(["figure", "figcaption", "picture", "source", "audio", "video", "section", "aside"])
        .add_tag_attributes("img", ["loading", "srcset", "sizes", "decoding"])
        .add_tag_attributes("source", ["srcset", "sizes", "type", "media", "src"])
        // Our own audio and video (their `src` must be the media library's: `kept_attribute`).
        .add_tag_attributes("audio", ["controls", "src", "preload"])
        .add_tag_attributes(
            "video",
            ["controls", "src", "preload", "poster", "width", "height", "playsinline"],
        )
        // An embed keeps its frame's address only as the allowlist writes it (`kept_attribute`).
        .add_tag_attributes("figure", ["data-embed"])
        // The editor's cards and blocks (docs/body-format.md).
        .add_allowed_classes("figure", ["embed", "image"])
        .add_allowed_classes("aside", ["pullquote", "callout"])
        .add_allowed_classes("section", ["footnotes"])
        .add_allowed_classes("span", ["credit"])
        .add_tag_attributes("blockquote", ["cite"])
        .add_tag_attributes("time", ["datetime"])
        .add_tag_attributes("td", ["colspan", "rowspan"])
        .add_tag_attributes("th", ["colspan", "rowspan", "scope"])
        .add_tag_attributes("a", ["title", "id"])
        .add_generic_attributes(["dir"])
        .link_rel(Some("noopener"));
    for tag in ["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "ol", "div", "section", "sup", "span"] {
        b.add_tag_attributes(tag, ["id"]);
    }
    b
}

/// What anchors in an article are prefixed with, so that an article's ids never clash with the
/// page's own (`comments`, `main`) or clobber its scripts' names.
const ID_PREFIX: &str = "art-";

fn prefixed(id: &str) -> String {
    if id.starts_with(ID_PREFIX) { id.to_owned() } else { format!("{ID_PREFIX}{id}") }
}

/// Which values of the attributes kept need a look: `dir` is `rtl`, `ltr` or `auto`; an `id`
/// and the `#fragment` links that lead to it (headings, footnotes) are prefixed together
/// ([`ID_PREFIX`]), so footnote links keep working.
fn kept_attribute<'u>(element: &str, attribute: &str, value: &'u str) -> Option<std::borrow::Cow<'u, str>> {
    match (element, attribute) {
        (_, "dir") => {
            let dir = value.trim().to_ascii_lowercase();
            matches!(dir.as_str(), "rtl" | "ltr" | "auto").then(|| dir.into())
        }
        (_, "id") => (!value.trim().is_empty()).then(|| prefixed(value.trim()).into()),
        ("figure", "data-embed") => crate::embed::kept_frame(value).map(Into::into),
        // Played from the media library only: a player never fetches from elsewhere.
        ("audio" | "video" | "source", "src") | ("video", "poster") => {
            (value.starts_with("/media/") && !value.contains("..")).then(|| value.into())
        }
        ("a", "href") if value.starts_with('#') && value.len() > 1 => {
            Some(format!("#{}", prefixed(&value[1..])).into())
        }
        _ => Some(value.into()),
    }
}

/// Removes everything from `html` that could run code or restyle the page, and keeps what an
/// article needs: paragraphs, headings, quotes, lists, links, emphasis, images, figures, tables.
/// Refuses HTML nested deeper than [`MAX_NESTING`] before building its tree; the size is the
/// caller's to bound ([`render_body`] does).
pub fn sanitize_html(html: &str) -> Result<String, BodyRefusal> {
    check_html_nesting(html)?;
    Ok(SANITIZER.clean(html).to_string())
}

/// Whether [`render_body`] would accept `source`, without rendering it: for callers that do
/// other work on the raw body first (making a partner's links absolute, say).
pub fn check_limits(format: BodyFormat, source: &str) -> Result<(), BodyRefusal> {
    check_size(source)?;
    match format {
        BodyFormat::Markdown => markdown_to_html(source).and_then(|html| check_html_nesting(&html)),
        BodyFormat::Html => check_html_nesting(source),
    }
}

/// `html` (already sanitised) with every relative link and image address made absolute
/// against `base`, for copies that leave the site: feeds, ninjs, the republish snippet.
pub fn absolutize(html: &str, base: &url::Url) -> String {
    thread_local! {
        /// The `base` of the call running on this thread, for the cleaner's `srcset` filter.
        static BASE: RefCell<Option<url::Url>> = const { RefCell::new(None) };
        /// The cleaner, made once per thread (making one builds every allowlist), with only its
        /// base changed from call to call.
        static CLEANER: RefCell<ammonia::Builder<'static>> = RefCell::new({
            let mut b = allowed();
            // ammonia rewrites attributes that hold one URL; `srcset` holds a list of them.
            b.attribute_filter(|element, attribute, value| match attribute {
                "srcset" => BASE.with_borrow(|base| base.as_ref().map(|base| absolute_srcset(value, base).into())),
                _ => kept_attribute(element, attribute, value),
            });
            b
        });
    }
    BASE.set(Some(base.clone()));
    CLEANER.with_borrow_mut(|b| {
        b.url_relative(ammonia::UrlRelative::RewriteWithBase(base.clone()));
        b.clean(html).to_string()
    })
}

/// [`absolutize`] for a copy that leaves the site, with the images that may not travel
/// replaced: for each `(path, placeholder)` (a path below `/media/`, an absolute URL), an image
/// whose `src` is that file shows the placeholder instead, and loses its `srcset` (whose
/// candidates are that file's resized copies).
pub fn absolutize_for_copies(html: &str, base: &url::Url, withheld: &[(String, String)]) -> String {
    if withheld.is_empty() {
        // A sanitised body names addresses only in these attributes (as its sanitiser writes
        // them: lower case, then `=`): one that names none has nothing to make absolute, and a
        // second pass would write the same bytes (a test holds it), so it is its own copy. A
        // `<pre>` is the exception to the same bytes (a pass drops a line break that begins its
        // text, which browsers drop too): a body with one takes the pass as it always has.
        let has = |what: &str| memchr::memmem::find(html.as_bytes(), what.as_bytes()).is_some();
        if !["href=", "src", "cite=", "poster=", "<pre"].into_iter().any(has) {
            return html.to_owned();
        }
        return absolutize(html, base);
    }
    let mut b = allowed();
    b.url_relative(ammonia::UrlRelative::RewriteWithBase(base.clone()));
    let srcset_base = base.clone();
    let withheld = withheld.to_vec();
    b.attribute_filter(move |element, attribute, value| {
        let file = |v: &str| {
            let v = v.split(['?', '#']).next().unwrap_or_default();
            withheld.iter().find(|(path, _)| v.ends_with(&format!("/media/{path}")))
        };
        // A resized copy is `<stem>-w480.<ext>` beside the file.
        let resized = |v: &str| {
            withheld.iter().any(|(path, _)| {
                let stem = path.rsplit_once('.').map_or(path.as_str(), |(stem, _)| stem);
                v.contains(&format!("/media/{stem}-w"))
            })
        };
        match (element, attribute) {
            ("img", "src") => match file(value) {
                Some((_, placeholder)) => Some(placeholder.clone().into()),
                None => Some(value.into()),
            },
            ("img" | "source", "srcset")
                if resized(value)
                    || value
                        .split(',')
                        .any(|c| file(c.trim().split(' ').next().unwrap_or_default()).is_some()) =>
            {
                None
            }
            (_, "srcset") => Some(absolute_srcset(value, &srcset_base).into()),
            _ => kept_attribute(element, attribute, value),
        }
    });
    b.clean(html).to_string()
}

/// A `srcset` with each image's address made absolute against `base`, read as the HTML
/// standard reads the attribute (an address runs to the next white space, and a comma
/// outside parentheses ends a candidate's descriptors). Candidates whose address is not
/// http(s) once resolved are left out.
pub fn absolute_srcset(srcset: &str, base: &url::Url) -> String {
    let mut candidates = Vec::new();
    let mut rest = srcset;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == ',');
        if rest.is_empty() {
            break;
        }
        let end = rest.find(|c: char| c.is_ascii_whitespace()).unwrap_or(rest.len());
        let (mut address, after) = rest.split_at(end);
        rest = after;
        let mut descriptors = "";
        if address.ends_with(',') {
            address = address.trim_end_matches(',');
        } else {
            let mut depth = 0usize;
            let mut stop = rest.len();
            for (i, c) in rest.char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => depth = depth.saturating_sub(1),
                    ',' if depth == 0 => {
                        stop = i;
                        break;
                    }
                    _ => {}
                }
            }
            descriptors = rest[..stop].trim();
            rest = &rest[stop..];
        }
        if let Ok(url) = base.join(address)
            && matches!(url.scheme(), "http" | "https")
        {
            candidates.push(if descriptors.is_empty() {
                url.to_string()
            } else {
                format!("{url} {descriptors}")
            });
        }
    }
    candidates.join(", ")
}

/// Runs html5ever's tokenizer over `html` into `sink`, and gives the sink back.
pub(crate) fn tokenize<S: TokenSink>(html: &str, sink: S) -> S {
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    let tokenizer = Tokenizer::new(sink, Default::default());
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    tokenizer.sink
}

/// The first `max_words` words of the text of `html`, with an ellipsis when cut.
pub fn excerpt_from_html(html: &str, max_words: usize) -> String {
    first_words(&html_to_text(html), max_words)
}

/// The words of an excerpt made from the text when the newsroom wrote none.
pub const EXCERPT_WORDS: usize = 40;

/// The excerpt the newsroom wrote, or empty when the stored one is the text's first words (made
/// at save): the editor offers it empty, so that it follows the text as the text changes.
pub fn own_excerpt(stored: &str, html: &str) -> String {
    if stored == article_excerpt(html, EXCERPT_WORDS) { String::new() } else { stored.to_owned() }
}

/// An article's excerpt when the newsroom wrote none: the first `max_words` words of its
/// paragraphs, so that headings, lists and captions do not run into the sentences ("The
/// numbers Freight volumes fell…"); of all its text when it has no paragraph.
pub fn article_excerpt(html: &str, max_words: usize) -> String {
    struct ParagraphSink {
        out: RefCell<String>,
        depth: RefCell<u32>,
    }
    impl TokenSink for ParagraphSink {
        type Handle = ();
        fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
            match token {
                Token::CharacterTokens(t) if *self.depth.borrow() > 0 => self.out.borrow_mut().push_str(&t),
                Token::TagToken(tag) if &*tag.name == "p" => {
                    let mut depth = self.depth.borrow_mut();
                    match tag.kind {
                        TagKind::StartTag => *depth += 1,
                        TagKind::EndTag => *depth = depth.saturating_sub(1),
                    }
                    self.out.borrow_mut().push(' ');
                }
                Token::TagToken(tag) if &*tag.name == "br" => self.out.borrow_mut().push(' '),
                _ => {}
            }
            TokenSinkResult::Continue
        }
    }
    let sink = ParagraphSink { out: RefCell::new(String::new()), depth: RefCell::new(0) };
    let text = tokenize(html, sink).out.take();
    if text.trim().is_empty() { excerpt_from_html(html, max_words) } else { first_words(&text, max_words) }
}

fn first_words(text: &str, max_words: usize) -> String {
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
    let mut text = String::new();
    read_text(html, |piece| match piece {
        Some(t) => text.push_str(t),
        None => text.push(' '),
    });
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The number of words of [`html_to_text`] (`html_to_text(html).split_whitespace().count()`),
/// counted as the text is read, without making it.
pub fn word_count(html: &str) -> usize {
    let (mut words, mut in_word) = (0, false);
    read_text(html, |piece| match piece {
        Some(t) => {
            for c in t.chars() {
                if c.is_whitespace() {
                    in_word = false;
                } else if !in_word {
                    words += 1;
                    in_word = true;
                }
            }
        }
        None => in_word = false,
    });
    words
}

/// Hands `each` the character data of `html` in order (`Some`), and `None` where a block starts
/// or ends; nothing from `<script>` or `<style>`.
fn read_text(html: &str, each: impl FnMut(Option<&str>)) {
    struct TextSink<F> {
        each: RefCell<F>,
        skip_depth: RefCell<u32>,
    }
    impl<F: FnMut(Option<&str>)> TokenSink for TextSink<F> {
        type Handle = ();
        fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
            match token {
                Token::CharacterTokens(t) if *self.skip_depth.borrow() == 0 => {
                    (self.each.borrow_mut())(Some(&t))
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
                        (self.each.borrow_mut())(None)
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

    tokenize(html, TextSink { each: RefCell::new(each), skip_depth: RefCell::new(0) });
}

/// The text of an article's HTML laid out for the plain-text part of an e-mail: a blank line
/// between blocks, list items marked, and each link's address after its words
/// ("the report <https://…>") so that nothing the reader could follow is lost.
pub fn html_to_plain_text(html: &str) -> String {
    struct PlainSink {
        out: RefCell<String>,
        skip_depth: RefCell<u32>,
        /// The address of each `<a>` open now (`None` for one without an address).
        links: RefCell<Vec<Option<String>>>,
    }
    impl PlainSink {
        fn block_break(&self, blank: bool) {
            let mut out = self.out.borrow_mut();
            let trimmed = out.trim_end_matches([' ', '\t']).len();
            out.truncate(trimmed);
            if out.is_empty() {
                return;
            }
            let want = if blank { "\n\n" } else { "\n" };
            while !out.ends_with(want) {
                out.push('\n');
            }
        }
    }
    impl TokenSink for PlainSink {
        type Handle = ();
        fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
            match token {
                Token::CharacterTokens(t) if *self.skip_depth.borrow() == 0 => {
                    let mut out = self.out.borrow_mut();
                    for word in t.split_inclusive(char::is_whitespace) {
                        let starts_line = out.is_empty() || out.ends_with('\n');
                        let w = if word.trim().is_empty() {
                            if starts_line || out.ends_with(' ') { "" } else { " " }
                        } else {
                            word
                        };
                        if w.ends_with(char::is_whitespace) {
                            out.push_str(w.trim_end());
                            out.push(' ');
                        } else {
                            out.push_str(w);
                        }
                    }
                }
                Token::TagToken(tag) => {
                    let name: &str = &tag.name;
                    let start = tag.kind == TagKind::StartTag;
                    match name {
                        "script" | "style" => {
                            let mut d = self.skip_depth.borrow_mut();
                            if start {
                                *d += 1;
                                return TokenSinkResult::RawData(
                                    html5ever::tokenizer::states::RawKind::Rawtext,
                                );
                            }
                            *d = d.saturating_sub(1);
                        }
                        "a" if start => {
                            let href = tag
                                .attrs
                                .iter()
                                .find(|a| &*a.name.local == "href")
                                .map(|a| a.value.to_string());
                            self.links.borrow_mut().push(href.filter(|h| h.starts_with("http")));
                        }
                        "a" => {
                            if let Some(Some(href)) = self.links.borrow_mut().pop() {
                                let mut out = self.out.borrow_mut();
                                let trimmed = out.trim_end().len();
                                out.truncate(trimmed);
                                out.push_str(&format!(" <{href}>"));
                            }
                        }
                        "br" => self.out.borrow_mut().push('\n'),
                        "li" if start => {
                            self.block_break(false);
                            self.out.borrow_mut().push_str("- ");
                        }
                        "img" if start => {
                            let alt = tag
                                .attrs
                                .iter()
                                .find(|a| &*a.name.local == "alt")
                                .map(|a| a.value.trim().to_owned());
                            if let Some(alt) = alt.filter(|a| !a.is_empty()) {
                                self.block_break(true);
                                self.out.borrow_mut().push_str(&format!("[{alt}]"));
                                self.block_break(true);
                            }
                        }
                        "li" | "ul" | "ol" | "tr" => self.block_break(false),
                        "td" | "th" if start => self.out.borrow_mut().push(' '),
                        _ if !INLINE_ELEMENTS.contains(name) => self.block_break(true),
                        _ => {}
                    }
                }
                _ => {}
            }
            TokenSinkResult::Continue
        }
    }

    let sink = PlainSink {
        out: RefCell::new(String::new()),
        skip_depth: RefCell::new(0),
        links: RefCell::new(Vec::new()),
    };
    let text = tokenize(html, sink).out.take();
    text.lines().map(str::trim_end).collect::<Vec<_>>().join("\n").trim().to_owned()
}

static INLINE_ELEMENTS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    [
        "a", "abbr", "b", "cite", "code", "em", "i", "kbd", "mark", "q", "s", "small", "span", "strong",
        "sub", "sup", "time", "u", "del", "ins", "td", "th",
    ]
    .into_iter()
    .collect()
});

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

/// The origins (`https://host`) of the frames a sanitised body embeds (its figures'
/// `data-embed`, read by the tokenizer: text that looks like one counts for nothing), each
/// once, for the page's `frame-src`.
pub fn frame_origins(html: &str) -> Vec<String> {
    struct FrameSink(RefCell<Vec<String>>);
    impl TokenSink for FrameSink {
        type Handle = ();
        fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
            if let Token::TagToken(tag) = token
                && tag.kind == TagKind::StartTag
                && &*tag.name == "figure"
                && let Some(frame) = tag.attrs.iter().find(|a| &*a.name.local == "data-embed")
                && let Ok(u) = url::Url::parse(&frame.value)
                && u.scheme() == "https"
                && let Some(host) = u.host_str()
            {
                let origin = format!("https://{host}");
                let mut origins = self.0.borrow_mut();
                if !origins.contains(&origin) {
                    origins.push(origin);
                }
            }
            TokenSinkResult::Continue
        }
    }
    if !html.contains("data-embed") {
        return Vec::new();
    }
    tokenize(html, FrameSink(RefCell::new(Vec::new()))).0.take()
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
    tokenize(html, LinkSink(RefCell::new(PageLinks::default()))).0.take()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn right_to_left_text_headings_and_footnotes_keep_what_makes_them_work() {
        let body = render_body(
            BodyFormat::Html,
            r##"<p dir="rtl">نص عربي</p><p dir="sideways">x</p><h2 id="method">Method</h2><p><a href="#method">see</a></p>"##,
        )
        .unwrap();
        assert!(body.html.contains(r#"<p dir="rtl">نص عربي</p>"#), "{}", body.html);
        assert!(!body.html.contains("sideways"), "{}", body.html);
        assert!(
            body.html.contains(r#"<h2 id="art-method">"#) && body.html.contains(r##"href="#art-method""##),
            "{}",
            body.html
        );
        let notes = render_body(BodyFormat::Markdown, "A claim.[^1]\n\n[^1]: The source.").unwrap();
        let target = notes.html.split(r##"href="#"##).nth(1).unwrap().split('"').next().unwrap().to_owned();
        assert!(target.starts_with("art-"), "{}", notes.html);
        assert!(
            notes.html.contains(&format!(r#"id="{target}""#)),
            "the footnote link has its target: {}",
            notes.html
        );
        // Sanitising again (copies that leave the site) prefixes nothing twice.
        let again = sanitize_html(&body.html).unwrap();
        assert!(again.contains(r#"id="art-method""#) && !again.contains("art-art-"), "{again}");
    }

    #[test]
    fn the_editor_s_cards_and_blocks_are_kept_and_frames_only_from_the_allowlist() {
        let source = concat!(
            r#"<figure class="embed" data-embed="https://www.youtube.com/watch?v=dQw4w9WgXcQ"><a href="https://www.youtube.com/watch?v=dQw4w9WgXcQ">video</a><figcaption>The launch</figcaption></figure>"#,
            r#"<figure class="embed" data-embed="https://evil.example/frame"><a href="https://evil.example/">x</a></figure>"#,
            r#"<figure class="image"><img src="/media/2026/12/a.jpg" alt="A"><figcaption>Caption <span class="credit">Photo: Agency</span></figcaption></figure>"#,
            r#"<aside class="pullquote"><p>Said</p></aside><aside class="callout" dir="rtl"><p>Note</p></aside><aside class="sidebar"><p>Plain</p></aside>"#,
            r#"<figure class="embed"><audio controls src="/media/2026/12/talk.mp3"></audio></figure>"#,
            r#"<video controls src="https://tracker.example/v.mp4"></video>"#,
            r##"<p>A claim.<sup id="fnref-1"><a href="#fn-1">1</a></sup></p><section class="footnotes"><ol><li id="fn-1"><p>Source. <a href="#fnref-1">↩</a></p></li></ol></section>"##,
        );
        let out = html(source);
        assert!(
            out.contains(
                r#"<figure class="embed" data-embed="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ">"#
            ),
            "a page address becomes the privacy-enhanced frame: {out}"
        );
        assert!(!out.contains("evil.example/frame"), "{out}");
        assert!(out.contains(r#"<span class="credit">Photo: Agency</span>"#), "{out}");
        assert!(
            out.contains(r#"<aside class="pullquote">"#)
                && out.contains(r#"<aside class="callout" dir="rtl">"#),
            "{out}"
        );
        assert!(!out.contains("sidebar"), "other classes go: {out}");
        assert!(out.contains(r#"<audio controls="" src="/media/2026/12/talk.mp3">"#), "{out}");
        assert!(!out.contains("tracker.example"), "players play our own media only: {out}");
        assert!(
            out.contains(r##"<sup id="art-fnref-1"><a href="#art-fn-1""##)
                && out.contains(r##"<li id="art-fn-1"><p>Source. <a href="#art-fnref-1""##),
            "{out}"
        );
        assert_eq!(frame_origins(&out), vec!["https://www.youtube-nocookie.com".to_owned()]);
        assert!(
            frame_origins(r#"<p>data-embed="https://x.example/"</p>"#).is_empty(),
            "text counts for nothing"
        );
        // Sanitising again (copies) keeps the frame as it is.
        assert_eq!(sanitize_html(&out).unwrap(), out);
    }

    #[test]
    fn an_address_alone_on_a_markdown_line_becomes_its_embed() {
        let out = md(
            "Watch:\n\nhttps://vimeo.com/76979871\n\n<https://youtu.be/dQw4w9WgXcQ>\n\nSee https://vimeo.com/1 too.\n\nhttps://example.com/page\n",
        );
        assert!(out.contains(r#"<figure class="embed" data-embed="https://player.vimeo.com/video/76979871?dnt=1"><a href="https://vimeo.com/76979871""#), "{out}");
        assert!(out.contains(r#"data-embed="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ""#), "{out}");
        assert!(
            out.contains("<p>See https://vimeo.com/1 too.</p>"),
            "an address inside a sentence stays text: {out}"
        );
        assert!(out.contains("<p>https://example.com/page</p>"), "{out}");
    }

    #[test]
    fn images_that_may_not_travel_are_replaced_in_copies() {
        let html = r#"<figure><img src="/media/2026/11/port.jpg" srcset="/media/2026/11/port-w480.jpg 480w, /media/2026/11/port.jpg 1200w" alt="The port"><figcaption>Photo: Agency</figcaption></figure><p><img src="/media/2026/11/portrait.jpg" alt="Portrait"></p>"#;
        let base = url::Url::parse("https://meridian.example/article/x").unwrap();
        let withheld = [("2026/11/port.jpg".to_owned(), "https://meridian.example/r/image/4.svg".to_owned())];
        let copy = absolutize_for_copies(html, &base, &withheld);
        assert!(copy.contains(r#"src="https://meridian.example/r/image/4.svg""#), "{copy}");
        assert!(!copy.contains("port-w480"), "its resized copies go too: {copy}");
        assert!(!copy.contains("/media/2026/11/port.jpg"), "{copy}");
        assert!(copy.contains(r#"alt="The port""#));
        // Another image whose name begins the same way travels.
        assert!(copy.contains(r#"src="https://meridian.example/media/2026/11/portrait.jpg""#), "{copy}");
        assert_eq!(absolutize_for_copies(html, &base, &[]), absolutize(html, &base));
    }

    #[test]
    fn a_body_that_names_no_address_is_its_own_copy() {
        let base = url::Url::parse("https://meridian.example/article/x").unwrap();
        let bodies = [
            md("# Port volumes\n\nShips *waited* **three** days & nights; \"fees\" rose < 5% > 2%.\n\n\
                ## Élan\n\n> A quote.\n>\n> — Minister\n\n- one\n- two\n  1. nested\n\n\
                | a | b |\n|---|:-:|\n| 1 | 2 |\n\n\
                Line  \nbreak, `code`, ~~gone~~, 10\u{a0}km, ٍعربي, 日本語.\n\n---\n\nEnd.[^1]\n"),
            html(
                "<section><h3 id=\"part\" dir=\"RTL\">Part</h3><aside class=\"pullquote\"><p>Said.</p></aside>\
                  <table><tr><td colspan=\"2\">x</td></tr></table><p>a<br>b</p>\
                  <time datetime=\"2026-12-03\">today</time><span class=\"credit\">Photo</span></section>",
            ),
        ];
        for body in bodies {
            assert!(!body.contains("href=") && !body.contains("src") && !body.contains("<pre"), "{body}");
            // What the cleaner would write is the body itself, byte for byte.
            assert_eq!(absolutize(&body, &base), body);
            assert_eq!(absolutize_for_copies(&body, &base, &[]), body);
        }
        // One with a `<pre>` is written by the cleaner, as before.
        let code = html("<pre>\n\nindented</pre>");
        assert_eq!(absolutize_for_copies(&code, &base, &[]), absolutize(&code, &base));
        // A body that names one still has it made absolute.
        let linked = md("See [the port](/article/port).");
        assert!(absolutize_for_copies(&linked, &base, &[]).contains("https://meridian.example/article/port"));
    }

    fn md(s: &str) -> String {
        render_body(BodyFormat::Markdown, s).unwrap().html
    }

    fn html(s: &str) -> String {
        render_body(BodyFormat::Html, s).unwrap().html
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

        let out = absolutize(
            r#"<img src="/media/a.jpg" srcset="/media/a-w480.jpg 480w, a-w960.jpg 960w" alt="A">"#,
            &base,
        );
        assert!(
            out.contains(r#"srcset="https://meridian.example/media/a-w480.jpg 480w, https://meridian.example/article/a-w960.jpg 960w""#),
            "{out}"
        );

        // The next copy, of another site's article on the same thread, resolves against its own.
        let other: url::Url = "https://harbour.example/news/y".parse().unwrap();
        let out =
            absolutize(r#"<a href="z">z</a><img src="/i.jpg" srcset="/i-w480.jpg 480w" alt="">"#, &other);
        assert!(out.contains(r#"href="https://harbour.example/news/z""#), "{out}");
        assert!(out.contains(r#"srcset="https://harbour.example/i-w480.jpg 480w""#), "{out}");
    }

    #[test]
    fn every_candidate_of_a_srcset_is_read_as_browsers_read_it() {
        let base: url::Url = "https://meridian.example/article/x".parse().unwrap();
        let abs = |s: &str| absolute_srcset(s, &base);
        assert_eq!(abs("/a.jpg"), "https://meridian.example/a.jpg");
        assert_eq!(
            abs(" /a.jpg 1x ,/b.jpg  2x"),
            "https://meridian.example/a.jpg 1x, https://meridian.example/b.jpg 2x"
        );
        // An address runs to white space, commas and all; commas at its end end the candidate.
        assert_eq!(
            abs("/a.jpg,, /b,c.jpg 2x"),
            "https://meridian.example/a.jpg, https://meridian.example/b,c.jpg 2x"
        );
        assert_eq!(abs("/a.jpg,/b.jpg 2x"), "https://meridian.example/a.jpg,/b.jpg 2x");
        // A comma inside parentheses belongs to the descriptor.
        assert_eq!(
            abs("/a.jpg (x, y), /b.jpg"),
            "https://meridian.example/a.jpg (x, y), https://meridian.example/b.jpg"
        );
        assert_eq!(abs("https://cdn.example/a.jpg 2x"), "https://cdn.example/a.jpg 2x");
        assert_eq!(
            abs("javascript:alert(1) 1x, data:image/png;base64,AAAA 2x, /ok.jpg 3x"),
            "https://meridian.example/ok.jpg 3x"
        );
        assert_eq!(abs(""), "");
        assert_eq!(abs(" , ,"), "");
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

    fn too_deep(result: Result<RenderedBody, BodyRefusal>) -> (String, u64) {
        match result {
            Err(BodyRefusal::TooDeep { what, limit, line }) => {
                assert_eq!(limit, MAX_NESTING);
                (what, line)
            }
            other => panic!("expected a refusal for nesting, got {other:?}"),
        }
    }

    #[test]
    fn deeply_nested_markdown_quotes_are_refused_saying_what_and_where() {
        let source = format!("A first line.\n\n{} the end\n", ">".repeat(20_000));
        let refusal = render_body(BodyFormat::Markdown, &source).unwrap_err();
        assert_eq!(
            refusal.to_string(),
            "the text nests quotes more than 100 levels deep (line 3); at most 100 levels are allowed"
        );
        let lists = format!("{}x\n", "- ".repeat(5_000));
        assert_eq!(too_deep(render_body(BodyFormat::Markdown, &lists)).0, "lists");
    }

    #[test]
    fn deeply_nested_html_is_refused_before_sanitising() {
        let (what, line) = too_deep(render_body(BodyFormat::Html, &"<div>".repeat(100_000)));
        assert_eq!((what.as_str(), line), ("`<div>` elements", 1));
        assert!(sanitize_html(&"<div>".repeat(100_000)).is_err());
        // Raw HTML inside Markdown is measured too.
        let source = format!("Intro.\n\n{}\n", "<blockquote>".repeat(10_000));
        too_deep(render_body(BodyFormat::Markdown, &source));
        // End tags of elements that are not open close nothing, in the tree or in the count.
        too_deep(render_body(BodyFormat::Html, &"<div></span></b>".repeat(1_000)));
        // Unclosed formatting elements are reopened in every following block: shallow tags,
        // a deep tree.
        let reopened: String = (0..5_000).map(|i| format!("<div><b id=b{i}>x</div>")).collect();
        too_deep(render_body(BodyFormat::Html, &reopened));
    }

    #[test]
    fn nesting_up_to_the_limit_is_kept() {
        let at_limit = format!("{}deep{}", "<div>".repeat(MAX_NESTING), "</div>".repeat(MAX_NESTING));
        assert!(html(&at_limit).contains("deep"));
        too_deep(render_body(BodyFormat::Html, &format!("<div>{at_limit}</div>")));
        // Siblings, closed or left open where HTML allows it, do not add up.
        assert!(html(&"<div>a</div>".repeat(5_000)).contains("a"));
        assert!(html(&"<p>para".repeat(5_000)).contains("<p>para</p>"));
        assert!(html(&format!("<ul>{}</ul>", "<li>item".repeat(5_000))).contains("<li>item</li>"));
        assert!(html(&format!("<table>{}</table>", "<tr><td>c".repeat(5_000))).contains("c"));
        assert!(html(&"<img src=/a.png alt=A><br>".repeat(5_000)).contains("<br>"));
        // What a script or style holds is text, not elements.
        let out = html(&format!("<script>{}</script><p>after</p>", "<div>".repeat(5_000)));
        assert!(out.contains("<p>after</p>") && !out.contains("div"), "{out}");
        assert!(md(&format!("{} quoted\n", ">".repeat(40))).contains("quoted"));
    }

    #[test]
    fn bodies_past_the_size_limit_are_refused() {
        let big = "a".repeat(MAX_BODY_BYTES + 1);
        assert_eq!(
            render_body(BodyFormat::Markdown, &big).unwrap_err(),
            BodyRefusal::TooLarge { size: MAX_BODY_BYTES + 1, limit: MAX_BODY_BYTES }
        );
        assert!(check_limits(BodyFormat::Html, &big).is_err());
        assert!(check_limits(BodyFormat::Html, "<p>fine</p>").is_ok());
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

    #[test]
    fn the_word_count_is_that_of_the_text() {
        for (html, words) in [
            ("", 0),
            ("<p>a &amp; b</p><script>one two</script><p>c</p>", 4),
            // Inline elements do not split a word; blocks do, even with no space between.
            ("<p>un<em>break</em>able</p><p>next</p>", 2),
            ("<p>one</p><p>two</p><ul><li>three<li>four</ul>", 4),
            ("<p>\u{a0}non\u{a0}breaking\u{2003}spaces </p>", 3),
            ("<style>p { x: y }</style>  <h2>Heading</h2>text<br>after", 3),
        ] {
            assert_eq!(word_count(html), words, "{html}");
            assert_eq!(word_count(html), html_to_text(html).split_whitespace().count(), "{html}");
        }
    }

    #[test]
    fn an_article_s_excerpt_is_made_of_its_paragraphs() {
        let h = md("## The numbers

- Freight volumes fell by a fifth
- Two of three ports closed

The quarter was the worst since 2009. Exports <em>held</em>.

> A quote.");
        assert_eq!(article_excerpt(&h, 40), "The quarter was the worst since 2009. Exports held. A quote.");
        assert_eq!(article_excerpt(&h, 3), "The quarter was…");
        // A text without paragraphs still has an excerpt.
        assert_eq!(article_excerpt("<ul><li>Only</li><li>a list</li></ul>", 40), "Only a list");
        assert_eq!(article_excerpt("<p>One<br>line</p>", 40), "One line");
    }
}

/// Generated hostile bodies: the renderer never panics, and what it lets through can run
/// nothing, grows at most by a fixed factor, and nests within the limit.
#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    /// Pieces that attacks and broken markup are made of, mixed with arbitrary text.
    fn hostile() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("<script>alert(1)</script>".to_owned()),
            Just("<SCRIPT SRC=//evil.example/x.js>".to_owned()),
            Just("<img src=x onerror=alert(1)>".to_owned()),
            Just("<a href=\"javascript:alert(1)\">".to_owned()),
            Just("<a href=\"java&#x09;script:alert(1)\">".to_owned()),
            Just("<a href=' JaVaScRiPt:alert(1)'>".to_owned()),
            Just("[x](javascript:alert(1))".to_owned()),
            Just("![x](javascript:alert(1))".to_owned()),
            Just("<svg onload=alert(1)><g/>".to_owned()),
            Just("<math><mi><mglyph><style><img src=x onerror=alert(1)>".to_owned()),
            Just("<iframe src=javascript:alert(1)>".to_owned()),
            Just("<style>*{x:expression(alert(1))}</style>".to_owned()),
            Just("<p onclick=x()>".to_owned()),
            Just("<div>".to_owned()),
            Just("</div>".to_owned()),
            Just("<b id=x>".to_owned()),
            Just("</b>".to_owned()),
            Just("<table><tr><td>".to_owned()),
            Just("<!--".to_owned()),
            Just("-->".to_owned()),
            Just("<![CDATA[".to_owned()),
            Just("> ".to_owned()),
            Just("- ".to_owned()),
            Just("\n".to_owned()),
            Just("\"'<>&".to_owned()),
            "\\PC{0,12}",
        ];
        prop::collection::vec(piece, 0..48).prop_map(|p| p.concat())
    }

    /// Markup that names no address (text, blocks, tables, comments, broken nesting), mixed
    /// with arbitrary text: what most bodies are made of.
    fn markup() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("<div>".to_owned()),
            Just("</div>".to_owned()),
            Just("<b id=x>".to_owned()),
            Just("</b>".to_owned()),
            Just("<p dir=RTL>".to_owned()),
            Just("<table><tr><td colspan=2>".to_owned()),
            Just("<aside class=pullquote>".to_owned()),
            Just("<pre>\n\n".to_owned()),
            Just("<!--".to_owned()),
            Just("-->".to_owned()),
            Just("# ".to_owned()),
            Just("**".to_owned()),
            Just("`".to_owned()),
            Just("| a | b |\n|---|---|\n".to_owned()),
            Just("> ".to_owned()),
            Just("- ".to_owned()),
            Just("\n".to_owned()),
            Just("\u{a0}".to_owned()),
            Just("\"'<>&".to_owned()),
            "\\PC{0,12}",
        ];
        prop::collection::vec(piece, 0..48).prop_map(|p| p.concat())
    }

    /// A tag's name and its attributes' names and values.
    type Tag = (String, Vec<(String, String)>);

    /// Every tag of `html` with its attributes, read by the tokenizer.
    fn tags(html: &str) -> Vec<Tag> {
        struct Tags(RefCell<Vec<Tag>>);
        impl TokenSink for Tags {
            type Handle = ();
            fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
                if let Token::TagToken(tag) = token {
                    let attrs = tag.attrs.iter().map(|a| (a.name.local.to_string(), a.value.to_string()));
                    self.0.borrow_mut().push((tag.name.to_string(), attrs.collect()));
                }
                TokenSinkResult::Continue
            }
        }
        tokenize(html, Tags(RefCell::new(Vec::new()))).0.take()
    }

    fn assert_inert(html: &str) {
        for (name, attrs) in tags(html) {
            assert!(
                !matches!(name.as_str(), "script" | "style" | "iframe" | "svg" | "math"),
                "<{name}> in {html}"
            );
            for (attr, value) in attrs {
                assert!(!attr.starts_with("on"), "{attr} on <{name}> in {html}");
                let value: String =
                    value.chars().filter(|c| !c.is_whitespace() && !c.is_control()).collect::<String>();
                if matches!(attr.as_str(), "href" | "src" | "srcset" | "cite") {
                    assert!(!value.to_lowercase().starts_with("javascript:"), "{attr}={value} in {html}");
                }
            }
        }
        assert!(!html.to_lowercase().contains("<script"), "{html}");
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn hostile_html_comes_out_inert_bounded_and_shallow(source in hostile()) {
            if let Ok(body) = render_body(BodyFormat::Html, &source) {
                assert_inert(&body.html);
                prop_assert!(body.html.len() <= 16 * source.len() + 64, "{} -> {}", source.len(), body.html.len());
                prop_assert!(check_html_nesting(&body.html).is_ok());
            }
        }

        #[test]
        fn hostile_markdown_comes_out_inert_bounded_and_shallow(source in hostile()) {
            if let Ok(body) = render_body(BodyFormat::Markdown, &source) {
                assert_inert(&body.html);
                prop_assert!(body.html.len() <= 16 * source.len() + 64, "{} -> {}", source.len(), body.html.len());
                prop_assert!(check_html_nesting(&body.html).is_ok());
            }
        }

        #[test]
        fn a_copy_is_what_the_cleaner_writes_whether_or_not_it_takes_the_pass(
            source in prop_oneof![markup(), hostile()],
            markdown: bool,
        ) {
            let format = if markdown { BodyFormat::Markdown } else { BodyFormat::Html };
            if let Ok(body) = render_body(format, &source) {
                let base = url::Url::parse("https://meridian.example/article/x").unwrap();
                prop_assert_eq!(absolutize_for_copies(&body.html, &base, &[]), absolutize(&body.html, &base));
            }
        }

        #[test]
        fn nesting_past_the_limit_is_refused_whatever_wraps_it(
            open in prop::sample::select(vec!["<div>", "<blockquote>", "<ul><li>", "<b id=a>x<div>", "<table><tr><td>"]),
            extra in 1usize..200,
        ) {
            let source = open.repeat(MAX_NESTING + extra);
            prop_assert!(
                matches!(render_body(BodyFormat::Html, &source), Err(BodyRefusal::TooDeep { .. })),
                "{open} × {}", MAX_NESTING + extra
            );
        }
    }
    #[test]
    fn plain_text_for_email_keeps_blocks_lists_and_link_addresses() {
        let html = "<h2>The numbers</h2><p>Freight volumes <em>fell</em> by a fifth, says \
                    <a href=\"https://example.org/report\">the report</a>.</p>\
                    <ul><li>Two of three</li><li>One more</li></ul><script>alert(1)</script>\
                    <p>Last<br>line</p>";
        assert_eq!(
            html_to_plain_text(html),
            "The numbers\n\nFreight volumes fell by a fifth, says the report <https://example.org/report>.\n\n\
             - Two of three\n- One more\n\nLast\nline"
        );
    }
}
