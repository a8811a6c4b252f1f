//! `/api/admin/articles`: list, create, read, update, delete, publish and unpublish articles,
//! with the admin's role rules: contributors write drafts under their own byline, authors also
//! publish their own, editors and above do anything.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use masthead_core::article::NewOrigin;
use masthead_core::{
    Action, Article, ArticleStatus, BodyFormat, NewArticle, ReusePolicy, Slug, User, render_body,
};
use masthead_store::StoreError;
use serde::Deserialize;

use crate::state::AppState;
use crate::api::openapi::{ApiError, ApiUser};

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
    /// Required when updating: the revision the change was made from.
    pub revision: Option<i64>,
}

fn markdown() -> String {
    "markdown".into()
}

fn invalid(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, message, field)
}

fn store_error(e: StoreError) -> ApiError {
    match e {
        StoreError::NotFound => ApiError::new(StatusCode::NOT_FOUND, "no such article"),
        StoreError::Conflict { what } if what.contains("slug") => {
            invalid("slug", "another article has this slug")
        }
        StoreError::Conflict { what } => {
            ApiError::new(StatusCode::CONFLICT, format!("{what} is already taken"))
        }
        StoreError::Refused(reason) => ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, reason, "terms"),
        StoreError::Stale { current } => ApiError::field(
            StatusCode::CONFLICT,
            format!("someone else saved this article in the meantime; it is now at revision {current}"),
            "revision",
        ),
        StoreError::Invalid(m) if m.contains("referenced record") => {
            invalid("author_ids", "an author, term, outlet or image named here does not exist")
        }
        StoreError::Invalid(m) if m.contains("time zone") => invalid("time_zone", m),
        StoreError::Invalid(m) => invalid("published_at", m),
        other => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, other.to_string()),
    }
}

impl ArticleRequest {
    fn into_new(self, user: &User, site_zone: &str, status: ArticleStatus) -> Result<NewArticle, ApiError> {
        let title = self.title.trim().to_owned();
        if title.is_empty() {
            return Err(invalid("title", "an article needs a title"));
        }
        let slug = match self.slug.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => Slug::parse(s).map_err(|e| invalid("slug", e.to_string()))?,
            None => Slug::from_title(&title)
                .map_err(|e| invalid("title", format!("no address can be made from it: {e}")))?,
        };
        let format = BodyFormat::from_key(&self.body_format)
            .ok_or_else(|| invalid("body_format", "body_format is markdown or html"))?;
        let reuse_policy = self
            .reuse_policy
            .as_deref()
            .map(|p| p.parse::<ReusePolicy>().map_err(|e| invalid("reuse_policy", e.to_string())))
            .transpose()?;
        if !user.role.may(Action::EditAnyArticle) && !user.writes_under(&self.author_ids) {
            return Err(ApiError::field(
                StatusCode::FORBIDDEN,
                "your own byline must be among the authors (ask an editor to link your account to an author)",
                "author_ids",
            ));
        }
        Ok(NewArticle {
            slug,
            title,
            dek: self.dek,
            body: render_body(format, &self.body),
            excerpt: self.excerpt,
            status,
            published_at: None,
            time_zone: self.time_zone.unwrap_or_else(|| site_zone.to_owned()),
            author_ids: self.author_ids,
            term_ids: self.term_ids,
            featured_media_id: self.featured_media_id,
            featured_alt: self.featured_alt,
            featured_credit: self.featured_credit,
            reuse_policy,
            origins: self.origins,
        })
    }
}

fn body<T>(json: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    json.map(|Json(v)| v).map_err(|e| {
        ApiError::new(StatusCode::BAD_REQUEST, format!("the request body is not valid: {}", e.body_text()))
    })
}

pub(crate) async fn list(
    State(state): State<AppState>,
    ApiUser(_user): ApiUser,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let status = q
        .as_deref()
        .and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "status")
                .map(|(_, v)| v.into_owned())
        })
        .map(|s| {
            s.parse::<ArticleStatus>()
                .map_err(|e| ApiError::field(StatusCode::BAD_REQUEST, e.to_string(), "status"))
        })
        .transpose()?;
    let rows = state.store().recent_articles(status, 200).await.map_err(store_error)?;
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
    let request = body(json)?;
    let site = state.store().site().await.map_err(store_error)?;
    let new = request.into_new(&user, &site.time_zone, ArticleStatus::Draft)?;
    let article = state.store().create_article_by(&new, Some(user.id)).await.map_err(store_error)?;
    Ok((StatusCode::CREATED, Json(article)).into_response())
}

async fn load(state: &AppState, id: i64) -> Result<Article, ApiError> {
    state.store().article(id).await.map_err(store_error)
}

pub(crate) async fn read(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let article = load(&state, id).await?;
    if !user.may_edit(&article) && article.status != ArticleStatus::Published {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!("the {} role may not read this article", user.role),
        ));
    }
    Ok(Json(article).into_response())
}

