//! The Admin API under `/api/admin/`: JSON for scripts, authenticated by bearer tokens
//! (`masthead token create`), with the same role checks as the admin. Errors are JSON with a
//! message and, where one is to blame, the field.

use axum::Json;
use axum::Router;
use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use masthead_core::{Action, User};
use serde::Serialize;

use crate::AppState;
use crate::auth::staff_from_bearer;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/api/admin/republications", get(republications))
}

/// An API error: `{"error": "...", "field": "..."}`.
#[derive(Debug, Serialize)]
pub struct ApiError {
    #[serde(skip)]
    status: StatusCode,
    error: String,
    field: Option<String>,
}

impl ApiError {
    fn new(status: StatusCode, error: impl Into<String>) -> ApiError {
        ApiError { status, error: error.into(), field: None }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::error!(error = %self.error, "API request failed");
            return (self.status, Json(ApiError { error: "internal error".into(), ..self })).into_response();
        }
        (self.status, Json(&self)).into_response()
    }
}

impl From<crate::AppError> for ApiError {
    fn from(e: crate::AppError) -> Self {
        match e {
            crate::AppError::NotFound => ApiError::new(StatusCode::NOT_FOUND, "not found"),
            crate::AppError::BadRequest(m) => ApiError::new(StatusCode::BAD_REQUEST, m),
            crate::AppError::Forbidden(m) => ApiError::new(StatusCode::FORBIDDEN, m),
            crate::AppError::Internal(m) => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, m),
        }
    }
}

/// The staff member behind the request's bearer token.
pub struct ApiUser(pub User);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match staff_from_bearer(state, parts).await? {
            Some(user) => Ok(ApiUser(user)),
            None => Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "send a valid token as 'Authorization: Bearer <token>' (masthead token create --email …)",
            )),
        }
    }
}

fn require(user: &User, action: Action) -> Result<(), ApiError> {
    if user.role.may(action) {
        Ok(())
    } else {
        Err(ApiError::new(StatusCode::FORBIDDEN, format!("the {} role may not do this", user.role)))
    }
}

async fn republications(State(state): State<AppState>, ApiUser(user): ApiUser) -> Result<Response, ApiError> {
    require(&user, Action::ViewRepublications)?;
    let site = state.store().site().await.map_err(crate::AppError::from)?;
    let rows = crate::admin::republication_rows(&state, &site).await?;
    Ok(Json(serde_json::json!({ "republications": rows })).into_response())
}
