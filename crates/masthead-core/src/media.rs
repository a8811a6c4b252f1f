//! Media: files kept in the data folder (under `media/`), described well enough to be shown
//! with the right size, alternative text and credit.

/// Where the copy of `path` resized to `width` is kept: `2026/11/a.jpg` → `2026/11/a-w480.jpg`.
pub fn variant_path(path: &str, width: i64) -> String {
    match path.rsplit_once('.') {
        Some((stem, ext)) if !ext.contains('/') => format!("{stem}-w{width}.{ext}"),
        _ => format!("{path}-w{width}"),
    }
}

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
    /// Widths of the resized copies beside the file (`<stem>-w480.<ext>`), smallest first.
    #[serde(default)]
    pub variant_widths: Vec<i64>,
}

impl Media {
    /// The path the file is served at.
    pub fn public_path(&self) -> String {
        format!("/media/{}", self.path)
    }

    /// The path the copy resized to `width` is served at.
    pub fn variant_public_path(&self, width: i64) -> String {
        format!("/media/{}", variant_path(&self.path, width))
    }
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
    /// Widths of the resized copies beside the file (`<stem>-w480.<ext>`), smallest first.
    #[serde(default)]
    pub variant_widths: Vec<i64>,
}

#[cfg(test)]
mod tests {
    #[test]
    fn variants_sit_beside_the_original() {
        assert_eq!(super::variant_path("2026/11/a.jpg", 480), "2026/11/a-w480.jpg");
        assert_eq!(super::variant_path("dir.v2/file", 960), "dir.v2/file-w960");
    }
}
