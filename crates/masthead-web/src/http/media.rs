//! `/media/…`: the files of the media folder, served only when they are media judged by their
//! content (`masthead_core::media::media_type`), never through a symbolic link, with the type
//! their content has and a sandboxing policy, so that nothing in the folder (an imported
//! `.html`, a script, an SVG with script in it) can run as a page of the site.

use std::path::{Component, Path, PathBuf};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use masthead_core::media::{SNIFF_BYTES, media_type};
use tokio::io::AsyncReadExt;

/// What a media response may do if opened as a page: nothing but show itself.
pub const MEDIA_POLICY: &str =
    "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; media-src 'self'";

/// In front of the media folder's file server: refuses (404) what is not a regular media file
/// inside the folder, and names the type its content has.
pub async fn guard(State(root): State<PathBuf>, request: Request, next: Next) -> Response {
    let Some(kind) = judge(&root, request.uri().path()).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(MEDIA_POLICY));
    response
}

/// The media type of the file `path` names under `root`, if it is a regular media file reached
/// without a symbolic link.
async fn judge(root: &Path, path: &str) -> Option<&'static str> {
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8().ok()?;
    let mut file = root.to_owned();
    for part in Path::new(decoded.trim_start_matches('/')).components() {
        let Component::Normal(name) = part else { return None };
        file.push(name);
        // Every step is checked, so that a linked folder leads nowhere either.
        let meta = tokio::fs::symlink_metadata(&file).await.ok()?;
        if meta.file_type().is_symlink() {
            return None;
        }
    }
    if !tokio::fs::symlink_metadata(&file).await.ok()?.is_file() {
        return None;
    }
    let mut head = vec![0u8; SNIFF_BYTES];
    let mut opened = tokio::fs::File::open(&file).await.ok()?;
    let mut read = 0;
    while read < head.len() {
        match opened.read(&mut head[read..]).await.ok()? {
            0 => break,
            n => read += n,
        }
    }
    media_type(&head[..read])
}
