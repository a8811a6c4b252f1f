//! WordPress shortcodes (`[caption]`, `[embed]`, `[gallery]`, `[audio]`, `[video]`, and whatever
//! plugins added) and the whole path from a post's stored `content:encoded` to HTML, in
//! WordPress's order: block comments out, bare URLs to embeds, paragraphs for classic content,
//! then shortcodes.
//!
//! Five shortcodes have a meaning here; every other one is kept as text exactly as written and
//! reported, so that an editor can see what a plugin used to render. Embeds of the providers the
//! allowlist knows (`masthead_core::embed`) become the editor's click-to-load embed cards, the
//! block editor's embed blocks with their captions; others become links, never iframes. Nothing here fetches, and nothing sanitises: the caller does, when it saves.

use url::Url;

use crate::html::escape;
use crate::wpautop::wpautop;

/// A media item as a shortcode needs it: WordPress's attachment post.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Attachment {
    pub url: String,
    pub alt: String,
    pub caption: String,
}

/// What a post's shortcodes may show: the export's attachments by id, and the post's own
/// attached images (those whose parent it is), in WordPress's order (menu order, then id), for
/// a `[gallery]` that names none.
pub struct Attachments<'a> {
    pub by_id: &'a dyn Fn(i64) -> Option<Attachment>,
    pub attached: &'a [i64],
}

impl std::fmt::Debug for Attachments<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Attachments").field("attached", &self.attached).finish_non_exhaustive()
    }
}

/// HTML with the shortcodes expanded, and what could not be.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Expanded {
    pub html: String,
    /// One entry per occurrence: the shortcode's name, or `gallery:ID` for a gallery image
    /// that is not among the attachments.
    pub unknown: Vec<String>,
}

/// A post's stored content (`content:encoded`) as HTML, the way WordPress shows it: block
/// editor comments removed, URLs alone on a line turned into embeds, classic-editor content
/// given its paragraphs (`wpautop`, only when the content has no block comments: block content
/// has its HTML already), and shortcodes expanded.
pub fn wordpress_body(raw: &str, attachments: &Attachments<'_>) -> Expanded {
    let block_editor = raw.contains("<!-- wp:");
    let body = if block_editor { embed_blocks(raw) } else { raw.to_owned() };
    // Audio and video blocks are the editor's own audio and video cards: the player plays once
    // the file is in the media library (an import with the site's files puts it there).
    let body = body
        .replace("<figure class=\"wp-block-audio", "<figure class=\"embed wp-block-audio")
        .replace("<figure class=\"wp-block-video", "<figure class=\"embed wp-block-video");
    let body = strip_editor_comments(&body);
    let body = autoembed(&body);
    let body = if block_editor { body.trim().to_owned() } else { wpautop(&body) };
    expand(&body, attachments)
}

