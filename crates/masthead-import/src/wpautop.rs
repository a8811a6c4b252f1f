//! WordPress's `wpautop()`: the filter that turns the classic editor's text, where a blank line
//! separates paragraphs and a single newline is a line break, into HTML paragraphs. Classic
//! posts are stored without their `<p>`s; importing them without this filter would run every
//! paragraph together.
//!
//! The steps follow wp-includes/formatting.php in order, written as small scanners instead of
//! PHP's regular expressions. Two deliberate differences: block tags are recognised by their
//! whole name (PHP's patterns take `<param>` for a `<p>`), and a newline after an existing
//! `<br />` never gains a second one. It never touches `<pre>` content and never sanitises.

/// Elements before which a paragraph ends (WordPress's `$allblocks`).
const BLOCKS: &[&str] = &[
    "table",
    "thead",
    "tfoot",
    "caption",
    "col",
    "colgroup",
    "tbody",
    "tr",
    "td",
    "th",
    "div",
    "dl",
    "dd",
    "dt",
    "ul",
    "ol",
    "li",
    "pre",
    "form",
    "map",
    "area",
    "blockquote",
    "address",
    "style",
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "fieldset",
    "legend",
    "section",
    "article",
    "aside",
    "hgroup",
    "header",
    "footer",
    "nav",
    "figure",
    "figcaption",
    "details",
    "menu",
    "summary",
];

/// The block tags before which a `<br />` is dropped.
const BR_BEFORE: &[&str] = &["p", "li", "div", "dl", "dd", "dt", "th", "pre", "td", "ul", "ol"];

/// Stands for a newline inside a tag or a raw element while paragraphs are cut. A character
/// from the private use area, which no stored post contains.
const KEEP_NEWLINE: char = '\u{F8FF}';

/// Wraps text in paragraphs and line breaks as WordPress shows classic-editor content.
pub fn wpautop(text: &str) -> String {
    if text.trim().is_empty() {
        return String::new();
    }
    let text = format!("{}\n", text.replace("\r\n", "\n").replace('\r', "\n"));
    let (text, pre_blocks) = take_pre_blocks(&text);
    let text = collapse_double_br(&text);
    let text = space_blocks(&text);
    let text = keep_newlines_in_tags(&text);
    let text = collapse_around(&text, "<option", "</option>");
    let text = collapse_around(&text, "<figcaption", "</figcaption>");
    let text = paragraphs(&text);
    let text = remove_empty_paragraphs(&text);
    let text = close_paragraph_in_div(&text);
    let text = unwrap_lone_block(&text);
    let text = unwrap_li(&text);
    let text = move_p_into_blockquote(&text);
    let text = drop_p_before_block(&text);
    let text = drop_close_p_after_block(&text);
    let text = keep_newlines_in_raw_elements(&text);
    let text = line_breaks(&text);
    let text = drop_br_after_block(&text);
    let text = drop_br_before_block(&text);
    let mut text = text.replace(KEEP_NEWLINE, "\n");
    if text.ends_with("\n</p>\n") {
        // PHP's `|\n</p>$|` matches before a final newline too.
        let cut = text.len() - "\n</p>\n".len();
        text.replace_range(cut.., "</p>\n");
    }
    for (i, block) in pre_blocks.iter().enumerate() {
        text = text.replace(&pre_placeholder(i), block);
    }
    text
}

fn pre_placeholder(i: usize) -> String {
    format!("<pre wp-pre-tag-{i}></pre>")
}

/// `<pre>` elements, replaced by placeholders that the steps treat as one block tag.
fn take_pre_blocks(text: &str) -> (String, Vec<String>) {
    if !text.contains("<pre") {
        return (text.to_owned(), Vec::new());
    }
    let mut parts: Vec<&str> = text.split("</pre>").collect();
    let last = parts.pop().unwrap_or_default();
    let mut out = String::with_capacity(text.len());
    let mut blocks = Vec::new();
    for part in parts {
        match part.find("<pre") {
            Some(start) => {
                out.push_str(&part[..start]);
                out.push_str(&pre_placeholder(blocks.len()));
                blocks.push(format!("{}</pre>", &part[start..]));
            }
            // A `</pre>` without its start: malformed, left as it was.
            None => {
                out.push_str(part);
                out.push_str("</pre>");
            }
        }
    }
    out.push_str(last);
    (out, blocks)
}

