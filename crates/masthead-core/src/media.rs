//! Media: files kept in the data folder (under `media/`), described well enough to be shown
//! with the right size, alternative text and credit.

/// How many leading bytes [`media_type`] needs to judge a file.
pub const SNIFF_BYTES: usize = 512;

/// The media type of a file judged by its content (never its name), when it is one that the
/// site keeps and serves: images, audio, video and PDF. Anything else (HTML, script, archives,
/// executables) is not media, whatever it is called. SVG is accepted as an image; it is served
/// with a sandboxing policy, so script in it never runs on the site's origin.
pub fn media_type(head: &[u8]) -> Option<&'static str> {
    const KEPT: &[&str] = &[
        "image/jpeg",
        "image/png",
        "image/gif",
        "image/webp",
        "image/avif",
        "audio/mpeg",
        "audio/ogg",
        "audio/x-flac",
        "audio/x-wav",
        "audio/m4a",
        "video/mp4",
        "video/webm",
        "video/quicktime",
        "application/pdf",
    ];
    // An XML document may be an SVG image: that is decided below.
    if let Some(kind) = infer::get(head).filter(|k| k.mime_type() != "text/xml") {
        return KEPT.iter().find(|k| **k == kind.mime_type()).copied();
    }
    let text = std::str::from_utf8(head.get(..head.len().min(SNIFF_BYTES))?).ok().or_else(|| {
        // A multi-byte character cut at the end of the sniffed bytes.
        (1..4).find_map(|cut| std::str::from_utf8(&head[..head.len().saturating_sub(cut)]).ok())
    })?;
    let start = text.trim_start_matches('\u{feff}').trim_start();
    let lower = start.to_ascii_lowercase();
    let svg = lower.starts_with("<svg") || (lower.starts_with("<?xml") && lower.contains("<svg"));
    svg.then_some("image/svg+xml")
}

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
    /// The terms we hold it under: "CC BY 4.0", "Reuters: for our own use only".
    #[serde(default)]
    pub licence: String,
    /// Whether it may travel with republished copies (the snippet, ninjs, feed content); when
    /// not, copies carry its credit and a link to the original instead.
    #[serde(default = "travels_by_default")]
    pub travels: bool,
}

fn travels_by_default() -> bool {
    true
}

impl Media {
    /// Whether the file stays at another site's address (an imported image that was not
    /// copied): its `path` is then that absolute http(s) address.
    pub fn is_remote(&self) -> bool {
        is_remote_path(&self.path)
    }

    /// The path the file is served at, or the address it stays at.
    pub fn public_path(&self) -> String {
        if self.is_remote() {
            return self.path.clone();
        }
        format!("/media/{}", self.path)
    }

    /// The path the copy resized to `width` is served at.
    pub fn variant_public_path(&self, width: i64) -> String {
        format!("/media/{}", variant_path(&self.path, width))
    }
}

/// Whether a media path is an address on another site rather than a file here.
pub fn is_remote_path(path: &str) -> bool {
    path.starts_with("https://") || path.starts_with("http://")
}

/// The media type an image address's extension suggests, for files that stay where they are;
/// None when it names no image.
pub fn image_type_of_address(address: &str) -> Option<&'static str> {
    let path = address.split(['?', '#']).next().unwrap_or_default().to_ascii_lowercase();
    let extension = path.rsplit_once('.').map(|(_, e)| e)?;
    Some(match extension {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        _ => return None,
    })
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
    #[serde(default)]
    pub licence: String,
    #[serde(default = "travels_by_default")]
    pub travels: bool,
}

#[cfg(test)]
mod tests {
    #[test]
    fn variants_sit_beside_the_original() {
        assert_eq!(super::variant_path("2026/11/a.jpg", 480), "2026/11/a-w480.jpg");
        assert_eq!(super::variant_path("dir.v2/file", 960), "dir.v2/file-w960");
    }
}

#[cfg(test)]
mod sniffing {
    use super::media_type;

    #[test]
    fn media_is_judged_by_content_not_by_name() {
        assert_eq!(
            media_type(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F']),
            Some("image/jpeg")
        );
        assert_eq!(media_type(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some("image/png"));
        assert_eq!(
            media_type(b"<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>"),
            Some("image/svg+xml")
        );
        assert_eq!(media_type(b"%PDF-1.7\n"), Some("application/pdf"));
        for hostile in [
            &b"<html><script src=/media/x.js></script>"[..],
            b"alert(document.cookie)",
            b"<!doctype html><svg onload=alert(1)>",
            b"PK\x03\x04zip",
            b"\x7fELF\x02\x01",
            b"",
        ] {
            assert_eq!(media_type(hostile), None, "{:?}", String::from_utf8_lossy(hostile));
        }
    }
}
