//! What a reader typed into the search box, made safe: words, "phrases in quotes" and
//! prefixes*, with everything else (operators, brackets, the backends' own syntax) read as a
//! space. The store turns a [`SearchQuery`] into FTS5 or tsquery syntax that it writes itself,
//! so no input reaches a backend's query parser as syntax, and the work a query asks for is
//! bounded here.

use serde::{Deserialize, Serialize};

/// At most this many words and phrases count; the rest of the query is ignored.
pub const MAX_TERMS: usize = 12;
/// At most this many words in one phrase.
pub const MAX_PHRASE_WORDS: usize = 8;
/// A longer word is cut to this many characters (no language has words this long; a longer
/// token is noise).
pub const MAX_WORD_CHARS: usize = 40;
/// A query is read up to this many characters.
pub const MAX_QUERY_CHARS: usize = 400;
/// A prefix needs this many characters: `a*` would ask for every word in the index.
pub const MIN_PREFIX_CHARS: usize = 3;

/// One part of a query: every part must match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SearchTerm {
    /// A word, or the start of words when `prefix`.
    Word { word: String, prefix: bool },
    /// Words that must appear in this order, next to each other.
    Phrase(Vec<String>),
}

/// A reader's query, parsed. Empty when nothing searchable was typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchQuery {
    pub terms: Vec<SearchTerm>,
}

impl SearchQuery {
    /// Reads `input`: `"exact phrase"`, `prefix*`, and words; any other character separates
    /// words. Never fails: what cannot be searched for is left out.
    pub fn parse(input: &str) -> SearchQuery {
        let input: String = input.chars().take(MAX_QUERY_CHARS).collect();
        let mut terms = Vec::new();
        // Quotes alternate between outside and inside a phrase; an unclosed quote closes at the
        // end.
        for (i, part) in input.split('"').enumerate() {
            if terms.len() >= MAX_TERMS {
                break;
            }
            if i % 2 == 1 {
                let words: Vec<String> = words(part).map(|(w, _)| w).take(MAX_PHRASE_WORDS).collect();
                match words.len() {
                    0 => {}
                    1 => terms.push(SearchTerm::Word {
                        word: words.into_iter().next().expect("one word"),
                        prefix: false,
                    }),
                    _ => terms.push(SearchTerm::Phrase(words)),
                }
            } else {
                for (word, prefix) in words(part) {
                    if terms.len() >= MAX_TERMS {
                        break;
                    }
                    let prefix = prefix && word.chars().count() >= MIN_PREFIX_CHARS;
                    terms.push(SearchTerm::Word { word, prefix });
                }
            }
        }
        terms.dedup();
        SearchQuery { terms }
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }
}

/// The words of `text` (letters and digits, lower-cased), each with whether a `*` followed it.
fn words(text: &str) -> impl Iterator<Item = (String, bool)> + '_ {
    let mut rest = text;
    std::iter::from_fn(move || {
        let start = rest.find(char::is_alphanumeric)?;
        rest = &rest[start..];
        let end = rest.find(|c: char| !c.is_alphanumeric()).unwrap_or(rest.len());
        let word: String = rest[..end].chars().take(MAX_WORD_CHARS).flat_map(char::to_lowercase).collect();
        rest = &rest[end..];
        let prefix = rest.starts_with('*');
        Some((word, prefix))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(w: &str) -> SearchTerm {
        SearchTerm::Word { word: w.into(), prefix: false }
    }

    #[test]
    fn words_phrases_and_prefixes_are_read() {
        let q = SearchQuery::parse(r#"Danube "low water" freigh* a*"#);
        assert_eq!(
            q.terms,
            vec![
                word("danube"),
                SearchTerm::Phrase(vec!["low".into(), "water".into()]),
                SearchTerm::Word { word: "freigh".into(), prefix: true },
                // Too short to be a prefix: the word itself.
                word("a"),
            ]
        );
    }

    #[test]
    fn the_backends_syntax_is_only_spaces() {
        for hostile in [
            r#"NEAR(a b) OR c:* & !d | (e) -f ^g {h} title:i 'j' \k"#,
            "\u{0}\u{1b}[31m<script>",
            "\"\"\"\"",
            "***",
            "",
        ] {
            for term in SearchQuery::parse(hostile).terms {
                let words = match term {
                    SearchTerm::Word { word, .. } => vec![word],
                    SearchTerm::Phrase(words) => words,
                };
                for w in words {
                    assert!(w.chars().all(char::is_alphanumeric), "{hostile:?} gave {w:?}");
                }
            }
        }
        assert!(SearchQuery::parse("*** \"\" ()").is_empty());
    }

    #[test]
    fn an_unclosed_quote_ends_the_phrase_at_the_end() {
        assert_eq!(
            SearchQuery::parse(r#"river "upper danube"#).terms,
            vec![word("river"), SearchTerm::Phrase(vec!["upper".into(), "danube".into()])]
        );
    }

    #[test]
    fn a_long_query_is_bounded() {
        let long = "word ".repeat(10_000) + &"x".repeat(10_000);
        let q = SearchQuery::parse(&long);
        assert_eq!(q.terms, vec![word("word")], "repeated words count once");
        let many: String = (0..100).map(|i| format!("w{i} ")).collect();
        assert_eq!(SearchQuery::parse(&many).terms.len(), MAX_TERMS);
        let giant = SearchQuery::parse(&"y".repeat(1000));
        assert_eq!(giant.terms, vec![word(&"y".repeat(MAX_WORD_CHARS))]);
    }

    #[test]
    fn letters_of_every_script_are_words() {
        assert_eq!(
            SearchQuery::parse("Дунав Dunărea 東京").terms,
            vec![word("дунав"), word("dunărea"), word("東京")]
        );
    }
}