/// A tag starting at `i`: its end (after `>`), whether it closes, and its lowercased name.
fn tag_at(text: &str, i: usize) -> Option<(usize, bool, String)> {
    let rest = text.get(i..)?.strip_prefix('<')?;
    let (closing, rest) = match rest.strip_prefix('/') {
        Some(r) => (true, r),
        None => (false, rest),
    };
    let name_len = rest.bytes().take_while(u8::is_ascii_alphanumeric).count();
    if name_len == 0 {
        return None;
    }
    let tail = &rest[name_len..];
    if !(tail.is_empty() || tail.starts_with(['>', '/', ' ', '\t', '\n', '\r', KEEP_NEWLINE])) {
        return None;
    }
    let end = rest.find('>')? + 1;
    let consumed = text.len() - i - rest.len();
    Some((i + consumed + end, closing, rest[..name_len].to_ascii_lowercase()))
}

fn block_tag_at(text: &str, i: usize) -> Option<(usize, bool, String)> {
    tag_at(text, i).filter(|(_, _, name)| BLOCKS.contains(&name.as_str()))
}

fn skip_whitespace(text: &str, i: usize) -> usize {
    i + text[i..].len() - text[i..].trim_start().len()
}

/// Whitespace before `i`, as PHP's `\s*` sees it: where it starts.
fn whitespace_back(text: &str, i: usize) -> usize {
    text[..i].trim_end().len()
}

/// `<br>` `<br>` becomes a paragraph break.
fn collapse_double_br(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while let Some(found) = text[i..].find("<br") {
        let start = i + found;
        out.push_str(&text[i..start]);
        match br_end(text, start).and_then(|end| br_end(text, skip_whitespace(text, end))) {
            Some(end) => {
                out.push_str("\n\n");
                i = end;
            }
            None => {
                out.push_str("<br");
                i = start + 3;
            }
        }
    }
    out.push_str(&text[i..]);
    out
}

/// The end of a `<br>`, `<br/>` or `<br />` at `i`.
fn br_end(text: &str, i: usize) -> Option<usize> {
    let rest = text.get(i..)?.strip_prefix("<br")?;
    let trimmed = rest.trim_start();
    let trimmed = trimmed.strip_prefix('/').unwrap_or(trimmed);
    let trimmed = trimmed.strip_prefix('>')?;
    Some(text.len() - trimmed.len())
}

/// Two newlines before each opening block tag and after each closing one and each `<hr>`.
fn space_blocks(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut i = 0;
    while let Some(found) = text[i..].find('<') {
        let start = i + found;
        out.push_str(&text[i..start]);
        match block_tag_at(text, start) {
            Some((end, closing, name)) => {
                if !closing {
                    out.push_str("\n\n");
                }
                out.push_str(&text[start..end]);
                if closing || name == "hr" {
                    out.push_str("\n\n");
                }
                i = end;
            }
            None => {
                out.push('<');
                i = start + 1;
            }
        }
    }
    out.push_str(&text[i..]);
    out
}

/// Newlines inside tags and comments must not cut a paragraph.
fn keep_newlines_in_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while let Some(found) = text[i..].find('<') {
        let start = i + found;
        out.push_str(&text[i..start]);
        let end = if text[start..].starts_with("<!--") {
            text[start..].find("-->").map(|e| start + e + 3)
        } else {
            text[start..].find('>').map(|e| start + e + 1)
        }
        .unwrap_or(text.len());
        out.push_str(&text[start..end].replace('\n', &KEEP_NEWLINE.to_string()));
        i = end;
    }
    out.push_str(&text[i..]);
    out
}

