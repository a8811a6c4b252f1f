//! Terms: the regions, themes and tags an article is filed under. Regions and themes form
//! trees (Europe > Balkans > Serbia); tags are flat.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Slug;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TermKind {
    Region,
    Theme,
    Tag,
}

impl TermKind {
    pub const ALL: [TermKind; 3] = [TermKind::Region, TermKind::Theme, TermKind::Tag];

    pub fn key(self) -> &'static str {
        match self {
            TermKind::Region => "region",
            TermKind::Theme => "theme",
            TermKind::Tag => "tag",
        }
    }

    /// The heading used for this kind on pages: "Region", "Theme", "Tag".
    pub fn label(self) -> &'static str {
        match self {
            TermKind::Region => "Region",
            TermKind::Theme => "Theme",
            TermKind::Tag => "Tag",
        }
    }

    /// Whether terms of this kind may have a parent.
    pub fn is_hierarchical(self) -> bool {
        !matches!(self, TermKind::Tag)
    }
}

impl fmt::Display for TermKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown term kind {found:?}; expected region, theme or tag")]
pub struct UnknownTermKind {
    pub found: String,
}

impl FromStr for TermKind {
    type Err = UnknownTermKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TermKind::ALL
            .into_iter()
            .find(|k| k.key() == s)
            .ok_or_else(|| UnknownTermKind { found: s.to_owned() })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Term {
    pub id: i64,
    pub kind: TermKind,
    pub slug: Slug,
    pub name: String,
    pub description: String,
    pub parent_id: Option<i64>,
}

impl Term {
    /// The path of the term's archive on this site: `/region/balkans`.
    pub fn path(&self) -> String {
        format!("/{}/{}", self.kind.key(), self.slug)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewTerm {
    pub kind: TermKind,
    pub slug: Slug,
    pub name: String,
    pub description: String,
    pub parent_id: Option<i64>,
}