pub(crate) async fn update(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    json: Result<Json<ArticleRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let request = body(json)?;
    let current = load(&state, id).await?;
    if !user.may_edit(&current) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!("the {} role may not change this article", user.role),
        ));
    }
    let revision = request.revision.ok_or_else(|| invalid("revision", "say which revision you changed"))?;
    let site = state.store().site().await.map_err(store_error)?;
    let mut new = request.into_new(&user, &site.time_zone, current.status)?;
    new.published_at = current.published_at;
    let article =
        state.store().update_article(id, revision, &new, Some(user.id)).await.map_err(store_error)?;
    Ok(Json(article).into_response())
}

pub(crate) async fn delete(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let article = load(&state, id).await?;
    let own_draft = article.status == ArticleStatus::Draft && user.may_edit(&article);
    if !(user.role.may(Action::EditAnyArticle) || own_draft) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!("the {} role may not delete this article", user.role),
        ));
    }
    state.store().delete_article(id).await.map_err(store_error)?;
    state
        .store()
        .audit(Some(user.id), "article deleted", &format!("{} ({})", article.title, article.slug))
        .await
        .map_err(store_error)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn change_status(
    state: &AppState,
    user: &User,
    id: i64,
    status: ArticleStatus,
    at: Option<jiff::Timestamp>,
) -> Result<Response, ApiError> {
    let article = load(state, id).await?;
    if !user.may_publish(&article) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!("the {} role may not publish or unpublish this article", user.role),
        ));
    }
    let article = state.store().set_status(id, status, at, Some(user.id)).await.map_err(store_error)?;
    let action = match status {
        ArticleStatus::Published => "article published",
        ArticleStatus::Scheduled => "article scheduled",
        _ => "article unpublished",
    };
    state
        .store()
        .audit(Some(user.id), action, &format!("{} ({})", article.title, article.slug))
        .await
        .map_err(store_error)?;
    Ok(Json(article).into_response())
}

pub(crate) async fn publish(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    change_status(&state, &user, id, ArticleStatus::Published, None).await
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
        invalid("at", format!("{:?} is not a date and time with its offset: {e}", request.at))
    })?;
    if at <= jiff::Timestamp::now() {
        return Err(invalid("at", "a scheduled time must be in the future; publish now instead"));
    }
    change_status(&state, &user, id, ArticleStatus::Scheduled, Some(at)).await
}

pub(crate) async fn unpublish(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    change_status(&state, &user, id, ArticleStatus::Unpublished, None).await
}

/// Only people who may change an article see its history.
async fn editable(state: &AppState, user: &User, id: i64) -> Result<Article, ApiError> {
    let article = load(state, id).await?;
    if user.may_edit(&article) {
        Ok(article)
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!("the {} role may not see this article's history", user.role),
        ))
    }
}

pub(crate) async fn revisions(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    editable(&state, &user, id).await?;
    let revisions = state.store().revisions(id).await.map_err(store_error)?;
    Ok(Json(serde_json::json!({ "revisions": revisions })).into_response())
}

/// A unified diff of two texts, for reading what a save changed.
pub(crate) fn unified_diff(before: &str, after: &str, names: (&str, &str)) -> String {
    similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .header(names.0, names.1)
        .to_string()
}

pub(crate) async fn revision(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, revision)): Path<(i64, i64)>,
) -> Result<Response, ApiError> {
    editable(&state, &user, id).await?;
    let snapshot = state.store().revision_snapshot(id, revision).await.map_err(store_error)?;
    let previous =
        if revision > 1 { state.store().revision_snapshot(id, revision - 1).await.ok() } else { None };
    let before = previous.as_ref();
    let diff = serde_json::json!({
        "title": unified_diff(before.map(|p| p.title.as_str()).unwrap_or(""), &snapshot.title, ("title before", "title after")),
        "dek": unified_diff(before.map(|p| p.dek.as_str()).unwrap_or(""), &snapshot.dek, ("dek before", "dek after")),
        "body": unified_diff(before.map(|p| p.body.source.as_str()).unwrap_or(""), &snapshot.body.source, ("body before", "body after")),
    });
    Ok(Json(serde_json::json!({ "revision": revision, "article": snapshot, "diff": diff })).into_response())
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
    let request = body(json)?;
    let current = editable(&state, &user, id).await?;
    let mut snapshot = state.store().revision_snapshot(id, revision).await.map_err(store_error)?;
    // Restoring brings back the text, not a past status: publishing stays a separate act.
    snapshot.status = current.status;
    snapshot.published_at = current.published_at;
    let article = state
        .store()
        .update_article(id, request.revision, &snapshot, Some(user.id))
        .await
        .map_err(store_error)?;
    state
        .store()
        .audit(Some(user.id), "revision restored", &format!("{} (revision {revision})", article.slug))
        .await
        .map_err(store_error)?;
    Ok(Json(article).into_response())
}
