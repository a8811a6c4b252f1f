//! Ghost's cards (images, HTML, Markdown, embeds, bookmarks, callouts, code): the same payloads
//! in a Lexical node and in a Mobiledoc card, rendered once here.
//!
//! Embeds of the providers the allowlist knows become the editor's click-to-load embed cards;
//! other embeds and bookmarks become links, never frames. Audio and video cards become players
//! when their file is in the media library, links otherwise. Captions and HTML cards are Ghost's HTML and pass through unchanged, for the
//! caller's sanitiser.

use masthead_core::{BodyFormat, render_body};
use serde_json::Value;

use crate::html::escape;

pub(super) fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// The HTML of a card, or empty with a note when it cannot be shown.
pub(super) fn card(name: &str, payload: &Value, notes: &mut Vec<String>) -> String {
    match name {
        "image" => {
            let src = text(payload, "src");
            if src.is_empty() {
                notes.push("an image card without an image was left out".to_owned());
                return String::new();
            }
            let mut img = format!("<img src=\"{}\" alt=\"{}\">", escape(src), escape(text(payload, "alt")));
            if let Some(href) = Some(text(payload, "href")).filter(|h| !h.is_empty()) {
                img = format!("<a href=\"{}\">{img}</a>", escape(href));
            }
            figure(&img, text(payload, "caption"))
        }
        "gallery" => {
            let images: String = payload
                .get("images")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter(|i| !text(i, "src").is_empty())
                .map(|i| {
                    format!("<img src=\"{}\" alt=\"{}\">", escape(text(i, "src")), escape(text(i, "alt")))
                })
                .collect();
            if images.is_empty() {
                notes.push("a gallery card without images was left out".to_owned());
                return String::new();
            }
            let caption = text(payload, "caption");
            let caption = if caption.is_empty() {
                String::new()
            } else {
                format!("<figcaption>{caption}</figcaption>")
            };
            format!("<figure class=\"gallery\">{images}{caption}</figure>")
        }
        "html" => text(payload, "html").to_owned(),
        "markdown" | "card-markdown" => {
            let source = text(payload, "markdown");
            match render_body(BodyFormat::Markdown, source) {
                Ok(body) => body.html,
                Err(refusal) => {
                    notes.push(format!("a Markdown card was left out: {refusal}"));
                    String::new()
                }
            }
        }
        "embed" => {
            let url = text(payload, "url");
            if url.is_empty() {
                notes.push("an embed card without an address was left out".to_owned());
                return String::new();
            }
            let caption = text(payload, "caption");
            if let Ok(embed) = masthead_core::embed::recognise(url) {
                let mut figure = masthead_core::embed::figure_html(&embed, "");
                if !caption.trim().is_empty() {
                    figure.truncate(figure.len() - "</figure>".len());
                    figure.push_str(&format!("<figcaption>{caption}</figcaption></figure>"));
                }
                return figure;
            }
            notes.push(format!("the embed of {url} became a link (not a provider we embed)"));
            let link = format!("<p><a href=\"{0}\">{0}</a></p>", escape(url));
            if caption.is_empty() { link } else { figure(&link, caption) }
        }
        "audio" | "video" => {
            let src = text(payload, "src");
            if src.is_empty() {
                notes.push(format!("an {name} card without a file was left out"));
                return String::new();
            }
            let title = Some(text(payload, "title")).filter(|t| !t.is_empty()).unwrap_or(src);
            let caption = text(payload, "caption");
            // Players play from the media library only; a file elsewhere stays reachable by its link.
            if src.starts_with("/media/") {
                let player =
                    format!("<{name} controls preload=\"metadata\" src=\"{}\"></{name}>", escape(src));
                let caption = if caption.is_empty() { escape(title) } else { caption.to_owned() };
                return format!(
                    "<figure class=\"embed\">{player}<figcaption>{caption}</figcaption></figure>"
                );
            }
            notes.push(format!(
                "the {name} at {src} became a link: copy the file into the media library to play it here"
            ));
            let link = format!("<p><a href=\"{}\">{}</a></p>", escape(src), escape(title));
            if caption.is_empty() { link } else { figure(&link, caption) }
        }
        "bookmark" => {
            let url = text(payload, "url");
            if url.is_empty() {
                notes.push("a bookmark card without an address was left out".to_owned());
                return String::new();
            }
            let title =
                payload.get("metadata").map(|m| text(m, "title")).filter(|t| !t.is_empty()).unwrap_or(url);
            format!("<p><a href=\"{}\">{}</a></p>", escape(url), escape(title))
        }
        "callout" => {
            let body = text(payload, "calloutText");
            if body.trim_start().starts_with('<') {
                format!("<aside class=\"callout\">{body}</aside>")
            } else {
                format!("<aside class=\"callout\"><p>{body}</p></aside>")
            }
        }
        "code" | "codeblock" => {
            let language: String = text(payload, "language")
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '+' | '#' | '_'))
                .collect();
            let class =
                if language.is_empty() { String::new() } else { format!(" class=\"language-{language}\"") };
            format!("<pre><code{class}>{}</code></pre>", escape(text(payload, "code")))
        }
        "hr" | "horizontalrule" => "<hr>".to_owned(),
        "paywall" => {
            notes.push("the members-only divider was dropped: everything after it is public".to_owned());
            String::new()
        }
        other => {
            notes.push(format!("a {other:?} card cannot be shown and was left out"));
            String::new()
        }
    }
}

fn figure(inner: &str, caption: &str) -> String {
    if caption.trim().is_empty() {
        format!("<figure>{inner}</figure>")
    } else {
        format!("<figure>{inner}<figcaption>{caption}</figcaption></figure>")
    }
}
