//! Reuse policies: the terms under which others may republish an article. Each preset has words
//! a reader understands and, where a public licence exists, its canonical URL, so that the page,
//! the feeds and the republish snippet all state the same terms.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReusePolicy {
    /// Creative Commons Attribution 4.0.
    CcBy,
    /// Creative Commons Attribution-NoDerivatives 4.0.
    CcByNd,
    /// Creative Commons Attribution-NonCommercial-NoDerivatives 4.0.
    CcByNcNd,
    /// No reuse without written permission.
    AllRightsReserved,
    /// The independent-press convention: community sites may cross-post with source, copyright
    /// and a link back; commercial use needs permission.
    CommunityCrossPost,
}

impl ReusePolicy {
    pub const ALL: [ReusePolicy; 5] = [
        ReusePolicy::CcBy,
        ReusePolicy::CcByNd,
        ReusePolicy::CcByNcNd,
        ReusePolicy::AllRightsReserved,
        ReusePolicy::CommunityCrossPost,
    ];

    /// The stable key stored in the database and used in settings and the API.
    pub fn key(self) -> &'static str {
        match self {
            ReusePolicy::CcBy => "cc-by",
            ReusePolicy::CcByNd => "cc-by-nd",
            ReusePolicy::CcByNcNd => "cc-by-nc-nd",
            ReusePolicy::AllRightsReserved => "all-rights-reserved",
            ReusePolicy::CommunityCrossPost => "community-cross-post",
        }
    }

    /// A short name, as shown next to the licence link.
    pub fn name(self) -> &'static str {
        match self {
            ReusePolicy::CcBy => "CC BY 4.0",
            ReusePolicy::CcByNd => "CC BY-ND 4.0",
            ReusePolicy::CcByNcNd => "CC BY-NC-ND 4.0",
            ReusePolicy::AllRightsReserved => "All rights reserved",
            ReusePolicy::CommunityCrossPost => "Community cross-posting",
        }
    }

    /// The terms in plain words, as printed under every article.
    pub fn text(self) -> &'static str {
        match self {
            ReusePolicy::CcBy => {
                "You may republish this article, in print or online, and adapt it, including for commercial use, as long as you credit the author and this outlet and link back to the original."
            }
            ReusePolicy::CcByNd => {
                "You may republish this article, in print or online, including for commercial use, as long as you credit the author and this outlet, link back to the original and do not edit the text."
            }
            ReusePolicy::CcByNcNd => {
                "You may republish this article for non-commercial purposes only, as long as you credit the author and this outlet, link back to the original and do not edit the text."
            }
            ReusePolicy::AllRightsReserved => {
                "All rights reserved. This article may not be republished without written permission; please contact us."
            }
            ReusePolicy::CommunityCrossPost => {
                "Community and non-profit sites may cross-post this article in full, with its source, the copyright notice and an active link back to the original. For commercial use, please ask for permission."
            }
        }
    }

    /// The path of the site's own page stating these terms (`/reuse/{key}`): where feeds,
    /// ninjs and JSON-LD point for terms that are not a public licence.
    pub fn terms_path(self) -> String {
        format!("/reuse/{}", self.key())
    }

    /// The canonical licence URL, where the terms are a public licence.
    pub fn license_url(self) -> Option<&'static str> {
        match self {
            ReusePolicy::CcBy => Some("https://creativecommons.org/licenses/by/4.0/"),
            ReusePolicy::CcByNd => Some("https://creativecommons.org/licenses/by-nd/4.0/"),
            ReusePolicy::CcByNcNd => Some("https://creativecommons.org/licenses/by-nc-nd/4.0/"),
            ReusePolicy::AllRightsReserved | ReusePolicy::CommunityCrossPost => None,
        }
    }

    /// Whether anyone may republish without asking first.
    pub fn allows_republication(self) -> bool {
        !matches!(self, ReusePolicy::AllRightsReserved)
    }

    /// Whether a commercial publisher may republish without asking first.
    pub fn allows_commercial_use(self) -> bool {
        matches!(self, ReusePolicy::CcBy | ReusePolicy::CcByNd)
    }

    /// Whether a republisher may edit the text.
    pub fn allows_derivatives(self) -> bool {
        matches!(self, ReusePolicy::CcBy)
    }
}

impl fmt::Display for ReusePolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown reuse policy {found:?}; expected one of cc-by, cc-by-nd, cc-by-nc-nd, all-rights-reserved, community-cross-post"
)]
pub struct UnknownPolicy {
    pub found: String,
}

impl FromStr for ReusePolicy {
    type Err = UnknownPolicy;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ReusePolicy::ALL
            .into_iter()
            .find(|p| p.key() == s)
            .ok_or_else(|| UnknownPolicy { found: s.to_owned() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_match_serde() {
        for p in ReusePolicy::ALL {
            assert_eq!(p.key().parse::<ReusePolicy>().unwrap(), p);
            assert_eq!(serde_json::to_string(&p).unwrap(), format!("\"{}\"", p.key()));
        }
        assert!("cc0".parse::<ReusePolicy>().is_err());
    }

    #[test]
    fn creative_commons_presets_name_their_licence() {
        assert!(ReusePolicy::CcByNcNd.license_url().unwrap().contains("by-nc-nd/4.0"));
        assert_eq!(ReusePolicy::AllRightsReserved.license_url(), None);
    }

    #[test]
    fn permissions_follow_the_licence_terms() {
        assert!(!ReusePolicy::AllRightsReserved.allows_republication());
        assert!(ReusePolicy::CommunityCrossPost.allows_republication());
        assert!(!ReusePolicy::CommunityCrossPost.allows_commercial_use());
        assert!(!ReusePolicy::CcByNcNd.allows_commercial_use());
        assert!(!ReusePolicy::CcByNd.allows_derivatives());
        assert!(ReusePolicy::CcBy.allows_derivatives());
    }
}
