//! `/api/admin/articles`: list, create, read, update, delete, publish, unpublish and schedule
//! articles, and their history. Each handler reads the request, calls the use case in
//! `masthead_newsroom::articles`, which decides the rights, and answers JSON.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use masthead_core::article::NewOrigin;
use masthead_core::{ArticleStatus, BodyFormat, ReusePolicy};
use masthead_newsroom::articles::{self, ArticleInput, StatusChange};
use masthead_newsroom::error::Failure;
use serde::Deserialize;

use crate::api::error::{ApiError, ApiUser, body};
use crate::state::AppState;

/// What a script sends to create or change an article.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArticleRequest {
    pub title: String,
    /// Made from the title when absent.
    pub slug: Option<String>,
    #[serde(default)]
    pub dek: String,
    pub body: String,
    #[serde(default = "markdown")]
    pub body_format: String,
    #[serde(default)]
    pub excerpt: String,
    #[serde(default)]
    pub author_ids: Vec<i64>,
    #[serde(default)]
    pub term_ids: Vec<i64>,
    pub featured_media_id: Option<i64>,
    #[serde(default)]
    pub featured_alt: String,
    #[serde(default)]
    pub featured_credit: String,
    pub reuse_policy: Option<String>,
    pub time_zone: Option<String>,
    #[serde(default)]
    pub origins: Vec<NewOrigin>,
    /// A BCP 47 tag; absent or empty: the site's language.
    #[serde(default)]
    pub language: String,
    /// The article this one translates.
    pub translation_of: Option<i64>,
    /// Required when updating: the revision the change was made from.
    pub revision: Option<i64>,
}

fn markdown() -> String {
    "markdown".into()
}

impl ArticleRequest {
    fn into_input(self) -> Result<(ArticleInput, Option<i64>), Failure> {
        let body_format = BodyFormat::from_key(&self.body_format)
            .ok_or_else(|| Failure::invalid("body_format", "body_format is markdown or html"))?;
        let reuse_policy = self
            .reuse_policy
            .as_deref()
            .map(|p| p.parse::<ReusePolicy>().map_err(|e| Failure::invalid("reuse_policy", e.to_string())))
            .transpose()?;
        let input = ArticleInput {
            title: self.title,
            slug: self.slug,
            dek: self.dek,
            body: self.body,
            body_format,
            excerpt: self.excerpt,
            author_ids: self.author_ids,
            term_ids: self.term_ids,
            new_tags: Vec::new(),
            featured_media_id: self.featured_media_id,
            featured_alt: self.featured_alt,
            featured_credit: self.featured_credit,
            reuse_policy,
            time_zone: self.time_zone,
            origins: self.origins,
            language: self.language,
            translation_of: self.translation_of,
        };
        Ok((input, self.revision))
    }
}

pub(crate) async fn list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let param = |name: &str| {
        q.as_deref().and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
        })
    };
    let status = param("status")
        .map(|s| {
            s.parse::<ArticleStatus>()
                .map_err(|e| ApiError::field(StatusCode::BAD_REQUEST, e.to_string(), "status"))
        })
        .transpose()?;
    let number = |name: &'static str| {
        param(name)
            .map(|v| {
                v.parse::<i64>().map_err(|_| {
                    ApiError::field(StatusCode::BAD_REQUEST, format!("{name} must be an id"), name)
                })
            })
            .transpose()
    };
    // The full text, as the site's search reads it (words, "phrases", prefix*).
    let text = param("q").filter(|t| !t.trim().is_empty()).map(|t| masthead_core::SearchQuery::parse(&t));
    let filter = masthead_store::ArticleFilter {
        status,
        author_id: number("author")?,
        term_id: number("term")?,
        title: None,
        text,
    };
    let rows = articles::find(state.newsroom(), &user, filter).await?;
    let items: Vec<serde_json::Value> = rows
        .into_iter()
        .map(|(id, slug, title, status, updated)| {
            serde_json::json!({ "id": id, "slug": slug, "title": title, "status": status, "updated_at": updated })
        })
        .collect();
    Ok(Json(serde_json::json!({ "articles": items })).into_response())
}

pub(crate) async fn create(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    json: Result<Json<ArticleRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let (input, _) = body(json)?.into_input()?;
    let article = articles::create(state.newsroom(), &user, input).await?;
    Ok((StatusCode::CREATED, Json(article)).into_response())
}

