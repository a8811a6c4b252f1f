//! Text as newsrooms paste it: the characters no published document may carry, taken out once,
//! when an article is saved.
//!
//! XML 1.0 forbids most C0 control characters and U+FFFE/U+FFFF: one of them in a headline makes
//! every feed and sitemap that carries the article unreadable, for every subscriber, until the
//! article ages out. Word pastes U+000B for a line break; exports and misdecoded text bring the
//! rest. None of them is ever meant as text, so they are replaced rather than refused.

use std::borrow::Cow;

/// Whether `c` may be stored and published: not a control character other than tab, line feed
/// and carriage return, and not a noncharacter (U+FFFE, U+FFFF, U+FDD0–U+FDEF and the last two
/// code points of every plane).
/// A headline as plain text: an imported or partner's title may carry the inline markup its
/// system allowed (`<em>Titanic</em> sinks`), which a headline here would print literally. Only
/// inline elements are taken out, so that a title that merely speaks of a tag ("Why <script>
/// tags matter") keeps it.
pub fn plain_title(title: &str) -> String {
    const INLINE: &[&str] = &[
        "em", "strong", "i", "b", "u", "s", "span", "br", "sup", "sub", "a", "abbr", "small", "mark", "del",
        "ins", "q", "cite", "code",
    ];
    let mut out = String::with_capacity(title.len());
    let mut rest = title;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let end = after.find('>');
        let name: String = after
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        match end {
            Some(end) if INLINE.contains(&name.as_str()) => {
                // A line break stands for a space.
                if name == "br" {
                    out.push(' ');
                }
                rest = &after[end + 1..];
            }
            _ => {
                out.push('<');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub fn is_publishable(c: char) -> bool {
    let n = u32::from(c);
    let control = c.is_control() && !matches!(c, '\t' | '\n' | '\r');
    let noncharacter = (0xFDD0..=0xFDEF).contains(&n) || n & 0xFFFE == 0xFFFE;
    !(control || noncharacter)
}

/// `text` with every character that may not be published replaced: the breaks Word and other
/// editors paste (vertical tab, form feed, next line) by a space, the others by nothing.
pub fn publishable(text: &str) -> Cow<'_, str> {
    if text.chars().all(is_publishable) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .filter_map(|c| match c {
                '\u{0B}' | '\u{0C}' | '\u{85}' => Some(' '),
                c if is_publishable(c) => Some(c),
                _ => None,
            })
            .collect(),
    )
}

/// [`publishable`], in place.
pub fn make_publishable(text: &mut String) {
    if let Cow::Owned(clean) = publishable(text) {
        *text = clean;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_and_noncharacters_are_replaced() {
        assert_eq!(publishable("Line\u{0B}break"), "Line break");
        assert_eq!(publishable("a\u{0}b\u{1}c\u{1F}d\u{7F}e\u{9F}f"), "abcdef");
        assert_eq!(publishable("x\u{FFFE}y\u{FFFF}z\u{FDD0}\u{1FFFF}"), "xyz");
        assert_eq!(publishable("page\u{0C}feed"), "page feed");
    }

    #[test]
    fn ordinary_text_is_kept_as_it_is() {
        let text = "Tab\there, lines\r\nand «quotes» — ünïcödé, 東京, 🚀, \u{FFFD}";
        assert!(matches!(publishable(text), Cow::Borrowed(t) if t == text));
    }
}

#[cfg(test)]
mod title_tests {
    use super::plain_title;

    #[test]
    fn inline_markup_leaves_a_headline_and_the_rest_stays() {
        assert_eq!(
            plain_title("<em>Titanic</em> sinks, <strong>1,500</strong> lost"),
            "Titanic sinks, 1,500 lost"
        );
        assert_eq!(plain_title("A<br/>B"), "A B");
        assert_eq!(plain_title("Why <script> tags matter"), "Why <script> tags matter");
        assert_eq!(plain_title("5 < 6 and 7 > 3"), "5 < 6 and 7 > 3");
        assert_eq!(plain_title("<a href=\"x\">Link</a> text"), "Link text");
    }
}
