//! `/api/admin/sources` and `/api/admin/queue`: partners' feeds, pulling one now, and the
//! articles taken in. Editors and above manage sources; anyone on staff reads them.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use masthead_store::StoreError;

use crate::api::error::{ApiError, ApiUser, body};
use crate::state::AppState;
use masthead_newsroom::catalogue::may_manage;
use masthead_newsroom::sources::{self, SourceRequest};
use masthead_newsroom::staff::Actor;

fn store_error(e: StoreError) -> ApiError {
    match e {
        StoreError::NotFound => ApiError::new(StatusCode::NOT_FOUND, "no such source"),
        StoreError::Conflict { .. } => {
            ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, "this feed is already a source", "feed_url")
        }
        StoreError::Invalid(m) if m.contains("referenced record") => {
            ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, "no such outlet or term", "outlet_id")
        }
        StoreError::Invalid(m) => ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, m, "interval_minutes"),
        other => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, other.to_string()),
    }
}

pub(crate) async fn list(State(state): State<AppState>, ApiUser(_): ApiUser) -> Result<Response, ApiError> {
    let sources = state.store().sources().await.map_err(store_error)?;
    Ok(Json(serde_json::json!({ "sources": sources })).into_response())
}

pub(crate) async fn create(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    json: Result<Json<SourceRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let source = sources::save(state.newsroom(), Actor::Staff(&user), None, body(json)?).await?;
    Ok((StatusCode::CREATED, Json(source)).into_response())
}

pub(crate) async fn read(
    State(state): State<AppState>,
    ApiUser(_): ApiUser,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let source = state.store().source(id).await.map_err(store_error)?;
    let log: Vec<_> = state
        .store()
        .source_events(id, 50)
        .await
        .map_err(store_error)?
        .into_iter()
        .map(|e| serde_json::json!({ "at": e.at, "message": e.message }))
        .collect();
    Ok(Json(serde_json::json!({ "source": source, "log": log })).into_response())
}

pub(crate) async fn update(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    json: Result<Json<SourceRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    Ok(Json(sources::save(state.newsroom(), Actor::Staff(&user), Some(id), body(json)?).await?)
        .into_response())
}

/// Pulls the source now and answers what the pull did.
pub(crate) async fn pull(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    may_manage(&user)?;
    match masthead_newsroom::ingest::pull_source(state.newsroom(), id, &|_, _| {}).await {
        Ok(report) => Ok(Json(serde_json::json!({
            "created": report.created, "updated": report.updated, "unchanged": report.unchanged,
            "published": report.published, "not_modified": report.not_modified,
            "problems": report.problems, "error": report.error,
        }))
        .into_response()),
        Err(masthead_newsroom::ingest::PullError::Busy) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "another node is pulling this source right now; try again in a minute",
        )),
        Err(masthead_newsroom::ingest::PullError::Store(e)) => Err(store_error(e)),
    }
}

/// The articles taken in, newest first, with whether each may be published here and why not.
pub(crate) async fn queue(State(state): State<AppState>, ApiUser(_): ApiUser) -> Result<Response, ApiError> {
    let commercial = state.store().site().await.map_err(store_error)?.commercial;
    let entries: Vec<_> = state
        .store()
        .ingest_queue(200)
        .await
        .map_err(store_error)?
        .into_iter()
        .map(|e| {
            serde_json::json!({
                "article_id": e.syndication.article_id, "title": e.title, "status": e.status.key(),
                "outlet": e.outlet, "terms": e.syndication.terms, "original_url": e.syndication.original_url,
                "taken_in_at": e.syndication.taken_in_at, "changed_at_source": e.syndication.changed_upstream_at,
                "refusal": e.syndication.terms.refusal(commercial),
                "text_locked": e.syndication.terms.locks_text(),
                "possible_duplicate_of": e.syndication.duplicate_of,
            })
        })
        .collect();
    Ok(Json(serde_json::json!({ "queue": entries })).into_response())
}