pub(crate) async fn read(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    Ok(Json(articles::readable(state.newsroom(), &user, id).await?).into_response())
}

pub(crate) async fn update(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    json: Result<Json<ArticleRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let (input, revision) = body(json)?.into_input()?;
    // Rights first: someone who may not change the article learns nothing about the revision.
    articles::editable(state.newsroom(), &user, id).await?;
    let revision = revision.ok_or_else(|| Failure::invalid("revision", "say which revision you changed"))?;
    let article = articles::update(state.newsroom(), &user, id, revision, input, StatusChange::Keep).await?;
    Ok(Json(article).into_response())
}

pub(crate) async fn delete(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    articles::delete(state.newsroom(), &user, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub(crate) async fn publish(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    Ok(Json(articles::change_status(state.newsroom(), &user, id, StatusChange::Publish).await?)
        .into_response())
}

pub(crate) async fn unpublish(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    Ok(Json(articles::change_status(state.newsroom(), &user, id, StatusChange::Unpublish).await?)
        .into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleRequest {
    /// When the article goes live, RFC 3339: "2026-12-01T07:00:00+01:00".
    pub at: String,
}

pub(crate) async fn schedule(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    json: Result<Json<ScheduleRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let request = body(json)?;
    let at = request.at.parse::<jiff::Timestamp>().map_err(|e| {
        Failure::invalid("at", format!("{:?} is not a date and time with its offset: {e}", request.at))
    })?;
    let article = articles::change_status(state.newsroom(), &user, id, StatusChange::Schedule(at)).await?;
    Ok(Json(article).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorrectionRequest {
    /// The revision the correction was written against.
    pub revision: i64,
    pub text: String,
}

/// A correction under a published article; answers the article.
pub(crate) async fn correct(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    json: Result<Json<CorrectionRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let request = body(json)?;
    let article = articles::correct(state.newsroom(), &user, id, request.revision, &request.text).await?;
    Ok(Json(article).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WithdrawalRequest {
    /// The revision the editor saw.
    pub revision: i64,
    /// What readers see in the article's place.
    pub notice: String,
}

/// Withdraws a published article; answers the article.
pub(crate) async fn withdraw(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    json: Result<Json<WithdrawalRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let request = body(json)?;
    let article = articles::withdraw(state.newsroom(), &user, id, request.revision, &request.notice).await?;
    Ok(Json(article).into_response())
}

/// The known copies of an article, and what their last check found.
pub(crate) async fn copies(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    if !user.may(masthead_core::Action::ViewRepublications) {
        return Err(Failure::Forbidden("Your role cannot see republications; ask an editor.".into()).into());
    }
    articles::readable(state.newsroom(), &user, id).await?;
    let copies: Vec<serde_json::Value> = state
        .store()
        .copies_of(id)
        .await
        .map_err(Failure::from)?
        .into_iter()
        .map(|c| {
            serde_json::json!({
                "url": c.url, "host": c.host, "verdict": c.verdict, "detail": c.detail,
                "checked_at": c.checked().map(|t| t.to_string()),
            })
        })
        .collect();
    Ok(Json(serde_json::json!({ "copies": copies })).into_response())
}

pub(crate) async fn revisions(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let (_, revisions) = articles::history(state.newsroom(), &user, id).await?;
    Ok(Json(serde_json::json!({ "revisions": revisions })).into_response())
}

pub(crate) async fn revision(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, revision)): Path<(i64, i64)>,
) -> Result<Response, ApiError> {
    let view = articles::revision(state.newsroom(), &user, id, revision).await?;
    let diff: serde_json::Map<String, serde_json::Value> = view
        .diffs
        .iter()
        .filter(|(key, _, _)| *key != "excerpt")
        .map(|(key, _, text)| ((*key).to_owned(), serde_json::Value::String(text.clone())))
        .collect();
    Ok(Json(serde_json::json!({ "revision": revision, "article": view.snapshot, "diff": diff }))
        .into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RestoreRequest {
    /// The revision the article is at now, as the caller last saw it.
    pub revision: i64,
}

pub(crate) async fn restore(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, revision)): Path<(i64, i64)>,
    json: Result<Json<RestoreRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let seen = body(json)?.revision;
    Ok(Json(articles::restore(state.newsroom(), &user, id, revision, seen).await?).into_response())
}
