//! Ghost 1–4's Mobiledoc documents (versions 0.2 and 0.3) as HTML, for exports whose `html` is
//! missing: markup sections, lists, cards, and markers with their markups and atoms.
//!
//! Text is escaped here; markups outside a small inline set are dropped (their text kept);
//! cards go through the shared card renderer. It never sanitises: the caller does.

use serde_json::Value;

use super::cards::card;
use crate::html::escape;

/// Section tags Ghost's editor writes.
const SECTION_TAGS: &[&str] = &["p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"];

/// Markup tags kept; anything else keeps its text only.
const MARKUP_TAGS: &[&str] = &["a", "b", "i", "em", "strong", "s", "u", "sub", "sup", "code"];

fn list(v: Option<&Value>) -> &[Value] {
    v.and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default()
}

/// The document's HTML and notes on what was altered or left out.
pub fn render(source: &str) -> Result<(String, Vec<String>), String> {
    let doc: Value =
        serde_json::from_str(source).map_err(|e| format!("its Mobiledoc document is not valid JSON: {e}"))?;
    let version = doc.get("version").and_then(Value::as_str).unwrap_or_default();
    let sections = doc.get("sections").ok_or("its Mobiledoc document has no \"sections\"")?;
    // 0.2 keeps its markups in the first element of "sections" and its sections in the second.
    let (markups, sections) = if version.starts_with("0.2") {
        (list(sections.get(0)), list(sections.get(1)))
    } else {
        (list(doc.get("markups")), list(Some(sections)))
    };
    let renderer = Renderer { atoms: list(doc.get("atoms")), cards: list(doc.get("cards")), markups };
    let mut html = String::new();
    let mut notes = Vec::new();
    for section in sections {
        renderer.section(section, &mut html, &mut notes);
    }
    Ok((html, notes))
}

struct Renderer<'a> {
    atoms: &'a [Value],
    cards: &'a [Value],
    markups: &'a [Value],
}

impl Renderer<'_> {
    fn section(&self, section: &Value, html: &mut String, notes: &mut Vec<String>) {
        let at = |i: usize| section.get(i);
        match at(0).and_then(Value::as_i64) {
            // [1, tagName, markers]
            Some(1) => {
                let tag = at(1).and_then(Value::as_str).unwrap_or("p").to_ascii_lowercase();
                let inner = self.markers(at(2), notes);
                if inner.is_empty() && tag == "p" {
                    return;
                }
                let (open, close) = match tag.as_str() {
                    // Ghost's alternative quote style.
                    "aside" | "pull-quote" => {
                        ("<blockquote class=\"kg-blockquote-alt\">".to_owned(), "</blockquote>")
                    }
                    t if SECTION_TAGS.contains(&t) => (format!("<{t}>"), ""),
                    _ => ("<p>".to_owned(), "</p>"),
                };
                let close = if close.is_empty() { format!("</{tag}>") } else { close.to_owned() };
                html.push_str(&format!("{open}{inner}{close}"));
            }
            // [2, src]: an image section, from Mobiledoc 0.2.
            Some(2) => {
                let src = at(1).and_then(Value::as_str).unwrap_or_default();
                html.push_str(&format!("<figure><img src=\"{}\" alt=\"\"></figure>", escape(src)));
            }
            // [3, "ul" | "ol", [markers, ...]]
            Some(3) => {
                let tag = if at(1).and_then(Value::as_str) == Some("ol") { "ol" } else { "ul" };
                html.push_str(&format!("<{tag}>"));
                for item in at(2).and_then(Value::as_array).into_iter().flatten() {
                    html.push_str(&format!("<li>{}</li>", self.markers(Some(item), notes)));
                }
                html.push_str(&format!("</{tag}>"));
            }
            // [10, cardIndex] with cards [name, payload]
            Some(10) => {
                let Some(c) = at(1).and_then(Value::as_u64).and_then(|i| self.cards.get(i as usize)) else {
                    notes.push("a card section points at no card; left out".to_owned());
                    return;
                };
                let name = c.get(0).and_then(Value::as_str).unwrap_or_default();
                let payload = c.get(1).cloned().unwrap_or(Value::Null);
                html.push_str(&card(name, &payload, notes));
            }
            other => notes.push(format!("a section of type {other:?} cannot be shown and was left out")),
        }
    }

    /// Markers `[type, openMarkups, closeCount, value]` (0.3) or `[openMarkups, closeCount,
    /// text]` (0.2), with their markups opened and closed as a stack.
    fn markers(&self, markers: Option<&Value>, notes: &mut Vec<String>) -> String {
        let mut html = String::new();
        let mut open: Vec<String> = Vec::new();
        for marker in markers.and_then(Value::as_array).into_iter().flatten() {
            let Some(m) = marker.as_array() else { continue };
            let (kind, opens, closes, value) = match m.as_slice() {
                [kind, opens, closes, value] => (kind.as_i64().unwrap_or(0), opens, closes, value),
                [opens, closes, value] => (0, opens, closes, value),
                _ => continue,
            };
            for index in opens.as_array().into_iter().flatten() {
                let markup = index.as_u64().and_then(|i| self.markups.get(i as usize));
                let (tag_open, tag_close) = markup.map(open_markup).unwrap_or_default();
                html.push_str(&tag_open);
                open.push(tag_close);
            }
            match kind {
                0 => html.push_str(&escape(value.as_str().unwrap_or_default())),
                _ => {
                    let atom = value.as_u64().and_then(|i| self.atoms.get(i as usize));
                    let name = atom.and_then(|a| a.get(0)).and_then(Value::as_str).unwrap_or_default();
                    let text = atom.and_then(|a| a.get(1)).and_then(Value::as_str).unwrap_or_default();
                    if name == "soft-return" {
                        html.push_str("<br>");
                    } else {
                        notes.push(format!("the {name:?} atom is shown as its text"));
                        html.push_str(&escape(text));
                    }
                }
            }
            for _ in 0..closes.as_u64().unwrap_or(0) {
                html.push_str(&open.pop().unwrap_or_default());
            }
        }
        while let Some(close) = open.pop() {
            html.push_str(&close);
        }
        html
    }
}

