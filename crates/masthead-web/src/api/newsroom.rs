//! `/api/admin/authors`, `/terms` and `/outlets`: the newsroom's lists. Anyone on staff reads
//! them; editors change them, through `masthead_newsroom::catalogue`.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use masthead_core::TermKind;
use masthead_store::StoreError;

use crate::api::error::{ApiError, ApiUser, body};
use crate::state::AppState;
use masthead_newsroom::catalogue::{self, AuthorRequest, OutletRequest, TermRequest};

fn invalid(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, message, field)
}

/// Maps storage errors; `parent_field` names the field an unknown reference came from.
fn store_error(e: StoreError, reference_field: &str) -> ApiError {
    match e {
        StoreError::NotFound => ApiError::new(StatusCode::NOT_FOUND, "not found"),
        StoreError::Conflict { .. } => invalid("slug", "this slug is taken"),
        StoreError::Invalid(m) => invalid(reference_field, m),
        other => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, other.to_string()),
    }
}

pub(crate) async fn authors(
    State(state): State<AppState>,
    ApiUser(_): ApiUser,
) -> Result<Response, ApiError> {
    let authors = state.store().authors().await.map_err(|e| store_error(e, "id"))?;
    Ok(Json(serde_json::json!({ "authors": authors })).into_response())
}

pub(crate) async fn create_author(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    json: Result<Json<AuthorRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let saved = catalogue::save_author(state.newsroom(), &user, None, body(json)?).await?;
    Ok((StatusCode::CREATED, Json(saved)).into_response())
}

pub(crate) async fn update_author(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    json: Result<Json<AuthorRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let saved = catalogue::save_author(state.newsroom(), &user, Some(id), body(json)?).await?;
    Ok(Json(saved).into_response())
}

pub(crate) async fn terms(
    State(state): State<AppState>,
    ApiUser(_): ApiUser,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let kind = q.as_deref().and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "kind").map(|(_, v)| v.into_owned())
    });
    let kinds: Vec<TermKind> = match kind {
        None => TermKind::ALL.to_vec(),
        Some(k) => vec![k.parse().map_err(|e: masthead_core::term::UnknownTermKind| {
            ApiError::field(StatusCode::BAD_REQUEST, e.to_string(), "kind")
        })?],
    };
    let mut all = Vec::new();
    for kind in kinds {
        all.extend(state.store().terms(kind).await.map_err(|e| store_error(e, "kind"))?);
    }
    Ok(Json(serde_json::json!({ "terms": all })).into_response())
}

pub(crate) async fn create_term(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    json: Result<Json<TermRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let saved = catalogue::save_term(state.newsroom(), &user, None, body(json)?).await?;
    Ok((StatusCode::CREATED, Json(saved)).into_response())
}

pub(crate) async fn update_term(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    json: Result<Json<TermRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let saved = catalogue::save_term(state.newsroom(), &user, Some(id), body(json)?).await?;
    Ok(Json(saved).into_response())
}

pub(crate) async fn outlets(
    State(state): State<AppState>,
    ApiUser(_): ApiUser,
) -> Result<Response, ApiError> {
    let outlets = state.store().outlets().await.map_err(|e| store_error(e, "id"))?;
    Ok(Json(serde_json::json!({ "outlets": outlets })).into_response())
}

pub(crate) async fn create_outlet(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    json: Result<Json<OutletRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let saved = catalogue::save_outlet(state.newsroom(), &user, None, body(json)?).await?;
    Ok((StatusCode::CREATED, Json(saved)).into_response())
}

pub(crate) async fn update_outlet(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    json: Result<Json<OutletRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let saved = catalogue::save_outlet(state.newsroom(), &user, Some(id), body(json)?).await?;
    Ok(Json(saved).into_response())
}
