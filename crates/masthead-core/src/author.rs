//! Authors: the people in a byline. An author may write for us or for a partner outlet
//! (`outlet_id`), in which case their archive still lives here, under our URL.

use crate::AbsoluteUrl;
use serde::{Deserialize, Serialize};

use crate::Slug;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorLink {
    /// What the link is, in words: "Website", "Mastodon", "Bluesky".
    pub label: String,
    pub url: AbsoluteUrl,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Author {
    pub id: i64,
    pub slug: Slug,
    pub name: String,
    /// The one-line bio printed under each article: "X is an independent geopolitical analyst."
    pub bio: String,
    pub links: Vec<AuthorLink>,
    pub avatar_media_id: Option<i64>,
    /// The partner outlet this author writes for, when not one of ours.
    pub outlet_id: Option<i64>,
}

impl Author {
    /// The path of the author's archive on this site.
    pub fn path(&self) -> String {
        format!("/author/{}", self.slug)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAuthor {
    pub slug: Slug,
    pub name: String,
    pub bio: String,
    pub links: Vec<AuthorLink>,
    pub avatar_media_id: Option<i64>,
    pub outlet_id: Option<i64>,
}