/// The block editor's embed blocks (`<!-- wp:embed {"url": …} -->`, and the older
/// `wp:core-embed/…`) of a provider the embed allowlist knows, as the editor's embed card with
/// the block's caption; others are left for the link they become.
fn embed_blocks(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(start) = rest.find("<!-- wp:embed ").or_else(|| rest.find("<!-- wp:core-embed/")) {
        out.push_str(&rest[..start]);
        let block = &rest[start..];
        let replaced = (|| {
            let open_end = block.find("-->")?;
            let open = &block[..open_end];
            let json = &open[open.find('{')?..];
            let url =
                serde_json::from_str::<serde_json::Value>(json.trim()).ok()?.get("url")?.as_str()?.to_owned();
            let name_end = open[5..].find([' ', '{']).map(|n| n + 5)?;
            let closing = format!("<!-- /{} -->", open[5..name_end].trim());
            let close = block.find(&closing)?;
            let inner = &block[open_end + 3..close];
            let caption = match (inner.find("<figcaption"), inner.find("</figcaption>")) {
                (Some(a), Some(b)) if a < b => {
                    inner[a..b].split_once('>').map(|(_, c)| c).unwrap_or_default()
                }
                _ => "",
            };
            let embed = masthead_core::embed::recognise(&url.replace("&amp;", "&")).ok()?;
            let mut figure = masthead_core::embed::figure_html(&embed, "");
            if !caption.trim().is_empty() {
                figure.truncate(figure.len() - "</figure>".len());
                figure.push_str(&format!("<figcaption>{}</figcaption></figure>", caption.trim()));
            }
            Some((figure, close + closing.len()))
        })();
        match replaced {
            Some((figure, used)) => {
                out.push_str(&figure);
                rest = &block[used..];
            }
            None => {
                out.push_str(&block[..4]);
                rest = &block[4..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Removes the block editor's `<!-- wp:... -->` and `<!-- /wp:... -->` comments and the
/// `<!--more-->`, `<!--nextpage-->` and `<!--noteaser-->` markers: they delimit, they show
/// nothing.
fn strip_editor_comments(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    while let Some(found) = raw[i..].find("<!--") {
        let start = i + found;
        out.push_str(&raw[i..start]);
        let inside = raw[start + 4..].trim_start();
        let editor = ["wp:", "/wp:", "more", "nextpage", "noteaser"].iter().any(|p| inside.starts_with(p));
        match raw[start..].find("-->").filter(|_| editor) {
            Some(end) => {
                i = start + end + 3;
                if raw[i..].starts_with('\n') {
                    i += 1;
                }
            }
            None => {
                out.push_str("<!--");
                i = start + 4;
            }
        }
    }
    out.push_str(&raw[i..]);
    out
}

/// A URL alone on its line is an embed for WordPress (its oEmbed filter runs before the
/// paragraphs are made); writing it as `[embed]` lets one rule turn both into a link.
fn autoembed(text: &str) -> String {
    if !text.contains("http") {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let body = line.trim();
        let is_url = (body.starts_with("http://") || body.starts_with("https://"))
            && !body.contains(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"'));
        if is_url {
            let lead = &line[..line.len() - line.trim_start().len()];
            let trail = &line[line.trim_end().len()..];
            out.push_str(lead);
            out.push_str("[embed]");
            out.push_str(body);
            out.push_str("[/embed]");
            out.push_str(trail);
        } else {
            out.push_str(line);
        }
    }
    out
}

/// One shortcode as written.
#[derive(Debug, PartialEq, Eq)]
struct Shortcode<'a> {
    name: &'a str,
    /// Named attributes with lowercased names; positional ones (`[name flag]`) have no name.
    attributes: Vec<(Option<String>, String)>,
    /// The opening tag as written: `[name ...]`.
    open: &'a str,
    /// The enclosed content and the closing tag, for `[name]...[/name]`.
    content: Option<(&'a str, &'a str)>,
    /// Byte offset after the shortcode.
    end: usize,
}

impl Shortcode<'_> {
    fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find(|(n, _)| n.as_deref() == Some(name)).map(|(_, v)| v.as_str())
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// The shortcode starting at `i` (at a `[`), if that is one.
fn shortcode_at(text: &str, i: usize) -> Option<Shortcode<'_>> {
    let rest = text.get(i..)?.strip_prefix('[')?;
    let name_len = rest.find(|c: char| !is_name_char(c)).unwrap_or(rest.len());
    let name = &rest[..name_len];
    // Names start with a letter: "[1]" and "[-]" are prose, not shortcodes.
    if !name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        return None;
    }
    let after = &rest[name_len..];
    if !after.starts_with(|c: char| c == ']' || c == '/' || c.is_whitespace()) {
        return None;
    }
    let close = after.find(']')?;
    let inside = &after[..close];
    if inside.contains('[') {
        return None;
    }
    let (inside, self_closing) = match inside.strip_suffix('/') {
        Some(inside) => (inside, true),
        None => (inside, false),
    };
    let open_end = i + 1 + name_len + close + 1;
    let open = &text[i..open_end];
    let attributes = parse_attributes(inside);
    let closing_tag = format!("[/{name}]");
    let content = if self_closing {
        None
    } else {
        text[open_end..].find(&closing_tag).map(|p| {
            let content_end = open_end + p;
            (&text[open_end..content_end], &text[content_end..content_end + closing_tag.len()])
        })
    };
    let end = match content {
        Some((c, closing)) => open_end + c.len() + closing.len(),
        None => open_end,
    };
    Some(Shortcode { name, attributes, open, content, end })
}

/// WordPress's `shortcode_parse_atts`: `a="v"`, `a='v'`, `a=v`, and positional values.
fn parse_attributes(s: &str) -> Vec<(Option<String>, String)> {
    let mut attributes = Vec::new();
    let mut rest = s.trim_start();
    while !rest.is_empty() {
        if let Some(quote) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') {
            let (value, after) = quoted(&rest[1..], quote);
            attributes.push((None, value.to_owned()));
            rest = after.trim_start();
            continue;
        }
        let name_len = rest.find(|c: char| !is_name_char(c)).unwrap_or(rest.len());
        let after_name = rest[name_len..].trim_start();
        if name_len > 0 && after_name.starts_with('=') {
            let name = rest[..name_len].to_ascii_lowercase();
            let value_start = after_name[1..].trim_start();
            let (value, after) = match value_start.chars().next() {
                Some(q @ ('"' | '\'')) => quoted(&value_start[1..], q),
                _ => {
                    let end = value_start.find(char::is_whitespace).unwrap_or(value_start.len());
                    (&value_start[..end], &value_start[end..])
                }
            };
            attributes.push((Some(name), value.to_owned()));
            rest = after.trim_start();
        } else {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            attributes.push((None, rest[..end].to_owned()));
            rest = rest[end..].trim_start();
        }
    }
    attributes
}

/// The value up to the closing quote (or the end), and what follows it.
fn quoted(s: &str, quote: char) -> (&str, &str) {
    match s.find(quote) {
        Some(end) => (&s[..end], &s[end + 1..]),
        None => (s, ""),
    }
}

/// Expands `[caption]`, `[embed]` and `[gallery]`; keeps any other shortcode as written and
/// lists it in [`Expanded::unknown`]. `[[name]]` is WordPress's escape and prints `[name]`.
/// `attachments` gives a gallery its images.
pub fn expand(html: &str, attachments: &Attachments<'_>) -> Expanded {
    let mut expanded = Expanded::default();
    expanded.html = expand_into(html, attachments, &mut expanded.unknown);
    expanded
}

fn expand_into(text: &str, attachments: &Attachments<'_>, unknown: &mut Vec<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while let Some(found) = text[i..].find('[') {
        let start = i + found;
        out.push_str(&text[i..start]);
        // `[[name]]`: the shortcode printed, not run.
        if text[start..].starts_with("[[")
            && let Some(inner) = shortcode_at(text, start + 1)
            && text[inner.end..].starts_with(']')
        {
            out.push_str(&text[start + 1..inner.end]);
            i = inner.end + 1;
            continue;
        }
        let Some(code) = shortcode_at(text, start) else {
            out.push('[');
            i = start + 1;
            continue;
        };
        i = code.end;
        match render(&code, attachments, unknown) {
            Rendered::Block(html) => {
                // WordPress's shortcode_unautop: a block alone in a paragraph leaves the
                // paragraph, which could not hold it.
                let before = out.trim_end();
                let after = text[i..].trim_start();
                if before.ends_with("<p>") && after.starts_with("</p>") {
                    out.truncate(before.len() - 3);
                    i = text.len() - after.len() + 4;
                }
                out.push_str(&html);
            }
            Rendered::Inline(html) => out.push_str(&html),
        }
    }
    out.push_str(&text[i..]);
    out
}

enum Rendered {
    Block(String),
    Inline(String),
}

fn render(code: &Shortcode<'_>, attachments: &Attachments<'_>, unknown: &mut Vec<String>) -> Rendered {
    match code.name {
        "caption" | "wp_caption" => caption(code, attachments, unknown),
        "embed" => match code.content.and_then(|(c, _)| embed_link(c)) {
            Some(html) => Rendered::Block(html),
            None => keep(code, attachments, unknown),
        },
        "gallery" => gallery(code, attachments, unknown),
        "audio" | "video" => match player(code) {
            Some(html) => Rendered::Block(html),
            None => keep(code, attachments, unknown),
        },
        _ => keep(code, attachments, unknown),
    }
}

/// An unknown shortcode stays as written; shortcodes inside it are still expanded.
fn keep(code: &Shortcode<'_>, attachments: &Attachments<'_>, unknown: &mut Vec<String>) -> Rendered {
    unknown.push(code.name.to_owned());
    let mut html = code.open.to_owned();
    if let Some((content, closing)) = code.content {
        html.push_str(&expand_into(content, attachments, unknown));
        html.push_str(closing);
    }
    Rendered::Inline(html)
}

fn caption(code: &Shortcode<'_>, attachments: &Attachments<'_>, unknown: &mut Vec<String>) -> Rendered {
    let content = code.content.map(|(c, _)| c).unwrap_or_default();
    let (media, text) = match code.attribute("caption") {
        Some(text) => (content.trim(), text),
        None => split_caption(content),
    };
    let media = expand_into(media, attachments, unknown);
    let text = expand_into(text.trim(), attachments, unknown);
    if text.is_empty() {
        return Rendered::Block(media);
    }
    Rendered::Block(format!("<figure class=\"wp-caption\">{media}<figcaption>{text}</figcaption></figure>"))
}

/// The image (perhaps in a link) and the caption text after it, as WordPress's
/// `img_caption_shortcode` cuts them.
fn split_caption(content: &str) -> (&str, &str) {
    let Some(img) = content.find("<img") else { return (content, "") };
    let Some(img_end) = content[img..].find('>').map(|p| img + p + 1) else { return (content, "") };
    let mut start = img;
    let mut end = img_end;
    if let Some(a) = content[..img].rfind("<a ")
        && let Some(a_end) = content[a..img].find('>').map(|p| a + p + 1)
        && content[a_end..img].trim().is_empty()
    {
        let after = content[img_end..].trim_start();
        if after.starts_with("</a>") {
            start = a;
            end = content.len() - after.len() + 4;
        }
    }
    (&content[start..end], &content[end..])
}

fn embed_link(content: &str) -> Option<String> {
    let url = content.trim().replace("&amp;", "&").replace("&#038;", "&");
    let parsed = Url::parse(&url).ok().filter(|u| matches!(u.scheme(), "http" | "https"))?;
    // A provider the allowlist knows becomes the editor's click-to-load embed card.
    if let Ok(embed) = masthead_core::embed::recognise(parsed.as_str()) {
        return Some(masthead_core::embed::figure_html(&embed, ""));
    }
    let url = escape(parsed.as_str());
    Some(format!("<p><a href=\"{url}\">{url}</a></p>"))
}

/// `[audio mp3="…"]` and `[video mp4="…"]` (or `src`, or another format's attribute) as the
/// player WordPress shows; the importer then brings the file into the media library, or makes
/// it a link.
fn player(code: &Shortcode<'_>) -> Option<String> {
    let formats: &[&str] = match code.name {
        "audio" => &["src", "mp3", "m4a", "ogg", "oga", "wav"],
        _ => &["src", "mp4", "m4v", "webm", "ogv", "mov"],
    };
    let src = formats.iter().find_map(|f| code.attribute(f)).map(str::trim).filter(|s| !s.is_empty())?;
    Some(format!(
        "<figure class=\"embed\"><{tag} controls src=\"{src}\"></{tag}></figure>",
        tag = code.name,
        src = escape(src)
    ))
}

fn gallery(code: &Shortcode<'_>, attachments: &Attachments<'_>, unknown: &mut Vec<String>) -> Rendered {
    let named: Vec<i64> = code
        .attribute("ids")
        .or(code.attribute("include"))
        .unwrap_or_default()
        .split(',')
        .filter_map(|id| id.trim().parse().ok())
        .collect();
    // Without ids a gallery shows the post's attached images, less those it excludes.
    let ids = if named.is_empty() {
        let excluded: Vec<i64> = code
            .attribute("exclude")
            .unwrap_or_default()
            .split(',')
            .filter_map(|id| id.trim().parse().ok())
            .collect();
        attachments.attached.iter().copied().filter(|id| !excluded.contains(id)).collect()
    } else {
        named
    };
    if ids.is_empty() {
        unknown.push("gallery".to_owned());
        return Rendered::Block(String::new());
    }
    let mut images = String::new();
    for id in ids {
        match (attachments.by_id)(id) {
            Some(a) => {
                images.push_str(&format!("<img src=\"{}\" alt=\"{}\">", escape(&a.url), escape(&a.alt)));
            }
            None => unknown.push(format!("gallery:{id}")),
        }
    }
    if images.is_empty() {
        return Rendered::Block(String::new());
    }
    Rendered::Block(format!("<figure class=\"gallery\">{images}</figure>"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nothing(_: i64) -> Option<Attachment> {
        None
    }

    const NONE: Attachments<'static> = Attachments { by_id: &nothing, attached: &[] };
    const TWO: Attachments<'static> = Attachments { by_id: &two_by_id, attached: &[13, 12] };

    fn two_by_id(id: i64) -> Option<Attachment> {
        match id {
            12 => Some(Attachment {
                url: "https://x.example/a.jpg".into(),
                alt: "Bridge \"Old\"".into(),
                caption: "".into(),
            }),
            13 => {
                Some(Attachment { url: "https://x.example/b.jpg".into(), alt: "".into(), caption: "".into() })
            }
            _ => None,
        }
    }

    #[test]
    fn attributes_in_every_quoting_style() {
        let code = shortcode_at(r#"[name attr="v 1" Attr2='v2' attr3=v3 flag "pos"]"#, 0).unwrap();
        assert_eq!(code.name, "name");
        assert_eq!(
            code.attributes,
            [
                (Some("attr".to_owned()), "v 1".to_owned()),
                (Some("attr2".to_owned()), "v2".to_owned()),
                (Some("attr3".to_owned()), "v3".to_owned()),
                (None, "flag".to_owned()),
                (None, "pos".to_owned()),
            ]
        );
        assert_eq!(code.content, None);
    }

    #[test]
    fn enclosing_and_self_closing_forms() {
        let code = shortcode_at("[box]inner [b]x[/b][/box] after", 0).unwrap();
        assert_eq!(code.content, Some(("inner [b]x[/b]", "[/box]")));
        assert_eq!(code.end, "[box]inner [b]x[/b][/box]".len());
        let code = shortcode_at("[box /] then [/box]", 0).unwrap();
        assert_eq!(code.content, None);
        assert_eq!(code.open, "[box /]");
    }

    #[test]
    fn brackets_in_prose_are_not_shortcodes() {
        let e = expand("See note [1] and [ sic ] here", &NONE);
        assert_eq!(e.html, "See note [1] and [ sic ] here");
        assert!(e.unknown.is_empty());
    }

    #[test]
    fn caption_with_text_after_the_image() {
        let e = expand(
            r#"[caption id="attachment_12" align="alignnone" width="300"]<img src="a.jpg" alt="A" /> The bridge at dusk[/caption]"#,
            &NONE,
        );
        assert_eq!(
            e.html,
            r#"<figure class="wp-caption"><img src="a.jpg" alt="A" /><figcaption>The bridge at dusk</figcaption></figure>"#
        );
        assert!(e.unknown.is_empty());
    }

    #[test]
    fn caption_with_a_linked_image_and_a_caption_attribute() {
        let e = expand(
            r#"[caption caption="From the air"]<a href="big.jpg"> <img src="a.jpg" /> </a>[/caption]"#,
            &NONE,
        );
        assert_eq!(
            e.html,
            r#"<figure class="wp-caption"><a href="big.jpg"> <img src="a.jpg" /> </a><figcaption>From the air</figcaption></figure>"#
        );
        let e = expand(r#"[caption]<a href="big.jpg"><img src="a.jpg" /></a> Aerial view[/caption]"#, &NONE);
        assert_eq!(
            e.html,
            r#"<figure class="wp-caption"><a href="big.jpg"><img src="a.jpg" /></a><figcaption>Aerial view</figcaption></figure>"#
        );
    }

    #[test]
    fn caption_without_text_is_just_the_image() {
        assert_eq!(
            expand(r#"[caption width="10"]<img src="a.jpg" />[/caption]"#, &NONE).html,
            r#"<img src="a.jpg" />"#
        );
    }

    #[test]
    fn embed_becomes_an_embed_card_or_a_link_never_a_frame() {
        let e = expand("[embed width=\"640\"]https://www.youtube.com/watch?v=abc&amp;t=5[/embed]", &NONE);
        assert_eq!(
            e.html,
            r#"<p><a href="https://www.youtube.com/watch?v=abc&amp;t=5">https://www.youtube.com/watch?v=abc&amp;t=5</a></p>"#,
            "not a video's address: a link"
        );
        let e = expand("<p>[embed]https://example.com/page[/embed]</p>", &NONE);
        assert_eq!(
            e.html, r#"<p><a href="https://example.com/page">https://example.com/page</a></p>"#,
            "no paragraph in a paragraph"
        );
        let e = expand("<p>[embed]https://vimeo.com/76979871[/embed]</p>", &NONE);
        assert_eq!(
            e.html,
            r#"<figure class="embed" data-embed="https://player.vimeo.com/video/76979871?dnt=1"><a href="https://vimeo.com/76979871">https://vimeo.com/76979871</a></figure>"#
        );
    }

    #[test]
    fn embed_blocks_become_embed_cards_with_their_captions() {
        let raw = concat!(
            "<!-- wp:paragraph -->\n<p>Before</p>\n<!-- /wp:paragraph -->\n",
            r#"<!-- wp:embed {"url":"https://www.youtube.com/watch?v=dQw4w9WgXcQ","type":"video","providerNameSlug":"youtube"} -->"#,
            "\n<figure class=\"wp-block-embed is-type-video\"><div class=\"wp-block-embed__wrapper\">\nhttps://www.youtube.com/watch?v=dQw4w9WgXcQ\n</div><figcaption class=\"wp-element-caption\">The <em>launch</em></figcaption></figure>\n<!-- /wp:embed -->\n",
            r#"<!-- wp:core-embed/twitter {"url":"https://twitter.com/x/status/1"} -->"#,
            "\n<figure class=\"wp-block-embed-twitter\"><div class=\"wp-block-embed__wrapper\">\nhttps://twitter.com/x/status/1\n</div></figure>\n<!-- /wp:core-embed/twitter -->\n",
        );
        let body = wordpress_body(raw, &NONE).html;
        assert!(
            body.contains(r#"<figure class="embed" data-embed="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"><a href="https://www.youtube.com/watch?v=dQw4w9WgXcQ">https://www.youtube.com/watch?v=dQw4w9WgXcQ</a><figcaption>The <em>launch</em></figcaption></figure>"#),
            "{body}"
        );
        assert!(!body.contains("wp-block-embed is-type-video"), "{body}");
        assert!(
            body.contains(r#"<a href="https://twitter.com/x/status/1">"#),
            "a provider we do not embed stays a link: {body}"
        );
        assert!(body.contains("<p>Before</p>"), "{body}");
    }

    #[test]
    fn audio_and_video_blocks_become_the_editor_s_cards() {
        let raw = concat!(
            "<!-- wp:audio {\"id\":12} -->\n<figure class=\"wp-block-audio\"><audio controls src=\"https://old.example/wp-content/uploads/2024/03/talk.mp3\"></audio><figcaption class=\"wp-element-caption\">The talk</figcaption></figure>\n<!-- /wp:audio -->\n",
            "<!-- wp:video {\"id\":13} -->\n<figure class=\"wp-block-video\"><video controls src=\"https://old.example/wp-content/uploads/2024/03/walk.mp4\"></video></figure>\n<!-- /wp:video -->\n",
        );
        let body = wordpress_body(raw, &NONE).html;
        assert!(body.contains(r#"<figure class="embed wp-block-audio"><audio controls src="https://old.example/wp-content/uploads/2024/03/talk.mp3">"#), "{body}");
        assert!(body.contains(r#"<figure class="embed wp-block-video"><video controls"#), "{body}");
    }

    #[test]
    fn embed_of_something_not_a_web_address_is_kept() {
        let e = expand("[embed]javascript:alert(1)[/embed]", &NONE);
        assert_eq!(e.html, "[embed]javascript:alert(1)[/embed]");
        assert_eq!(e.unknown, ["embed"]);
    }

    #[test]
    fn gallery_finds_images_and_reports_missing_ones() {
        let e = expand(r#"<p>[gallery ids="12, 99,13"]</p>"#, &TWO);
        assert_eq!(
            e.html,
            r#"<figure class="gallery"><img src="https://x.example/a.jpg" alt="Bridge &quot;Old&quot;"><img src="https://x.example/b.jpg" alt=""></figure>"#
        );
        assert_eq!(e.unknown, ["gallery:99"]);
        let e = expand(r#"[gallery include="13"]"#, &TWO);
        assert_eq!(e.html, r#"<figure class="gallery"><img src="https://x.example/b.jpg" alt=""></figure>"#);
        // Without ids: the post's attached images, in their order, less those excluded.
        let e = expand("[gallery columns=\"2\"]", &TWO);
        assert_eq!(
            e.html,
            r#"<figure class="gallery"><img src="https://x.example/b.jpg" alt=""><img src="https://x.example/a.jpg" alt="Bridge &quot;Old&quot;"></figure>"#
        );
        assert!(e.unknown.is_empty());
        let e = expand("[gallery exclude=\"12\"]", &TWO);
        assert_eq!(e.html, r#"<figure class="gallery"><img src="https://x.example/b.jpg" alt=""></figure>"#);
        // A post with no attached images: the gallery is empty, and said so.
        let e = expand("<p>[gallery]</p>", &NONE);
        assert_eq!(e.html, "");
        assert_eq!(e.unknown, ["gallery"]);
    }

    #[test]
    fn unknown_shortcodes_are_kept_and_listed_per_occurrence() {
        let e = expand(
            r#"A [contact-form-7 id="5" title="Contact"] B [contact-form-7 id="6"] [su_box]in [caption]<img src="a.jpg"> C[/caption][/su_box]"#,
            &NONE,
        );
        assert_eq!(
            e.html,
            r#"A [contact-form-7 id="5" title="Contact"] B [contact-form-7 id="6"] [su_box]in <figure class="wp-caption"><img src="a.jpg"><figcaption>C</figcaption></figure>[/su_box]"#
        );
        assert_eq!(e.unknown, ["contact-form-7", "contact-form-7", "su_box"]);
    }

    #[test]
    fn double_brackets_print_the_shortcode() {
        let e = expand(
            r#"<p>[audio mp3="https://old.example/a.mp3"][/audio]</p>[video mp4='https://old.example/b.mp4']"#,
            &NONE,
        );
        assert_eq!(
            e.html,
            r#"<figure class="embed"><audio controls src="https://old.example/a.mp3"></audio></figure><figure class="embed"><video controls src="https://old.example/b.mp4"></video></figure>"#
        );
        assert!(e.unknown.is_empty());
        let e = expand("Write [[gallery]] or [[caption]x[/caption]] to show them.", &TWO);
        assert_eq!(e.html, "Write [gallery] or [caption]x[/caption] to show them.");
        assert!(e.unknown.is_empty());
    }

    #[test]
    fn block_comments_are_removed_and_block_content_gets_no_paragraphs() {
        let raw = "<!-- wp:paragraph -->\n<p>One</p>\n<!-- /wp:paragraph -->\n\n<!-- wp:image {\"id\":5} /-->\n<!-- wp:paragraph -->\n<p>Two\nlines</p>\n<!-- /wp:paragraph -->";
        let e = wordpress_body(raw, &NONE);
        assert_eq!(e.html, "<p>One</p>\n\n<p>Two\nlines</p>");
    }

    #[test]
    fn classic_content_gets_paragraphs_then_shortcodes() {
        let raw = "Intro line\nsecond line\n\n[caption]<img src=\"a.jpg\" /> Dusk[/caption]\n\nhttps://www.youtube.com/watch?v=abc\n\n<!--more-->\nEnd";
        let e = wordpress_body(raw, &NONE);
        assert_eq!(
            e.html,
            "<p>Intro line<br />\nsecond line</p>\n<figure class=\"wp-caption\"><img src=\"a.jpg\" /><figcaption>Dusk</figcaption></figure>\n<p><a href=\"https://www.youtube.com/watch?v=abc\">https://www.youtube.com/watch?v=abc</a></p>\n<p>End</p>\n"
        );
    }

    #[test]
    fn other_html_comments_stay() {
        assert_eq!(strip_editor_comments("a<!-- keep -->b<!--more-->c"), "a<!-- keep -->bc");
    }
}
