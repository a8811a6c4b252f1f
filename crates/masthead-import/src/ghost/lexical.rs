//! Ghost 5's Lexical documents (`{"root": {"type": "root", "children": [...]}}`) as HTML, for
//! exports whose `html` is missing.
//!
//! Text is escaped here; cards go through the shared card renderer. A node of a type not known
//! here shows its children when it has any and is otherwise left out with a note. It never
//! sanitises: the caller does.

use serde_json::Value;

use super::cards::{card, text};
use crate::html::escape;

/// Lexical's text format bits, outermost first.
const FORMATS: &[(u64, &str)] =
    &[(1, "strong"), (2, "em"), (4, "s"), (8, "u"), (32, "sub"), (64, "sup"), (128, "mark"), (16, "code")];

/// The document's HTML and notes on what was altered or left out.
pub fn render(source: &str) -> Result<(String, Vec<String>), String> {
    let doc: Value =
        serde_json::from_str(source).map_err(|e| format!("its Lexical document is not valid JSON: {e}"))?;
    let root = doc.get("root").ok_or("its Lexical document has no \"root\"")?;
    let mut renderer = Renderer { html: String::new(), notes: Vec::new() };
    renderer.children(root);
    Ok((renderer.html, renderer.notes))
}

struct Renderer {
    html: String,
    notes: Vec<String>,
}

fn children(node: &Value) -> &[Value] {
    node.get("children").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default()
}

impl Renderer {
    fn children(&mut self, node: &Value) {
        for child in children(node) {
            self.node(child);
        }
    }

    fn wrapped(&mut self, open: &str, close: &str, node: &Value) {
        self.html.push_str(open);
        self.children(node);
        self.html.push_str(close);
    }

    fn node(&mut self, node: &Value) {
        let kind = text(node, "type");
        match kind {
            // Ghost writes empty paragraphs for spacing; they show nothing.
            "paragraph" if children(node).is_empty() => {}
            "paragraph" => self.wrapped("<p>", "</p>", node),
            "heading" | "extended-heading" => {
                let tag = match text(node, "tag") {
                    t @ ("h1" | "h2" | "h3" | "h4" | "h5" | "h6") => t,
                    _ => "h2",
                };
                self.wrapped(&format!("<{tag}>"), &format!("</{tag}>"), node);
            }
            "quote" | "extended-quote" => self.wrapped("<blockquote>", "</blockquote>", node),
            // Ghost's alternative quote style.
            "aside" => self.wrapped("<blockquote class=\"kg-blockquote-alt\">", "</blockquote>", node),
            "list" => {
                if text(node, "listType") == "number" {
                    let start = node.get("start").and_then(Value::as_i64).filter(|s| *s != 1);
                    let open = match start {
                        Some(start) => format!("<ol start=\"{start}\">"),
                        None => "<ol>".to_owned(),
                    };
                    self.wrapped(&open, "</ol>", node);
                } else {
                    self.wrapped("<ul>", "</ul>", node);
                }
            }
            "listitem" => self.wrapped("<li>", "</li>", node),
            "link" | "autolink" => {
                let open = format!("<a href=\"{}\">", escape(text(node, "url")));
                self.wrapped(&open, "</a>", node);
            }
            "text" | "extended-text" => self.text(node),
            "linebreak" => self.html.push_str("<br>"),
            "tab" => self.html.push('\t'),
            "horizontalrule" => self.html.push_str("<hr>"),
            "image" | "gallery" | "html" | "markdown" | "embed" | "bookmark" | "callout" | "codeblock"
            | "paywall" | "audio" | "video" => {
                let html = card(kind, node, &mut self.notes);
                self.html.push_str(&html);
            }
            _ if !children(node).is_empty() => self.children(node),
            _ => self.notes.push(format!("a {kind:?} node cannot be shown and was left out")),
        }
    }

