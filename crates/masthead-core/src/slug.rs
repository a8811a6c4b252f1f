//! URL slugs: parsed once at the boundary, so that the rest of the code never re-checks them.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A URL path segment made of lower-case ASCII letters, digits and single hyphens.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlugError {
    #[error("a slug cannot be empty")]
    Empty,
    #[error("a slug may be at most {max} characters long, this one has {len}")]
    TooLong { len: usize, max: usize },
    #[error("a slug may contain only a-z, 0-9 and single hyphens between them; {found:?} is not allowed")]
    Invalid { found: String },
}

impl Slug {
    pub const MAX_LEN: usize = 120;

    /// Accepts an existing slug as it is, or says why it is not one.
    pub fn parse(s: &str) -> Result<Self, SlugError> {
        if s.is_empty() {
            return Err(SlugError::Empty);
        }
        if s.len() > Self::MAX_LEN {
            return Err(SlugError::TooLong { len: s.len(), max: Self::MAX_LEN });
        }
        let valid_chars = s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !valid_chars || s.starts_with('-') || s.ends_with('-') || s.contains("--") {
            return Err(SlugError::Invalid { found: s.to_owned() });
        }
        Ok(Self(s.to_owned()))
    }

    /// Makes a slug from a headline or a name, transliterating non-Latin text
    /// ("Србија и ЕУ" becomes "srbija-i-eu") so that every title yields a readable URL.
    pub fn from_title(title: &str) -> Result<Self, SlugError> {
        let ascii = deunicode::deunicode(title).to_ascii_lowercase();
        let mut out = String::with_capacity(ascii.len());
        for c in ascii.chars() {
            if c.is_ascii_alphanumeric() {
                out.push(c);
            } else if !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
        }
        // Cut long titles at a word boundary rather than mid-word.
        if out.len() > 80 {
            let cut = out[..80].rfind('-').unwrap_or(80);
            out.truncate(cut);
        }
        let trimmed = out.trim_end_matches('-');
        Self::parse(trimmed)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Slug {
    type Error = SlugError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Slug> for String {
    fn from(value: Slug) -> Self {
        value.0
    }
}

impl AsRef<str> for Slug {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_become_readable_slugs() {
        assert_eq!(
            Slug::from_title("Serbia's Election: What Next?").unwrap().as_str(),
            "serbia-s-election-what-next"
        );
        assert_eq!(Slug::from_title("Србија и ЕУ").unwrap().as_str(), "srbija-i-eu");
        assert_eq!(Slug::from_title("  Café — Müller  ").unwrap().as_str(), "cafe-muller");
    }

    #[test]
    fn titles_without_letters_are_refused() {
        assert_eq!(Slug::from_title("!!!"), Err(SlugError::Empty));
    }

    #[test]
    fn long_titles_are_cut_at_a_word() {
        let title = "word ".repeat(40);
        let slug = Slug::from_title(&title).unwrap();
        assert!(slug.as_str().len() <= 80);
        assert!(slug.as_str().ends_with("word"));
    }

    #[test]
    fn parse_rejects_what_a_url_would_mangle() {
        for bad in ["", "Upper", "a b", "a--b", "-a", "a-", "a/b", "ä", "../etc"] {
            assert!(Slug::parse(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(Slug::parse("balkans-2026").is_ok());
        assert!(matches!(Slug::parse(&"a".repeat(121)), Err(SlugError::TooLong { .. })));
    }
}
