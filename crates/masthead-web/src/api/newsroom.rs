//! `/api/admin/authors`, `/terms`, `/outlets` and `/settings`: the newsroom's lists and the
//! site's settings. Anyone on staff reads them; editors change authors, terms and outlets;
//! administrators change settings.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use masthead_core::{Action, TermKind, User};
use masthead_store::StoreError;

use crate::api::error::{ApiError, ApiUser};
use crate::state::AppState;
use masthead_newsroom::catalogue::{AuthorRequest, OutletRequest, TermRequest};

fn require(user: &User, action: Action) -> Result<(), ApiError> {
    if user.role.may(action) {
        Ok(())
    } else {
        Err(ApiError::new(StatusCode::FORBIDDEN, format!("the {} role may not do this", user.role)))
    }
}

fn invalid(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, message, field)
}

fn body<T>(json: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    json.map(|Json(v)| v).map_err(|e| {
        ApiError::new(StatusCode::BAD_REQUEST, format!("the request body is not valid: {}", e.body_text()))
    })
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
    require(&user, Action::ManageAuthorsAndTerms)?;
    let new = body(json)?.into_new()?;
    let author = state.store().create_author(&new).await.map_err(|e| store_error(e, "outlet_id"))?;
    Ok((StatusCode::CREATED, Json(author)).into_response())
}

pub(crate) async fn update_author(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    json: Result<Json<AuthorRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    require(&user, Action::ManageAuthorsAndTerms)?;
    let new = body(json)?.into_new()?;
    let author = state.store().update_author(id, &new).await.map_err(|e| store_error(e, "outlet_id"))?;
    Ok(Json(author).into_response())
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

/// A parent that does not exist is the request's fault, not a missing page.
fn term_error(e: StoreError) -> ApiError {
    match e {
        StoreError::NotFound => invalid("parent_id", "no such parent term"),
        other => store_error(other, "parent_id"),
    }
}

pub(crate) async fn create_term(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    json: Result<Json<TermRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    require(&user, Action::ManageAuthorsAndTerms)?;
    let new = body(json)?.into_new()?;
    let term = state.store().create_term(&new).await.map_err(term_error)?;
    Ok((StatusCode::CREATED, Json(term)).into_response())
}

pub(crate) async fn update_term(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    json: Result<Json<TermRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    require(&user, Action::ManageAuthorsAndTerms)?;
    let new = body(json)?.into_new()?;
    state.store().term(id).await.map_err(|e| store_error(e, "id"))?;
    let term = state.store().update_term(id, &new).await.map_err(term_error)?;
    Ok(Json(term).into_response())
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
    require(&user, Action::ManageAuthorsAndTerms)?;
    let outlet =
        state.store().create_outlet(&body(json)?.into_new()?).await.map_err(|e| store_error(e, "slug"))?;
    Ok((StatusCode::CREATED, Json(outlet)).into_response())
}

pub(crate) async fn update_outlet(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    json: Result<Json<OutletRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    require(&user, Action::ManageAuthorsAndTerms)?;
    let outlet = state
        .store()
        .update_outlet(id, &body(json)?.into_new()?)
        .await
        .map_err(|e| store_error(e, "slug"))?;
    Ok(Json(outlet).into_response())
}
