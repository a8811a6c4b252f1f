//! Media: files kept in the data folder (under `media/`), described well enough to be shown
//! with the right size, alternative text and credit.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Media {
    pub id: i64,
    /// Path below `<data>/media/`, with forward slashes: `2026/11/danube-bridge.svg`.
    pub path: String,
    pub mime_type: String,
    pub size_bytes: i64,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub alt: String,
    pub credit: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewMedia {
    pub path: String,
    pub mime_type: String,
    pub size_bytes: i64,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub alt: String,
    pub credit: String,
}
