//! `/media/…`: the files of the media folder (or bucket), served only when they are media judged by their
//! content (`masthead_core::media::media_type`), never through a symbolic link, with the type
//! their content has and a sandboxing policy, so that nothing in the folder (an imported
//! `.html`, a script, an SVG with script in it) can run as a page of the site.

use std::path::{Component, Path, PathBuf};

use axum::extract::{Path as UrlPath, Request, State};
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

/// How long browsers and caches keep a media file served from the bucket. Uploads have names
/// of their own and never change; imported files keep their old names, so a day, not a year.
const BUCKET_MEDIA_CACHE: &str = "public, max-age=86400";

/// `/media/{path}` from the bucket every node shares: the same judgement as the folder's
/// (media by content only), with the file's tag as `ETag` and a day's caching.
pub async fn from_bucket(
    State(state): State<crate::AppState>,
    UrlPath(path): UrlPath<String>,
    request_headers: axum::http::HeaderMap,
) -> Response {
    let files = state.newsroom().media();
    let found = match files.get(&path).await {
        Ok(Some(found)) => found,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::error!(error = %e, %path, "could not read a media file from the bucket");
            return crate::AppError::Unavailable("the media files cannot be reached".into()).into_response();
        }
    };
    let Some(kind) = media_type(&found.bytes[..found.bytes.len().min(SNIFF_BYTES)]) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let etag = found
        .etag
        .as_deref()
        .map(|tag| if tag.starts_with('"') { tag.to_owned() } else { format!("\"{tag}\"") });
    let mut headers = axum::http::HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(MEDIA_POLICY));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(BUCKET_MEDIA_CACHE));
    if let Some(value) = etag.as_deref().and_then(|t| HeaderValue::from_str(t).ok()) {
        let unchanged = request_headers
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|asked| asked.split(',').any(|t| t.trim() == value.to_str().unwrap_or_default()));
        headers.insert(header::ETAG, value);
        if unchanged {
            return (StatusCode::NOT_MODIFIED, headers).into_response();
        }
    }
    (headers, found.bytes).into_response()
}
