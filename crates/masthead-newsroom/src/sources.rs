//! Partners' feeds: what a person sends to add or change a source, checked once for every edge.

use masthead_core::source::{MAX_INTERVAL_MINUTES, MIN_INTERVAL_MINUTES};
use masthead_core::{FeedFormat, NewSource, SourceTerms};
use serde::Deserialize;

use crate::error::Failure;

/// What a client sends to add or change a source.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceRequest {
    pub outlet_id: i64,
    pub feed_url: String,
    #[serde(default)]
    pub format: Option<String>,
    /// A reuse policy's key, or `agreement`.
    pub terms: String,
    #[serde(default)]
    pub term_ids: Vec<i64>,
    #[serde(default)]
    pub auto_publish: bool,
    #[serde(default)]
    pub interval_minutes: Option<i64>,
}

/// The default time between two polls.
pub const DEFAULT_INTERVAL_MINUTES: i64 = 30;

impl SourceRequest {
    /// The source to save, or the field at fault and what is wrong with it.
    pub fn into_new(self) -> Result<NewSource, Failure> {
        let feed_url = url::Url::parse(self.feed_url.trim())
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| {
                Failure::invalid("feed_url", format!("{:?} is not an http or https address", self.feed_url))
            })?;
        let format = match self.format.as_deref().map(str::trim) {
            None | Some("") => FeedFormat::Auto,
            Some(f) => f.parse().map_err(|e: masthead_core::source::UnknownFormat| {
                Failure::invalid("format", e.to_string())
            })?,
        };
        let terms =
            self.terms.trim().parse::<SourceTerms>().map_err(|e| Failure::invalid("terms", e.to_string()))?;
        let interval_minutes = self.interval_minutes.unwrap_or(DEFAULT_INTERVAL_MINUTES);
        if !(MIN_INTERVAL_MINUTES..=MAX_INTERVAL_MINUTES).contains(&interval_minutes) {
            return Err(Failure::invalid(
                "interval_minutes",
                format!("poll between every {MIN_INTERVAL_MINUTES} and every {MAX_INTERVAL_MINUTES} minutes"),
            ));
        }
        Ok(NewSource {
            outlet_id: self.outlet_id,
            feed_url,
            format,
            terms,
            term_ids: self.term_ids,
            auto_publish: self.auto_publish,
            interval_minutes,
        })
    }
}