/// A markup `[tagName, [attrName, attrValue, ...]]` as its opening and closing tags; empty for
/// tags not kept.
fn open_markup(markup: &Value) -> (String, String) {
    let tag = markup.get(0).and_then(Value::as_str).unwrap_or_default().to_ascii_lowercase();
    if !MARKUP_TAGS.contains(&tag.as_str()) {
        return (String::new(), String::new());
    }
    let mut open = format!("<{tag}");
    if tag == "a" {
        let attributes: Vec<&str> =
            markup.get(1).and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
        for pair in attributes.chunks(2) {
            if let [name, value] = pair
                && matches!(*name, "href" | "rel" | "title")
            {
                open.push_str(&format!(" {name}=\"{}\"", escape(value)));
            }
        }
    }
    open.push('>');
    (open, format!("</{tag}>"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_open_and_close_markups_as_a_stack() {
        let doc = r#"{"version":"0.3.1","atoms":[["soft-return","",{}]],"cards":[],
            "markups":[["a",["href","https://x.example/?q=1&r=2","target","_blank"]],["strong"],["em"],["span",["style","color:red"]]],
            "sections":[[1,"p",[[0,[],0,"Read "],[0,[0,1],1,"the <report>"],[0,[2],2," now"],[1,[],0,0],[0,[3],1,"red"]]]]}"#;
        let (html, notes) = render(doc).unwrap();
        assert_eq!(
            html,
            "<p>Read <a href=\"https://x.example/?q=1&amp;r=2\"><strong>the &lt;report&gt;</strong><em> now</em></a><br>red</p>"
        );
        assert!(notes.is_empty());
    }

    #[test]
    fn sections_lists_and_cards() {
        let doc = r#"{"version":"0.3.1","atoms":[],"markups":[],
            "cards":[["image",{"src":"https://x.example/a.jpg","alt":"A","caption":"Cap"}],["hr",{}],["code",{"code":"x<y"}],["signup",{}]],
            "sections":[[1,"H2",[[0,[],0,"Head"]]],[1,"aside",[[0,[],0,"Aside"]]],[1,"p",[]],
              [3,"ol",[[[0,[],0,"one"]],[[0,[],0,"two"]]]],[10,0],[10,1],[10,2],[10,3],[10,9]]}"#;
        let (html, notes) = render(doc).unwrap();
        assert_eq!(
            html,
            "<h2>Head</h2><blockquote class=\"kg-blockquote-alt\">Aside</blockquote><ol><li>one</li><li>two</li></ol>\
             <figure><img src=\"https://x.example/a.jpg\" alt=\"A\"><figcaption>Cap</figcaption></figure><hr>\
             <pre><code>x&lt;y</code></pre>"
        );
        assert_eq!(
            notes,
            [
                "a \"signup\" card cannot be shown and was left out",
                "a card section points at no card; left out"
            ]
        );
    }

    #[test]
    fn version_0_2_keeps_markups_in_sections_and_markers_have_no_type() {
        let doc = r#"{"version":"0.2.0","sections":[[["b"]],[[1,"p",[[[0],1,"bold"],[[],0," plain"]]]]]}"#;
        let (html, _) = render(doc).unwrap();
        assert_eq!(html, "<p><b>bold</b> plain</p>");
    }

    #[test]
    fn broken_documents_say_so() {
        assert!(render("[").unwrap_err().contains("not valid JSON"));
        assert!(render("{}").unwrap_err().contains("no \"sections\""));
    }
}