    fn text(&mut self, node: &Value) {
        let format = node.get("format").and_then(Value::as_u64).unwrap_or(0);
        let tags: Vec<&str> =
            FORMATS.iter().filter(|(bit, _)| format & bit != 0).map(|(_, tag)| *tag).collect();
        for tag in &tags {
            self.html.push_str(&format!("<{tag}>"));
        }
        self.html.push_str(&escape(text(node, "text")));
        for tag in tags.iter().rev() {
            self.html.push_str(&format!("</{tag}>"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(children: &str) -> String {
        format!(r#"{{"root":{{"type":"root","children":[{children}]}}}}"#)
    }

    #[test]
    fn paragraph_with_formats_and_link() {
        let (html, notes) = render(&doc(
            r#"{"type":"paragraph","children":[
                {"type":"text","text":"Plain <& ","format":0},
                {"type":"extended-text","text":"bold","format":1},
                {"type":"text","text":" both","format":3},
                {"type":"link","url":"https://x.example/?a=1&b=\"2\"","children":[{"type":"text","text":"link","format":2}]},
                {"type":"linebreak"},
                {"type":"text","text":"code","format":16},
                {"type":"text","text":"2","format":64},
                {"type":"text","text":"gone","format":12}]}"#,
        ))
        .unwrap();
        assert_eq!(
            html,
            "<p>Plain &lt;&amp; <strong>bold</strong><strong><em> both</em></strong>\
             <a href=\"https://x.example/?a=1&amp;b=&quot;2&quot;\"><em>link</em></a><br><code>code</code>\
             <sup>2</sup><s><u>gone</u></s></p>"
        );
        assert!(notes.is_empty());
    }

    #[test]
    fn headings_quotes_lists_and_rules() {
        let (html, _) = render(&doc(
            r#"{"type":"extended-heading","tag":"h3","children":[{"type":"text","text":"Title"}]},
               {"type":"heading","tag":"h9","children":[{"type":"text","text":"Bad tag"}]},
               {"type":"quote","children":[{"type":"text","text":"Q"}]},
               {"type":"aside","children":[{"type":"text","text":"A"}]},
               {"type":"list","listType":"bullet","children":[{"type":"listitem","children":[{"type":"text","text":"one"}]}]},
               {"type":"list","listType":"number","start":3,"children":[{"type":"listitem","children":[{"type":"text","text":"three"}]}]},
               {"type":"horizontalrule"},
               {"type":"paragraph","children":[]}"#,
        ))
        .unwrap();
        assert_eq!(
            html,
            "<h3>Title</h3><h2>Bad tag</h2><blockquote>Q</blockquote><blockquote class=\"kg-blockquote-alt\">A</blockquote>\
             <ul><li>one</li></ul><ol start=\"3\"><li>three</li></ol><hr>"
        );
    }

    #[test]
    fn cards() {
        let (html, notes) = render(&doc(
            r#"{"type":"image","src":"__GHOST_URL__/content/images/a.jpg","alt":"A \"b\"","caption":"By <a href=\"https://p.example\">P</a>"},
               {"type":"html","html":"<div class=\"x\">raw</div>"},
               {"type":"markdown","markdown":"Some *stress*"},
               {"type":"embed","url":"https://www.youtube.com/watch?v=1","html":"<iframe></iframe>"},
               {"type":"bookmark","url":"https://b.example/","metadata":{"title":"B & co"}},
               {"type":"callout","calloutText":"Heads up","calloutEmoji":"💡"},
               {"type":"codeblock","code":"a < b","language":"rust"},
               {"type":"embed","url":"https://vimeo.com/76979871","caption":"The <b>launch</b>"},
               {"type":"audio","src":"/media/2026/12/talk.mp3","title":"The talk"},
               {"type":"video","src":"https://old.example/v.mp4","title":"Old video"}"#,
        ))
        .unwrap();
        assert_eq!(
            html,
            "<figure><img src=\"__GHOST_URL__/content/images/a.jpg\" alt=\"A &quot;b&quot;\"><figcaption>By <a href=\"https://p.example\">P</a></figcaption></figure>\
             <div class=\"x\">raw</div><p>Some <em>stress</em></p>\n\
             <p><a href=\"https://www.youtube.com/watch?v=1\">https://www.youtube.com/watch?v=1</a></p>\
             <p><a href=\"https://b.example/\">B &amp; co</a></p>\
             <aside class=\"callout\"><p>Heads up</p></aside>\
             <pre><code class=\"language-rust\">a &lt; b</code></pre>\
             <figure class=\"embed\" data-embed=\"https://player.vimeo.com/video/76979871?dnt=1\"><a href=\"https://vimeo.com/76979871\">https://vimeo.com/76979871</a><figcaption>The <b>launch</b></figcaption></figure>\
             <figure class=\"embed\"><audio controls preload=\"metadata\" src=\"/media/2026/12/talk.mp3\"></audio><figcaption>The talk</figcaption></figure>\
             <p><a href=\"https://old.example/v.mp4\">Old video</a></p>"
        );
        assert_eq!(
            notes,
            [
                "the embed of https://www.youtube.com/watch?v=1 became a link (not a provider we embed)",
                "the video at https://old.example/v.mp4 became a link: copy the file into the media library to play it here",
            ]
        );
    }

    #[test]
    fn unknown_nodes_show_children_or_a_note() {
        let (html, notes) = render(&doc(
            r#"{"type":"mystery","children":[{"type":"text","text":"kept"}]},{"type":"product","productTitle":"X"}"#,
        ))
        .unwrap();
        assert_eq!(html, "kept");
        assert_eq!(notes, ["a \"product\" node cannot be shown and was left out"]);
    }

    #[test]
    fn broken_documents_say_so() {
        assert!(render("{").unwrap_err().contains("not valid JSON"));
        assert!(render("{}").unwrap_err().contains("no \"root\""));
    }
}
