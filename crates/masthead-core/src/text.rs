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
