//! Provenance: where an article first appeared. Our own work has none; a republished article
//! keeps the whole chain, oldest first ("originally published on A, via B").

use crate::AbsoluteUrl;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::Outlet;

/// One link in a chain of republication.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    pub outlet: Outlet,
    /// The article's address at that outlet.
    pub url: AbsoluteUrl,
    pub published_at: Option<Timestamp>,
    /// The byline as that outlet printed it.
    pub byline: String,
    /// The outlet's feed, when we take articles in from it (a source's address).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feed: Option<AbsoluteUrl>,
}

impl Origin {
    /// The outlet's feed, the channel RSS and Atom `<source>` name: the one we take articles
    /// in from, or the origin's own address when that is a feed.
    pub fn feed_address(&self) -> Option<&AbsoluteUrl> {
        self.feed.as_ref().or_else(|| self.is_feed_address().then_some(&self.url))
    }

    /// Whether the address is the outlet's feed rather than the article (what an RSS
    /// `<source>` gives): it ends in `.xml`, `.rss` or `.atom`, or its last segment is `feed`.
    pub fn is_feed_address(&self) -> bool {
        let path = self.url.path().trim_end_matches('/').to_ascii_lowercase();
        [".xml", ".rss", ".atom"].iter().any(|e| path.ends_with(e))
            || path.rsplit('/').next().is_some_and(|last| matches!(last, "feed" | "rss" | "atom"))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Provenance {
    /// Written for this outlet.
    Own,
    /// Republished. `chain[0]` is where the article first appeared; each later entry republished
    /// the one before it, and the last is the outlet we took it from.
    Republished { chain: Vec<Origin> },
}

impl Provenance {
    /// Where the article first appeared, when it was not written for us.
    pub fn original(&self) -> Option<&Origin> {
        match self {
            Provenance::Own => None,
            Provenance::Republished { chain } => chain.first(),
        }
    }

    /// The outlet we took the article from: the last of the chain.
    pub fn taken_from(&self) -> Option<&Origin> {
        match self {
            Provenance::Own => None,
            Provenance::Republished { chain } => chain.last(),
        }
    }

    /// The outlets between the original and us, in order ("via B, via C").
    pub fn intermediaries(&self) -> &[Origin] {
        match self {
            Provenance::Republished { chain } if chain.len() > 1 => &chain[1..],
            _ => &[],
        }
    }

    pub fn is_republished(&self) -> bool {
        self.original().is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Slug;

    fn origin(name: &str, url: &str) -> Origin {
        Origin {
            outlet: Outlet {
                id: 1,
                slug: Slug::from_title(name).unwrap(),
                name: name.into(),
                homepage: None,
            },
            url: url.parse().unwrap(),
            published_at: None,
            byline: "A. Writer".into(),
            feed: None,
        }
    }

    #[test]
    fn chain_names_the_first_outlet_as_original() {
        let p = Provenance::Republished {
            chain: vec![
                origin("InfoBrics", "https://infobrics.example/a"),
                origin("Danube Dispatch", "https://dd.example/a"),
            ],
        };
        assert_eq!(p.original().unwrap().outlet.name, "InfoBrics");
        assert_eq!(p.intermediaries().len(), 1);
        assert_eq!(p.intermediaries()[0].outlet.name, "Danube Dispatch");
        assert!(p.is_republished());
        assert!(!Provenance::Own.is_republished());
        assert!(Provenance::Own.intermediaries().is_empty());
    }
}
