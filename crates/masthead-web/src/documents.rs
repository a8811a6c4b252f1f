//! Documents for machines that more than one edge answers with: an article as ninjs (its own
//! address, and the article page when a client asks for ninjs).

use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use masthead_core::Article;
use masthead_formats::json_text::JsonText;
use masthead_formats::ninjs;

use crate::http::conditional::respond;
use crate::http::error::{AppError, Result};
use crate::http::page_cache::Tags;
use crate::state::AppState;

pub(crate) const JSON_TYPE: &str = "application/json; charset=utf-8";

/// One article as ninjs: `/article/{slug}.ninjs.json`.
/// The ninjs of an article that is no longer published, with 410 Gone: withdrawn, since when,
/// and the notice, for the partners' systems that poll it.
pub(crate) async fn withdrawn_ninjs(state: &AppState, article: &Article) -> Result<Response> {
    let site = state.site().await?;
    let doc = ninjs::withdrawn(&site, article);
    let body = serde_json::to_string_pretty(&doc).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((axum::http::StatusCode::GONE, [(axum::http::header::CONTENT_TYPE, JSON_TYPE)], body).into_response())
}

pub(crate) async fn article_ninjs(
    state: &AppState,
    article: &Article,
    headers: &HeaderMap,
) -> Result<Response> {
    let body = ninjs_body(&state.site().await?, article)?;
    let mut tags = Tags::default();
    tags.add_article(article);
    Ok(tags.apply(respond(headers, JSON_TYPE, body, Some(article.updated_at))))
}

/// The document `/article/{slug}.ninjs.json` answers for a published article.
pub(crate) fn ninjs_body(site: &masthead_core::Site, article: &Article) -> Result<String> {
    ninjs_body_with(site, article, JsonText::new(masthead_formats::portable_body(site, article)))
}

/// [`ninjs_body`] with the article's portable body as made (and escaped for JSON) already.
pub(crate) fn ninjs_body_with(
    site: &masthead_core::Site,
    article: &Article,
    body: JsonText,
) -> Result<String> {
    serde_json::to_string_pretty(&ninjs::ninjs_with_body(site, article, body))
        .map_err(|e| AppError::Internal(e.to_string()))
}
