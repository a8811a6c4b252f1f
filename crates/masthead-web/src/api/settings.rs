//! `/api/admin/settings`: the site's settings. Anyone on staff reads them; administrators
//! change the ones they name (`masthead_newsroom::settings`, the same checks as the admin's form).

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::response::{IntoResponse, Response};
use masthead_newsroom::settings;

use crate::api::error::{ApiError, ApiUser, body};
use crate::state::AppState;

pub(crate) async fn read(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Response, ApiError> {
    Ok(Json(settings::read(state.newsroom(), &user).await?).into_response())
}

/// Changes the settings named in the body; the others stay as they are.
pub(crate) async fn update(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    json: Result<Json<serde_json::Map<String, serde_json::Value>>, JsonRejection>,
) -> Result<Response, ApiError> {
    let changes = body(json)?;
    Ok(Json(settings::change(state.newsroom(), &user, &changes).await?).into_response())
}
