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

use crate::api::error::{ApiError, ApiUser, body};
use crate::state::AppState;
use masthead_newsroom::catalogue::{self, AuthorRequest, OutletRequest, TermRequest};

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

pub(crate) async fn settings(
    State(state): State<AppState>,
    ApiUser(_): ApiUser,
) -> Result<Response, ApiError> {
    Ok(Json(state.store().site().await.map_err(|e| store_error(e, "settings"))?).into_response())
}

/// Changes the settings named in the body; the others stay as they are.
pub(crate) async fn update_settings(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    json: Result<Json<serde_json::Map<String, serde_json::Value>>, JsonRejection>,
) -> Result<Response, ApiError> {
    require(&user, Action::ManageSettings)?;
    let changes = body(json)?;
    let current = state.store().site().await.map_err(|e| store_error(e, "settings"))?;
    let mut merged = serde_json::to_value(&current)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    let known: Vec<String> = merged.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default();
    // One setting at a time, so that a value of the wrong form is blamed on its own name.
    let mut site = current;
    for (key, value) in &changes {
        if !known.contains(key) {
            return Err(invalid(key, format!("there is no setting called {key:?}")));
        }
        merged[key.as_str()] = value.clone();
        site = serde_json::from_value(merged.clone())
            .map_err(|e| invalid(key, format!("{key} has the wrong form: {e}")))?;
    }
    if !masthead_core::time::is_known_zone(&site.time_zone) {
        return Err(invalid(
            "time_zone",
            format!("{:?} is not a time zone (e.g. Europe/Belgrade)", site.time_zone),
        ));
    }
    if masthead_core::account::normalize_email(&site.media_contact).is_none() {
        return Err(invalid("media_contact", "the media contact must be an e-mail address"));
    }
    state.store().save_site(&site).await.map_err(|e| store_error(e, "settings"))?;
    let names: Vec<&str> = changes.keys().map(String::as_str).collect();
    state
        .store()
        .audit(Some(user.id), "settings changed", &names.join(", "))
        .await
        .map_err(|e| store_error(e, "settings"))?;
    Ok(Json(site).into_response())
}
