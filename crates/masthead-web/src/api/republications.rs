//! `/api/admin/republications`: who republished what, with daily views.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use masthead_newsroom::republications::report;

use crate::api::error::{ApiError, ApiUser};
use crate::state::AppState;

pub(crate) async fn list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Response, ApiError> {
    let rows = report(state.newsroom(), &user).await?;
    Ok(Json(serde_json::json!({ "republications": rows })).into_response())
}
