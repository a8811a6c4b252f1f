//! Sources: a partner outlet's feed that we take articles in from, on the terms we have with
//! them. The terms decide what may be published here and whether the text may be edited; this
//! module is the one place that says so.

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::ReusePolicy;

/// What a source's feed is written in. `Auto` looks at the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FeedFormat {
    Auto,
    Rss,
    Atom,
    JsonFeed,
    Ninjs,
}

impl FeedFormat {
    pub const ALL: [FeedFormat; 5] =
        [FeedFormat::Auto, FeedFormat::Rss, FeedFormat::Atom, FeedFormat::JsonFeed, FeedFormat::Ninjs];

    pub fn key(self) -> &'static str {
        match self {
            FeedFormat::Auto => "auto",
            FeedFormat::Rss => "rss",
            FeedFormat::Atom => "atom",
            FeedFormat::JsonFeed => "json-feed",
            FeedFormat::Ninjs => "ninjs",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            FeedFormat::Auto => "Recognise it",
            FeedFormat::Rss => "RSS 2.0",
            FeedFormat::Atom => "Atom",
            FeedFormat::JsonFeed => "JSON Feed",
            FeedFormat::Ninjs => "IPTC ninjs",
        }
    }
}

impl fmt::Display for FeedFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown feed format {found:?}; expected auto, rss, atom, json-feed or ninjs")]
pub struct UnknownFormat {
    pub found: String,
}

impl FromStr for FeedFormat {
    type Err = UnknownFormat;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FeedFormat::ALL
            .into_iter()
            .find(|f| f.key() == s)
            .ok_or_else(|| UnknownFormat { found: s.to_owned() })
    }
}

/// The terms we take a partner's articles on: their public reuse policy, or a written agreement
/// with them that allows us commercial use (and edits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SourceTerms {
    Policy(ReusePolicy),
    Agreement,
}

impl SourceTerms {
    pub const AGREEMENT_KEY: &'static str = "agreement";

    pub fn key(self) -> &'static str {
        match self {
            SourceTerms::Policy(p) => p.key(),
            SourceTerms::Agreement => Self::AGREEMENT_KEY,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            SourceTerms::Policy(p) => p.name(),
            SourceTerms::Agreement => "Written agreement (commercial use allowed)",
        }
    }

    /// Why an article taken in on these terms cannot be published on this site, if it cannot.
    pub fn refusal(self, site_is_commercial: bool) -> Option<String> {
        match self {
            SourceTerms::Agreement => None,
            SourceTerms::Policy(p) if !p.allows_republication() => {
                Some(format!("The partner's terms ({}) allow no republication.", p.name()))
            }
            SourceTerms::Policy(p) if site_is_commercial && !p.allows_commercial_use() => Some(format!(
                "The partner's terms ({}) allow non-commercial use only, and this site is set as commercial.",
                p.name()
            )),
            SourceTerms::Policy(_) => None,
        }
    }

    /// Whether the text must stay as the partner wrote it (no derivatives). The headline and the
    /// taxonomy may still change.
    pub fn locks_text(self) -> bool {
        match self {
            SourceTerms::Agreement => false,
            SourceTerms::Policy(p) => !p.allows_derivatives(),
        }
    }

    /// The reuse policy our copy carries: the partner's licence, passed on unchanged; under an
    /// agreement, nobody else may take it from us.
    pub fn policy_of_copy(self) -> ReusePolicy {
        match self {
            SourceTerms::Policy(p) => p,
            SourceTerms::Agreement => ReusePolicy::AllRightsReserved,
        }
    }
}

impl fmt::Display for SourceTerms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown terms {found:?}; expected agreement, cc-by, cc-by-nd, cc-by-nc-nd, all-rights-reserved or community-cross-post"
)]
pub struct UnknownTerms {
    pub found: String,
}

impl FromStr for SourceTerms {
    type Err = UnknownTerms;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == Self::AGREEMENT_KEY {
            return Ok(SourceTerms::Agreement);
        }
        s.parse::<ReusePolicy>().map(SourceTerms::Policy).map_err(|_| UnknownTerms { found: s.to_owned() })
    }
}

impl Serialize for SourceTerms {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.key())
    }
}

impl<'de> Deserialize<'de> for SourceTerms {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The shortest and longest time between two polls of a source.
pub const MIN_INTERVAL_MINUTES: i64 = 5;
pub const MAX_INTERVAL_MINUTES: i64 = 24 * 60;

/// What an editor says about a source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewSource {
    pub outlet_id: i64,
    pub feed_url: Url,
    pub format: FeedFormat,
    pub terms: SourceTerms,
    /// Regions, themes and tags every article from this source is filed under.
    pub term_ids: Vec<i64>,
    /// New items are published at once (when the terms allow) instead of waiting in the queue.
    pub auto_publish: bool,
    pub interval_minutes: i64,
}

/// A source with what its polling has found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    pub id: i64,
    pub outlet_id: i64,
    pub outlet_name: String,
    pub feed_url: Url,
    pub format: FeedFormat,
    pub terms: SourceTerms,
    pub term_ids: Vec<i64>,
    pub auto_publish: bool,
    pub interval_minutes: i64,
    pub last_polled_at: Option<Timestamp>,
    pub last_success_at: Option<Timestamp>,
    pub next_poll_at: Timestamp,
    /// Failed polls in a row; each doubles the wait before the next one.
    pub failures: i64,
    pub last_error: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// The wait before the next poll after `failures` failed polls in a row: the interval, doubled
/// for each failure, and never more than a day.
pub fn backoff_minutes(interval_minutes: i64, failures: i64) -> i64 {
    let factor = 1_i64.checked_shl(failures.clamp(0, 16) as u32).unwrap_or(i64::MAX);
    interval_minutes.saturating_mul(factor).min(MAX_INTERVAL_MINUTES)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_decide_what_may_be_published_and_edited() {
        let all_rights = SourceTerms::Policy(ReusePolicy::AllRightsReserved);
        assert!(all_rights.refusal(false).unwrap().contains("allow no republication"));
        let nc = SourceTerms::Policy(ReusePolicy::CcByNcNd);
        assert_eq!(nc.refusal(false), None);
        assert!(nc.refusal(true).unwrap().contains("non-commercial use only"));
        assert!(SourceTerms::Policy(ReusePolicy::CommunityCrossPost).refusal(true).is_some());
        assert_eq!(SourceTerms::Policy(ReusePolicy::CcBy).refusal(true), None);
        assert_eq!(SourceTerms::Agreement.refusal(true), None);
        assert!(SourceTerms::Policy(ReusePolicy::CcByNd).locks_text());
        assert!(!SourceTerms::Policy(ReusePolicy::CcBy).locks_text());
        assert!(!SourceTerms::Agreement.locks_text());
    }

    #[test]
    fn keys_round_trip() {
        for t in ReusePolicy::ALL.map(SourceTerms::Policy).into_iter().chain([SourceTerms::Agreement]) {
            assert_eq!(t.key().parse::<SourceTerms>().unwrap(), t);
        }
        for f in FeedFormat::ALL {
            assert_eq!(f.key().parse::<FeedFormat>().unwrap(), f);
        }
        assert!("cc0".parse::<SourceTerms>().is_err());
    }

    #[test]
    fn failures_double_the_wait_up_to_a_day() {
        assert_eq!(backoff_minutes(30, 0), 30);
        assert_eq!(backoff_minutes(30, 1), 60);
        assert_eq!(backoff_minutes(30, 3), 240);
        assert_eq!(backoff_minutes(30, 40), MAX_INTERVAL_MINUTES);
    }
}