/// No line breaks around `<option>`s and `<figcaption>`s, which must stay inside their parents.
fn collapse_around(text: &str, open: &str, close: &str) -> String {
    if !text.contains(open) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    loop {
        let next_open = text[i..].find(open).map(|p| (i + p, true));
        let next_close = text[i..].find(close).map(|p| (i + p, false));
        let next = match (next_open, next_close) {
            (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
            (a, b) => a.or(b),
        };
        let Some((at, opening)) = next else { break };
        if opening {
            out.push_str(text[i..at].trim_end());
            out.push_str(open);
            i = at + open.len();
        } else {
            out.push_str(&text[i..at]);
            out.push_str(close);
            i = skip_whitespace(text, at + close.len());
        }
    }
    out.push_str(&text[i..]);
    out
}

/// Cuts at blank lines and wraps every piece in `<p>`.
fn paragraphs(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    let mut piece_start = 0;
    let mut i = 0;
    let bytes = text.as_bytes();
    let push = |piece: &str, out: &mut String| {
        if !piece.is_empty() {
            out.push_str("<p>");
            out.push_str(piece.trim_matches('\n'));
            out.push_str("</p>\n");
        }
    };
    while i < bytes.len() {
        if bytes[i] == b'\n' {
            // A blank line: a newline, any whitespace, and another newline.
            let after = skip_whitespace(text, i + 1);
            let second = text[i + 1..after].rfind('\n').map(|p| i + 1 + p);
            if let Some(second) = second {
                push(&text[piece_start..i], &mut out);
                piece_start = second + 1;
                i = second + 1;
                continue;
            }
        }
        i += 1;
    }
    push(&text[piece_start..], &mut out);
    out
}

fn remove_empty_paragraphs(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while let Some(found) = text[i..].find("<p>") {
        let start = i + found;
        out.push_str(&text[i..start]);
        let after = skip_whitespace(text, start + 3);
        if text[after..].starts_with("</p>") {
            i = after + 4;
        } else {
            out.push_str("<p>");
            i = start + 3;
        }
    }
    out.push_str(&text[i..]);
    out
}

/// `<p>text</div>` gains its `</p>`.
fn close_paragraph_in_div(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while let Some(found) = text[i..].find("<p>") {
        let start = i + found + 3;
        out.push_str(&text[i..start]);
        i = start;
        let Some(lt) = text[start..].find('<').map(|p| start + p) else { continue };
        if lt > start && ["</div>", "</address>", "</form>"].iter().any(|c| text[lt..].starts_with(c)) {
            out.push_str(&text[start..lt]);
            out.push_str("</p>");
            i = lt;
        }
    }
    out.push_str(&text[i..]);
    out
}

/// `<p><div></p>` is just `<div>`.
fn unwrap_lone_block(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while let Some(found) = text[i..].find("<p>") {
        let start = i + found;
        out.push_str(&text[i..start]);
        let tag_start = skip_whitespace(text, start + 3);
        let lone = block_tag_at(text, tag_start).and_then(|(end, _, _)| {
            let close = skip_whitespace(text, end);
            text[close..].starts_with("</p>").then_some((end, close + 4))
        });
        match lone {
            Some((tag_end, end)) => {
                out.push_str(&text[tag_start..tag_end]);
                i = end;
            }
            None => {
                out.push_str("<p>");
                i = start + 3;
            }
        }
    }
    out.push_str(&text[i..]);
    out
}

/// `<p><li>...</p>` on one line loses its paragraph.
fn unwrap_li(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while let Some(found) = text[i..].find("<p><li") {
        let start = i + found;
        out.push_str(&text[i..start]);
        let body = start + 3;
        let line_end = text[body..].find('\n').map_or(text.len(), |p| body + p);
        // PHP's `<p>(<li.+?)</p>`: at least one character after `<li`, all on one line.
        match text[body + 3..line_end].find("</p>") {
            Some(p) if p > 0 => {
                let close = body + 3 + p;
                out.push_str(&text[body..close]);
                i = close + 4;
            }
            _ => {
                out.push_str("<p>");
                i = body;
            }
        }
    }
    out.push_str(&text[i..]);
    out
}

/// `<p><blockquote>` becomes `<blockquote><p>`, and `</blockquote></p>` the other way round.
fn move_p_into_blockquote(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let lower = text.to_ascii_lowercase();
    while let Some(found) = lower[i..].find("<p><blockquote") {
        let start = i + found;
        out.push_str(&text[i..start]);
        let tag = start + 3;
        match text[tag..].find('>') {
            Some(p) => {
                out.push_str(&text[tag..=tag + p]);
                out.push_str("<p>");
                i = tag + p + 1;
            }
            None => {
                out.push_str("<p>");
                i = tag;
            }
        }
    }
    out.push_str(&text[i..]);
    out.replace("</blockquote></p>", "</p></blockquote>")
}

/// `<p>` right before a block tag goes.
fn drop_p_before_block(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while let Some(found) = text[i..].find("<p>") {
        let start = i + found;
        out.push_str(&text[i..start]);
        let tag = skip_whitespace(text, start + 3);
        if block_tag_at(text, tag).is_some() {
            i = tag;
            // The block tag itself is copied by the next round, unless it is a `<p>`.
            if text[tag..].starts_with("<p>") {
                out.push_str("<p>");
                i = tag + 3;
            }
        } else {
            out.push_str("<p>");
            i = start + 3;
        }
    }
    out.push_str(&text[i..]);
    out
}

/// Calls `after` at each block tag with the text following it; `after` says how many bytes
/// after the tag to drop.
fn after_block_tags(text: &str, after: impl Fn(&str) -> Option<usize>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while let Some(found) = text[i..].find('<') {
        let start = i + found;
        out.push_str(&text[i..start]);
        match block_tag_at(text, start) {
            Some((end, _, _)) => {
                out.push_str(&text[start..end]);
                i = end + after(&text[end..]).unwrap_or(0);
            }
            None => {
                out.push('<');
                i = start + 1;
            }
        }
    }
    out.push_str(&text[i..]);
    out
}

/// `</p>` right after a block tag goes.
fn drop_close_p_after_block(text: &str) -> String {
    after_block_tags(text, |rest| {
        let trimmed = rest.trim_start();
        trimmed.starts_with("</p>").then(|| rest.len() - trimmed.len() + 4)
    })
}

/// A `<br />` right after a block tag goes.
fn drop_br_after_block(text: &str) -> String {
    after_block_tags(text, |rest| {
        let trimmed = rest.trim_start();
        trimmed.starts_with("<br />").then(|| rest.len() - trimmed.len() + 6)
    })
}

/// A `<br />` right before the closing or opening of a paragraph, list or cell goes.
fn drop_br_before_block(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while let Some(found) = text[i..].find("<br />") {
        let start = i + found;
        out.push_str(&text[i..start]);
        let next = skip_whitespace(text, start + 6);
        let before_block = tag_at(text, next).is_some_and(|(_, _, name)| BR_BEFORE.contains(&name.as_str()));
        if !before_block {
            out.push_str("<br />");
        }
        i = start + 6;
    }
    out.push_str(&text[i..]);
    out
}

/// Newlines in scripts, styles, SVG and MathML are code, not line breaks.
fn keep_newlines_in_raw_elements(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while let Some(found) = text[i..].find('<') {
        let start = i + found;
        out.push_str(&text[i..start]);
        let raw = tag_at(text, start)
            .filter(|(_, closing, name)| {
                !closing && matches!(name.as_str(), "script" | "style" | "svg" | "math")
            })
            .and_then(|(_, _, name)| {
                let close = format!("</{name}>");
                text[start..].find(&close).map(|p| start + p + close.len())
            });
        match raw {
            Some(end) => {
                out.push_str(&text[start..end].replace('\n', &KEEP_NEWLINE.to_string()));
                i = end;
            }
            None => {
                out.push('<');
                i = start + 1;
            }
        }
    }
    out.push_str(&text[i..]);
    out
}

/// A newline left inside a paragraph is a line break.
fn line_breaks(text: &str) -> String {
    let text = text.replace("<br>", "<br />").replace("<br/>", "<br />");
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut i = 0;
    while let Some(found) = text[i..].find('\n') {
        let newline = i + found;
        let run_start = whitespace_back(&text, newline).max(i);
        out.push_str(&text[i..run_start]);
        if out.ends_with("<br />") {
            out.push_str(&text[run_start..=newline]);
        } else {
            out.push_str("<br />\n");
        }
        i = newline + 1;
    }
    out.push_str(&text[i..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_lines_make_paragraphs_and_single_newlines_breaks() {
        assert_eq!(
            wpautop("First line\nsecond line\n\nNext paragraph"),
            "<p>First line<br />\nsecond line</p>\n<p>Next paragraph</p>\n"
        );
    }

    #[test]
    fn windows_and_old_mac_line_endings_are_normalised() {
        assert_eq!(
            wpautop("One\r\nTwo\r\n\r\nThree\rFour"),
            "<p>One<br />\nTwo</p>\n<p>Three<br />\nFour</p>\n"
        );
    }

    #[test]
    fn more_than_two_newlines_and_whitespace_lines_make_one_break() {
        assert_eq!(wpautop("A\n\n\n\nB\n  \t\nC"), "<p>A</p>\n<p>B</p>\n<p>C</p>\n");
    }

    #[test]
    fn empty_text_gives_nothing() {
        assert_eq!(wpautop("  \n\n "), "");
    }

    #[test]
    fn block_elements_are_not_wrapped() {
        assert_eq!(
            wpautop("Intro\n<h2>Heading</h2>\nAfter"),
            "<p>Intro</p>\n<h2>Heading</h2>\n<p>After</p>\n"
        );
        assert_eq!(
            wpautop("<ul>\n<li>One</li>\n<li>Two</li>\n</ul>"),
            "<ul>\n<li>One</li>\n<li>Two</li>\n</ul>\n"
        );
        assert_eq!(
            wpautop("<table>\n<tr>\n<td>Cell</td>\n</tr>\n</table>"),
            "<table>\n<tr>\n<td>Cell</td>\n</tr>\n</table>\n"
        );
    }

    #[test]
    fn hr_separates_paragraphs() {
        assert_eq!(wpautop("Above\n<hr />\nBelow"), "<p>Above</p>\n<hr />\n<p>Below</p>\n");
    }

    #[test]
    fn blockquote_gets_its_paragraph_inside() {
        assert_eq!(
            wpautop("<blockquote>Quoted words</blockquote>"),
            "<blockquote><p>Quoted words</p></blockquote>\n"
        );
    }

    #[test]
    fn text_in_a_div_is_a_paragraph_inside_it() {
        assert_eq!(wpautop("<div class=\"box\">Boxed text</div>"), "<div class=\"box\">Boxed text</div>\n");
        assert_eq!(wpautop("<div>\n\nBoxed text</div>"), "<div>\n<p>Boxed text</p></div>\n");
    }

    #[test]
    fn pre_content_is_untouched() {
        let text = "Code:\n\n<pre>fn main() {\n\n    let x = 1;\n}</pre>\n\nDone";
        assert_eq!(wpautop(text), "<p>Code:</p>\n<pre>fn main() {\n\n    let x = 1;\n}</pre>\n<p>Done</p>\n");
    }

    #[test]
    fn newlines_inside_tags_do_not_break() {
        assert_eq!(
            wpautop("See <a\nhref=\"https://example.org\">this</a> now"),
            "<p>See <a\nhref=\"https://example.org\">this</a> now</p>\n"
        );
    }

    #[test]
    fn inline_elements_stay_in_the_paragraph() {
        assert_eq!(
            wpautop("<strong>Bold</strong> start\n<em>italic</em> line"),
            "<p><strong>Bold</strong> start<br />\n<em>italic</em> line</p>\n"
        );
    }

    #[test]
    fn double_br_becomes_a_paragraph_break() {
        assert_eq!(wpautop("One<br /><br>Two"), "<p>One</p>\n<p>Two</p>\n");
    }

    #[test]
    fn an_existing_br_gets_no_second_one() {
        assert_eq!(wpautop("One<br />\nTwo"), "<p>One<br />\nTwo</p>\n");
    }

    #[test]
    fn figcaption_stays_inside_its_figure() {
        assert_eq!(
            wpautop("<figure><img src=\"a.jpg\" />\n<figcaption>Caption</figcaption>\n</figure>"),
            "<figure><img src=\"a.jpg\" /><figcaption>Caption</figcaption></figure>\n"
        );
    }

    #[test]
    fn script_newlines_stay_newlines() {
        assert_eq!(
            wpautop("<script>\nvar a = 1;\nvar b = 2;\n</script>"),
            "<p><script>\nvar a = 1;\nvar b = 2;\n</script></p>\n"
        );
    }

    #[test]
    fn similar_inline_names_are_not_blocks() {
        // PHP's pattern would take <param> and <picture> for <p>.
        assert_eq!(
            wpautop("<picture><img src=\"a.jpg\"></picture>"),
            "<p><picture><img src=\"a.jpg\"></picture></p>\n"
        );
    }
}
